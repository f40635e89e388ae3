"""Placeholder, replaced by the real module."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path


@login_required
def placeholder(request):
    return HttpResponse("")


urlpatterns = [path("recommendations/", placeholder, name="recommendations")]
