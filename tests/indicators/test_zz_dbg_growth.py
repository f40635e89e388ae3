import pytest
from django.urls import reverse
from tests.indicators.test_views import *  # noqa

def test_dbg(client, catalogue):
    world = catalogue.world
    client.force_login(world.coordinator)
    url = f"{reverse('indicators:indicator-new')}?municipality=ishim"
    r = client.post(url, indicator_data(code="2.3.2"))
    print("STATUS", r.status_code, getattr(r, "context", None) and r.context.get("form") and r.context["form"].errors)
