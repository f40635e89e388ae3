"""Placeholder, replaced by the real module."""

urlpatterns: list = []
