"""Indicator values are derived data: when what they are derived from changes outside a data value
write, every period of the municipality is asked to be recomputed, as a cache is invalidated.

- An organization opens, closes or changes its kind: the organizations expected to report change,
  and with them the municipal rows (and its own rows, when it opens or closes).
- A data element changes the kinds of organizations that report it: the indicators over it expect
  other organizations.

Data value writes ask for their own scope (indicators.services.data_values_write); an organization's
scope redoes only the municipal rows its change touched (indicators.sql), so these changes must ask
for the whole municipality.
"""

from django.db.models.signals import post_save, pre_save

from indicators.models import DataElement
from mcok.models import Organization

_WATCHED = {Organization: ("is_active", "kind", "municipality_id"), DataElement: ("kinds",)}


def _before(sender, instance, **kwargs) -> None:
    fields = _WATCHED[sender]
    instance._recompute_before = (
        sender.objects.filter(pk=instance.pk).values_list(*fields).first() if instance.pk else None
    )


def _after(sender, instance, created, raw=False, **kwargs) -> None:
    if raw:  # a fixture being loaded: its values come with it
        return
    from indicators import services

    before = getattr(instance, "_recompute_before", None)
    now = tuple(getattr(instance, field) for field in _WATCHED[sender])
    if sender is DataElement and created:
        return  # no value is derived from it yet
    if created or before is None or tuple(before) != now:
        services.recompute_all_later(instance.municipality)
        if before is not None and sender is Organization and before[2] != instance.municipality_id:
            from mcok.models import Municipality

            services.recompute_all_later(Municipality.objects.get(pk=before[2]))


def connect() -> None:
    for model in _WATCHED:
        pre_save.connect(_before, sender=model, dispatch_uid=f"indicators-recompute-{model.__name__}-before")
        post_save.connect(_after, sender=model, dispatch_uid=f"indicators-recompute-{model.__name__}-after")
