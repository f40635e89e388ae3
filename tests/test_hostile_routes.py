"""Every named route with hostile values (issue 18, item 8): a NUL byte, «²» (`'²'.isdigit()` is true,
`int('²')` fails), 10,000 characters, the years 1 and 9999 and a number past any database integer,
in every slot of the address and in every query parameter the portal reads, asked by a logged-in
coordinator; and deeply nested JSON posted to every API action. No answer is a 5xx.

The routes come from the URL resolver (as in tests/test_access_matrix.py), so a new route is driven
too. Slots are filled with the ids of existing records, so that the views get past their 404 and
read their parameters; then with the hostile values themselves."""

import itertools
import re
from urllib.parse import quote

import pytest
from django.urls import NoReverseMatch, reverse

from config.urls import router
from directions import services as direction_services
from mcok.models import Period
from reports import public
from roadmaps.models import Roadmap
from tests.indicators.factories import make_indicator
from tests.monitoring.factories import make_campaign, make_form, make_submission
from tests.reports.test_public import make_tab
from tests.roadmaps.test_recommendations import make_recommendation
from tests.test_access_matrix import is_id_slot, named_routes

NUL = "bad\x00value"
HOSTILE = [
    NUL,
    "²",
    "я" * 10_000,
    "0001-01-01",
    "9999-12-31",
    "99999999999999999999999",
    "-1",
    "[[[[",
]
# Query parameters the portal's views and filter forms read (grep of request.GET and the forms);
# the API's filters are added from its viewsets.
PARAMETERS = {
    "municipality", "period", "page", "format", "direction", "field", "organization", "kind", "year",
    "status", "state", "section", "restart", "recommendation", "layout", "label", "item", "indicator",
    "form", "event", "duty", "date_from", "date_to", "user", "action", "q", "search", "ordering",
    "limit", "offset", "code", "campaign", "cycle", "component", "level", "as_of", "official",
    "position", "roadmap", "group", "meeting", "report", "submission", "evaluation", "next", "script",
}  # fmt: skip
SKIPPED = {
    "logout",  # ends the session the test drives
    "api:schema",  # the whole OpenAPI schema, the same for any parameter, and slow
    "api:docs",
}
INT_MARK = "424242"
TEXT_MARK = "qqslotqq"


def _api_parameters() -> set[str]:
    names = set()
    for _prefix, viewset, _basename in router.registry:
        names |= set(getattr(viewset, "filterset_fields", None) or [])
        filterset = getattr(viewset, "filterset_class", None)
        if filterset is not None:
            names |= set(filterset.base_filters)
    return names


def _template(name: str, slots: tuple[str, ...]) -> str | None:
    """The route's address with a mark in each slot (a number in the id-like ones)."""
    kwargs = {slot: INT_MARK if is_id_slot(slot) else TEXT_MARK for slot in slots}
    for attempt in (kwargs, dict.fromkeys(slots, INT_MARK)):
        try:
            return reverse(name, kwargs=attempt)
        except NoReverseMatch:
            continue
    return None


def _share(parameters: set[str], value: str, turn: int) -> list[str]:
    """Every parameter at once; for the long value, eight of them in turn (all of them would make each
    address megabytes long), so that the routes together still try every parameter with it."""
    names = sorted(parameters)
    if len(value) < 1000:
        return names
    start = (turn * 8) % len(names)
    return (names + names)[start : start + 8]


def _fill(template: str, value: str) -> str:
    return template.replace(INT_MARK, quote(value, safe="")).replace(TEXT_MARK, quote(value, safe=""))


@pytest.fixture
def records(world):
    """Records of every main kind in the coordinator's municipality; their ids fill the slots."""
    tab = make_tab(world)
    public.publish(tab.home, user=tab.operator)
    period = Period.objects.get(code="2025")
    form = make_form(world.municipality)
    campaign = make_campaign(world.municipality, form=form, organizations=[world.school])
    submission = make_submission(campaign, world.school)
    indicator = make_indicator(world.municipality, "I1", "E1")
    roadmap = Roadmap.objects.create(municipality=world.municipality, title="Дорожная карта")
    recommendation = make_recommendation(world)
    cycle = direction_services.cycle_open(direction=world.direction, period=period, by=world.coordinator)
    objects = [
        world.municipality,
        world.school,
        world.direction,
        period,
        form,
        campaign,
        submission,
        indicator,
        roadmap,
        recommendation,
        cycle,
        cycle.components.first(),
        tab.home,
    ]
    ids = sorted({str(item.pk) for item in objects})
    slugs = [world.municipality.slug, tab.home.slug or "home"]
    return ids, slugs


def _server_errors(client, requests) -> list[str]:
    failed = []
    for method, url, data in requests:
        if method == "get":
            status = client.get(url, data).status_code
        else:
            status = client.post(url, data, content_type="application/json").status_code
        if status >= 500:
            shown = url if len(url) < 120 else url[:117] + "…"
            failed.append(
                f"{method.upper()} {shown} {sorted(data)[:3] if isinstance(data, dict) else ''} → {status}"
            )
    return failed


@pytest.mark.parametrize("value", HOSTILE, ids=lambda value: repr(value[:12]))
def test_no_named_route_answers_a_hostile_value_with_a_server_error(client, world, records, value):
    client.raise_request_exception = False
    client.force_login(world.coordinator)
    ids, slugs = records
    parameters = PARAMETERS | _api_parameters()
    requests = []
    turn = HOSTILE.index(value) % len(ids)  # each value meets other records in a route's slots
    real = itertools.cycle(ids[turn:] + ids[:turn])
    for name, slots in named_routes():
        if name in SKIPPED:
            continue
        template = _template(name, slots)
        if template is None:
            continue
        # A real record in the slots (another for each route), every query parameter hostile.
        url = template.replace(INT_MARK, next(real)).replace(TEXT_MARK, slugs[0])
        requests.append(("get", url, dict.fromkeys(_share(parameters, value, len(requests)), value)))
        if slots:  # the hostile value in the slots
            requests.append(("get", _fill(template, value), {}))
    assert len(requests) > 300
    assert _server_errors(client, requests) == []


def test_deeply_nested_json_is_refused_by_every_api_action(client, world, records):
    client.raise_request_exception = False
    client.force_login(world.coordinator)
    ids, _slugs = records
    bomb = "[" * 100_000 + "]" * 100_000
    nested = '{"a":' * 100_000 + "1" + "}" * 100_000
    requests = []
    for name, slots in named_routes():
        if not name.startswith("api:") or name in SKIPPED:
            continue
        template = _template(name, slots)
        if template is None:
            continue
        url = template.replace(INT_MARK, ids[0]).replace(TEXT_MARK, "x")
        requests += [("post", url, bomb), ("post", url, nested)]
    assert len(requests) > 20
    assert _server_errors(client, requests) == []


def test_a_nesting_bomb_is_a_russian_400(client, world):
    client.force_login(world.coordinator)
    response = client.post(
        reverse("api:token"), "[" * 100_000 + "]" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400
    assert re.search("[а-я]", response.json()["detail"])
