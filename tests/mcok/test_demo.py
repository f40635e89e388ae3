import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from mcok import demo
from mcok.demo_data import MUNICIPALITIES
from mcok.models import Document, Municipality, Official, Organization, Period, Role, User


@pytest.fixture
def demo_loaded(db):
    call_command("load_demo", stdout=io.StringIO())


def counts() -> dict[str, int]:
    models = [Municipality, Organization, Official, Document, Period, Role, User]
    history = [Municipality.history, Organization.history, Official.history, Document.history]
    return {m.__name__: m.objects.count() for m in models} | {
        f"history-{h.model.__name__}": h.count() for h in history
    }


def test_load_demo_creates_the_four_seed_municipalities(demo_loaded):
    assert set(Municipality.objects.values_list("slug", flat=True)) == {
        "ishimbay",
        "amursk",
        "dobryanka",
        "sosnovka",
    }
    assert set(Period.objects.values_list("year", flat=True)) >= set(range(2021, 2027))
    assert Period.objects.get(code="2024/25").starts_on.month == 9
    dobryanka = Organization.objects.filter(municipality__slug="dobryanka")
    assert dobryanka.filter(kind="school").count() >= 10
    assert dobryanka.filter(kind="kindergarten").count() >= 5
    ishimbay = Official.objects.filter(municipality__slug="ishimbay")
    assert ishimbay.filter(full_name="Мастрюкова Л.И.", position__icontains="главный инспектор").exists()
    assert ishimbay.filter(full_name="Гомзова Е.Б.", organization__short_name="ГРЦПИ").exists()
    assert Document.objects.filter(municipality__slug="ishimbay", number="1048").exists()
    for data in MUNICIPALITIES:
        assert Official.objects.filter(municipality__slug=data["slug"]).count() >= len(data["officials"])


def test_load_demo_is_idempotent(demo_loaded):
    before = counts()
    call_command("load_demo", stdout=io.StringIO())
    assert counts() == before


def test_one_login_per_role_per_municipality(demo_loaded):
    for slug in ("ishimbay", "amursk", "dobryanka", "sosnovka"):
        for suffix, kind, _picks in demo.DEMO_LOGINS:
            user = User.objects.get(username=f"{slug}-{suffix}")
            assert user.check_password("demo")
            role = Role.objects.get(user=user)
            assert role.kind == kind
            assert role.municipality.slug == slug
    # The people the order assigns to directions have logins of their own, with the role of their duty.
    mastriukova = Official.objects.select_related("user").get(
        municipality__slug="ishimbay", full_name="Мастрюкова Л.И."
    )
    assert mastriukova.user is not None
    assert Role.objects.filter(user=mastriukova.user, kind=Role.Kind.COORDINATOR).exists()


def test_every_demo_login_sees_its_home_page(client, demo_loaded):
    for user in User.objects.filter(username__contains="-"):
        client.force_login(user)
        response = client.get(reverse("mcok:home"))
        assert response.status_code == 200
        assert Role.objects.get(user=user).get_kind_display() in response.content.decode()


def test_demo_school_gets_404_for_every_other_organization(client, demo_loaded):
    user = User.objects.get(username="ishimbay-school")
    own = Role.objects.get(user=user).organization
    client.force_login(user)
    assert client.get(reverse("mcok:organization", args=[own.pk])).status_code == 200
    for organization in Organization.objects.exclude(pk=own.pk):
        assert client.get(reverse("mcok:organization", args=[organization.pk])).status_code == 404
    for official in Official.objects.exclude(organization=None).exclude(organization=own):
        assert client.get(reverse("mcok:official", args=[official.pk])).status_code == 404


def test_load_demo_prints_the_logins(db, capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "ishimbay-coordinator" in out
    assert "dobryanka-school" in out
    assert "пароль «demo»" in out
