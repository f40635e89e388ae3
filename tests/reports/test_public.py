"""The public tab: drafts, publication, withdrawal, restoration, what the public may and may not see."""

import io
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from directions.models import (
    Block,
    Component,
    Cycle,
    CycleComponent,
    Direction,
    Duty,
    Evaluation,
    Responsibility,
)
from indicators.models import Indicator, IndicatorValue, Target
from mcok.models import Document, Municipality, Official, User
from reports import public
from reports.models import PublicPage, PublicVersion, Report, ReportJob
from reports.open_views import render_public
from roadmaps.models import Event, Occurrence, Roadmap
from tests.factories import make_document, make_official
from tests.indicators.factories import make_period

COORDINATOR_EMAIL = "coordinator.secret@example.org"
COORDINATOR_PHONE = "+7 (347) 945-12-34"
EXECUTOR_EMAIL = "executor.secret@example.org"
EXECUTOR_PHONE = "8-917-000-11-22"


@pytest.fixture(autouse=True)
def _cache(settings):
    """A cache of the test's own: pages cached by another test never answer here."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@dataclass
class Tab:
    municipality: Municipality
    direction: Direction
    indicator: Indicator  # published, with the organizations' values published
    quiet: Indicator  # published, the organizations' values not
    hidden: Indicator  # not published
    event: Event
    home: PublicPage
    page: PublicPage  # the direction's page
    operator: User


def add_indicator(tab_or_direction, code: str, values: dict, *, published=True, organizations=None, **fields):
    """An indicator of the direction with municipal values {period code: value} and, optionally,
    the organizations' values {organization: value} in the last of those periods."""
    direction = getattr(tab_or_direction, "direction", tab_or_direction)
    indicator = Indicator.objects.create(
        municipality=direction.municipality,
        direction=direction,
        code=code,
        name=fields.pop("name", f"Доля показателя {code}"),
        unit=fields.pop("unit", "%"),
        is_published=published,
        **fields,
    )
    period = None
    for code_, value in values.items():
        period = make_period(code_)
        IndicatorValue.objects.create(
            indicator=indicator,
            period=period,
            municipality=direction.municipality,
            value=Decimal(value),
            numerator=Decimal(424242),
            denominator=Decimal(737373),
        )
    for organization, value in (organizations or {}).items():
        IndicatorValue.objects.create(
            indicator=indicator,
            period=period,
            municipality=direction.municipality,
            organization=organization,
            value=Decimal(value),
            numerator=Decimal(777),
            denominator=Decimal(999),
        )
    return indicator


def add_event(
    direction: Direction, number: str, *, due_days: int = -10, state=Occurrence.State.PLANNED
) -> Event:
    roadmap, _ = Roadmap.objects.get_or_create(
        municipality=direction.municipality, direction=direction, title="Дорожная карта направления"
    )
    event = Event.objects.create(
        roadmap=roadmap,
        number=number,
        content=f"Мероприятие {number}: семинар для педагогов",
        deadline_text="Ежегодно (сентябрь)",
        responsible_text="",
        order=int(number.replace(".", "")),
    )
    Occurrence.objects.create(
        event=event, due_on=timezone.localdate() + timedelta(days=due_days), state=state
    )
    return event


def make_tab(world) -> Tab:
    municipality = world.municipality
    p2024, p2025 = make_period("2024"), make_period("2025")
    block, _ = Block.objects.get_or_create(
        code="1", defaults={"name": "Механизмы управления качеством результатов"}
    )
    coordinator = make_official(
        municipality, full_name="Шерсткина Е.А.", position="главный инспектор",
        email=COORDINATOR_EMAIL, phone=COORDINATOR_PHONE,
    )  # fmt: skip
    executor = make_official(
        municipality, full_name="Найденова А.Н.", position="специалист",
        email=EXECUTOR_EMAIL, phone=EXECUTOR_PHONE, organization=world.school,
    )  # fmt: skip
    coordinator.user = world.coordinator
    coordinator.save()
    # The world's direction 1.1 as the order describes it, assigned to the two officials above (the
    # coordinator's account acts through Шерсткина); its 2.3 is not part of this tab.
    world.other_direction.delete()
    direction = world.direction
    direction.responsibilities.all().delete()
    direction.block = block
    direction.name = "Система оценки качества подготовки обучающихся"
    direction.goal = "Повышение качества подготовки обучающихся"
    direction.measures = "Мониторинг результатов ВПР\nМетодические семинары"
    direction.valid_from = p2024
    direction.save()
    Responsibility.objects.create(direction=direction, duty=Duty.COORDINATOR, official=coordinator)
    Responsibility.objects.create(direction=direction, duty=Duty.EXECUTOR, official=executor)
    indicator = add_indicator(
        direction,
        "1.1.1",
        {"2024": "60.5", "2025": "62.5"},
        organizations={world.school: "55.25", world.other_school: "70"},
        publish_organization_values=True,
    )
    Target.objects.create(indicator=indicator, period=p2025, value=Decimal("65"))
    quiet = add_indicator(direction, "1.1.2", {"2025": "48"}, organizations={world.school: "41.5"})
    hidden = add_indicator(
        direction, "1.1.3", {"2025": "13.7"}, published=False, name="Секретный показатель черновика"
    )
    event = add_event(direction, "1.1")
    cycle = Cycle.objects.create(direction=direction, period=p2025)
    goals = CycleComponent.objects.create(
        cycle=cycle, component=Component.GOALS, state=CycleComponent.State.PUBLISHED,
        content="Цель: каждый обучающийся достигает базового уровня.",
    )  # fmt: skip
    goals.documents.set([make_document(municipality, title="Об утверждении целей", number="12")])
    drafted = CycleComponent.objects.create(
        cycle=cycle, component=Component.ANALYSIS, state=CycleComponent.State.APPROVED,
        content="Неопубликованный анализ",
    )  # fmt: skip
    drafted.documents.set([make_document(municipality, title="Черновик анализа")])
    Evaluation.objects.create(
        municipality=municipality,
        period=p2024,
        state=Evaluation.State.FINISHED,
        created_by=world.administrator,
        results={
            "components": {"1.1": {"goals": {"score": 3, "max": 4, "percent": 75.0}}},
            "directions": {"1.1": {"score": 3, "max": 4, "percent": 75.0}},
            "blocks": {"1": {"score": 3, "max": 4, "percent": 75.0}},
            "total": {"score": 3, "max": 4, "percent": 75.0},
        },
    )
    pages = public.pages_ensure(municipality)
    home = next(p for p in pages if p.kind == PublicPage.Kind.HOME)
    page = next(p for p in pages if p.kind == PublicPage.Kind.DIRECTION)
    return Tab(municipality, direction, indicator, quiet, hidden, event, home, page, world.operator)


@pytest.fixture
def tab(world) -> Tab:
    return make_tab(world)


def page_url(tab: Tab, page: PublicPage | None = None) -> str:
    page = page or tab.page
    if page.kind == PublicPage.Kind.HOME:
        return reverse("open:home", args=[tab.municipality.slug])
    return reverse("open:page", args=[tab.municipality.slug, page.slug])


def publish_all(tab: Tab) -> None:
    public.publish(tab.page, user=tab.operator)
    public.publish(tab.home, user=tab.operator)


# Pages and drafts ----------------------------------------------------------------------------------


def test_pages_ensure_makes_the_home_page_and_a_page_per_direction_once(tab):
    pages = public.pages_ensure(tab.municipality)
    assert [(p.kind, p.slug) for p in pages] == [("home", "home"), ("direction", "napravlenie-1-1")]
    assert pages[1].title == "1.1 Система оценки качества подготовки обучающихся"
    assert all(p.published_id is None for p in pages)
    public.pages_ensure(tab.municipality)
    assert PublicPage.objects.filter(municipality=tab.municipality).count() == 2


def test_unsafe_markup_is_removed_when_the_draft_is_saved(tab):
    body = (
        '<p onclick="steal()">Текст <strong>важный</strong><script>alert(1)</script></p>'
        '<img src="x" onerror="alert(2)">'
        '<a href="javascript:alert(3)">плохая</a> '
        '<a href="https://example.org/doc" target="_blank">хорошая</a>'
        '<a href="data:text/html;base64,PHNjcmlwdD4=">данные</a>'
        '<p style="color:red">цвет</p><style>body{display:none}</style>'
        '<iframe src="https://evil.example/"></iframe><table><tr><td colspan="2">ячейка</td></tr></table>'
    )
    public.page_save(tab.page, user=tab.operator, title="Заголовок", body=body)
    stored = PublicPage.objects.get(pk=tab.page.pk).body
    for bad in (
        "<script",
        "alert(",
        "onclick",
        "onerror",
        "javascript:",
        "data:",
        "style",
        "<iframe",
        "<img",
    ):
        assert bad not in stored
    assert "<strong>важный</strong>" in stored
    assert '<a href="https://example.org/doc" rel="noopener noreferrer">хорошая</a>' in stored
    assert '<td colspan="2">ячейка</td>' in stored
    assert PublicPage.objects.get(pk=tab.page.pk).updated_by == tab.operator


def test_page_save_refuses_a_taken_or_reserved_address_and_foreign_documents(tab, world):
    free = PublicPage(municipality=tab.municipality, kind=PublicPage.Kind.FREE)
    with pytest.raises(Exception, match="napravlenie-1-1"):
        public.page_save(free, user=tab.operator, title="Новости", body="", slug="napravlenie-1-1")
    with pytest.raises(Exception, match="data"):
        public.page_save(free, user=tab.operator, title="Новости", body="", slug="data")
    foreign = make_document(world.elsewhere)
    with pytest.raises(Exception):  # noqa: B017 - a ValidationError with a Russian message
        public.page_save(free, user=tab.operator, title="Новости", body="", slug="news", documents=[foreign])
    assert not PublicPage.objects.filter(municipality=tab.municipality, kind=PublicPage.Kind.FREE).exists()
    saved = public.page_save(free, user=tab.operator, title="Новости", body="<p>Да</p>", slug="news")
    assert saved.pk is not None and saved.slug == "news"


# Publication ---------------------------------------------------------------------------------------


def test_a_draft_is_invisible_until_published_and_the_public_reads_the_version(client, tab):
    public.page_save(tab.page, user=tab.operator, title="Оценка подготовки", body="<p>Первая редакция</p>")
    assert client.get(page_url(tab)).status_code == 404

    version = public.publish(tab.page, user=tab.operator)
    assert version.number == 1 and version.published_by == tab.operator
    tab.page.refresh_from_db()
    assert tab.page.published == version
    response = client.get(page_url(tab))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Первая редакция" in body and "Оценка подготовки" in body

    # The draft changes after publication: the public still reads the version, the preview the draft.
    public.page_save(tab.page, user=tab.operator, title="Новое название", body="<p>Вторая редакция</p>")
    body = client.get(page_url(tab)).content.decode()
    assert "Первая редакция" in body and "Вторая редакция" not in body and "Новое название" not in body

    page = PublicPage.objects.get(pk=tab.page.pk)
    preview = render_public(
        RequestFactory().get("/"),
        municipality=tab.municipality,
        page=page,
        title=page.title,
        body=page.body,
        content=public.compose(page),
        preview=True,
    )
    html = preview.content.decode()
    assert "Вторая редакция" in html and "Новое название" in html
    assert 'class="preview-banner"' in html
    assert "Предпросмотр — страница не опубликована" in html
    assert preview["X-Robots-Tag"] == "noindex"
    assert "no-cache" in preview["Cache-Control"] or "no-store" in preview["Cache-Control"]
    published_html = client.get(page_url(tab)).content.decode()
    assert "preview-banner" not in published_html


def test_withdraw_hides_the_page_and_restore_publishes_it_again_as_a_new_version(client, tab):
    public.page_save(tab.page, user=tab.operator, title="Версия один", body="<p>Текст один</p>")
    first = public.publish(tab.page, user=tab.operator)
    public.page_save(tab.page, user=tab.operator, title="Версия два", body="<p>Текст два</p>")
    second = public.publish(tab.page, user=tab.operator)
    assert second.number == 2
    assert "Текст два" in client.get(page_url(tab)).content.decode()

    withdrawn = public.withdraw(tab.page, user=tab.operator)
    assert withdrawn == second
    second.refresh_from_db()
    assert second.withdrawn_by == tab.operator and second.withdrawn_at is not None
    assert PublicPage.objects.get(pk=tab.page.pk).published is None
    assert client.get(page_url(tab)).status_code == 404
    assert public.withdraw(tab.page, user=tab.operator) is None  # nothing to withdraw

    restored = public.restore(first, user=tab.operator)
    assert restored.number == 3
    assert (restored.title, restored.body, restored.content) == (first.title, first.body, first.content)
    assert PublicPage.objects.get(pk=tab.page.pk).published == restored
    body = client.get(page_url(tab)).content.decode()
    assert "Текст один" in body and "Текст два" not in body
    assert PublicVersion.objects.filter(page=tab.page).count() == 3


def test_the_home_page_answers_only_when_published_and_links_published_pages(client, tab, world):
    home_url = page_url(tab, tab.home)
    assert client.get(home_url).status_code == 404
    public.publish(tab.home, user=tab.operator)
    body = client.get(home_url).content.decode()
    assert "Система оценки качества подготовки обучающихся" in body
    assert page_url(tab) not in body  # the direction's page is not published: no link to a 404
    assert "75,0 %" in body  # the municipal index of the latest finished evaluation

    public.publish(tab.page, user=tab.operator)
    assert f'href="{page_url(tab)}"' in client.get(home_url).content.decode()
    public.withdraw(tab.page, user=tab.operator)
    assert page_url(tab) not in client.get(home_url).content.decode()

    assert client.get(reverse("open:home", args=["no-such-place"])).status_code == 404
    assert client.get(reverse("open:page", args=[tab.municipality.slug, "no-such-page"])).status_code == 404
    assert client.get(reverse("open:home", args=[world.elsewhere.slug])).status_code == 404
    assert client.get(reverse("open:page", args=[tab.municipality.slug, "home"])).status_code == 301


def test_a_page_of_one_municipality_is_not_served_under_another(client, tab, world):
    public.publish(tab.page, user=tab.operator)
    assert client.get(reverse("open:page", args=[world.elsewhere.slug, tab.page.slug])).status_code == 404


def test_compose_freezes_the_published_values_and_is_stale_notices_changes(tab):
    content = public.compose(tab.page)
    indicators = {item["code"]: item for item in content["indicators"]}
    assert set(indicators) == {"1.1.1", "1.1.2"}
    first = indicators["1.1.1"]
    assert first["latest"] == {
        "period": {"code": "2025", "label": first["latest"]["period"]["label"], "kind": "year"},
        "value": "62.5",
        "target": "65",
    }
    assert [row["value"] for row in first["dynamics"]] == ["60.5", "62.5"]
    assert content["goals"]["content"].startswith("Цель:")
    assert [d["title"] for d in content["documents"]] == ["Об утверждении целей"]  # not the draft's
    assert content["index"]["percent"] == "75"
    assert content["roadmaps"][0]["events"][0]["state"] == "overdue"

    public.publish(tab.page, user=tab.operator)
    page = PublicPage.objects.select_related("published").get(pk=tab.page.pk)
    assert not public.is_stale(page)
    IndicatorValue.objects.filter(indicator=tab.indicator, period__code="2025", organization=None).update(
        value=Decimal("90")
    )
    assert public.is_stale(page)
    assert public.last_update(tab.municipality) == page.published.published_at


# What is never public ------------------------------------------------------------------------------


def test_officials_contacts_and_accounts_never_reach_the_public(client, tab):
    publish_all(tab)
    for url in (page_url(tab), page_url(tab, tab.home)):
        body = client.get(url).content.decode()
        for secret in (COORDINATOR_EMAIL, COORDINATOR_PHONE, EXECUTOR_EMAIL, EXECUTOR_PHONE, "@example.org"):
            assert secret not in body
    body = client.get(page_url(tab)).content.decode()
    assert "Шерсткина Е.А." in body and "главный инспектор" in body and "Найденова А.Н." in body
    content = str(PublicPage.objects.get(pk=tab.page.pk).published.content)
    for secret in (
        COORDINATOR_EMAIL,
        COORDINATOR_PHONE,
        EXECUTOR_EMAIL,
        EXECUTOR_PHONE,
        tab.operator.username,
    ):
        assert secret not in content


def test_organizations_values_appear_only_when_published_and_unpublished_indicators_never(client, tab, world):
    public.publish(tab.page, user=tab.operator)
    body = client.get(page_url(tab)).content.decode()
    assert "1.1.1" in body and "1.1.2" in body
    assert world.school.short_name in body  # 1.1.1 publishes its organizations' values
    assert "55,3" in body or "55,2" in body  # 55.25 with one decimal
    assert "41,5" not in body  # 1.1.2's organization value stays private
    assert "1.1.3" not in body and "Секретный показатель" not in body and "13,7" not in body
    assert "424242" not in body and "737373" not in body  # numerators and denominators are never shown
    content = PublicPage.objects.get(pk=tab.page.pk).published.content
    by_code = {item["code"]: item for item in content["indicators"]}
    assert by_code["1.1.2"]["organizations"] is None
    assert {row["name"] for row in by_code["1.1.1"]["organizations"]} == {
        world.school.short_name,
        world.other_school.short_name,
    }


def test_unpublished_cycle_components_and_their_documents_stay_private(client, tab):
    public.publish(tab.page, user=tab.operator)
    body = client.get(page_url(tab)).content.decode()
    assert "Об утверждении целей" in body and "Цель: каждый обучающийся" in body
    assert "Черновик анализа" not in body and "Неопубликованный анализ" not in body


# Files ---------------------------------------------------------------------------------------------


def _report_with_pdf(tab: Tab, *, approved=True, published=True) -> Report:
    report = Report.objects.create(
        municipality=tab.municipality,
        direction=tab.direction,
        period=make_period("2025"),
        title="Аналитическая справка по направлению 1.1",
        state=Report.State.APPROVED if approved else Report.State.DRAFT,
        created_by=tab.operator,
        approved_at=timezone.now() if approved else None,
    )
    job = ReportJob.objects.create(
        report=report, format=ReportJob.Format.PDF, status=ReportJob.Status.DONE, requested_by=tab.operator
    )
    job.file.save("report.pdf", ContentFile(b"%PDF-1.7 demo"), save=False)
    job.size = 13
    job.save()
    if published:
        report.published_job = job
        report.published_at = timezone.now()
        report.save()
    return report


def test_published_reports_are_listed_and_served_inline_others_are_not(client, tab, world):
    report = _report_with_pdf(tab)
    private = _report_with_pdf(tab, published=False)
    public.publish(tab.page, user=tab.operator)
    body = client.get(page_url(tab)).content.decode()
    url = reverse("open:report_file", args=[tab.municipality.slug, report.pk])
    assert f'href="{url}"' in body and "Аналитическая справка по направлению 1.1" in body
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content) == b"%PDF-1.7 demo"
    assert not response.cookies
    assert (
        client.get(reverse("open:report_file", args=[tab.municipality.slug, private.pk])).status_code == 404
    )
    assert client.get(reverse("open:report_file", args=[world.elsewhere.slug, report.pk])).status_code == 404


def test_a_document_file_is_served_only_while_a_published_page_links_it(client, tab):
    document = Document.objects.create(municipality=tab.municipality, title="Положение о МСОКО", number="5")
    document.file.save("polozhenie.pdf", ContentFile(b"%PDF-1.4 polozhenie"))
    url = reverse("open:document", args=[tab.municipality.slug, document.pk])
    public.page_save(tab.page, user=tab.operator, title=tab.page.title, body="", documents=[document])
    assert client.get(url).status_code == 404
    public.publish(tab.page, user=tab.operator)
    assert f'href="{url}"' in client.get(page_url(tab)).content.decode()
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 polozhenie"
    public.withdraw(tab.page, user=tab.operator)
    assert client.get(url).status_code == 404


# Markup --------------------------------------------------------------------------------------------


def test_public_pages_are_semantic_without_script_and_charts_have_tables(client, tab):
    public.page_save(tab.page, user=tab.operator, title=tab.page.title, body="<p>Вступление</p>")
    publish_all(tab)
    for url in (page_url(tab), page_url(tab, tab.home)):
        body = client.get(url).content.decode()
        assert '<html lang="ru">' in body
        assert 'name="viewport"' in body
        assert "<main" in body and "<header" in body
        assert "<script" not in body.lower() and "csrfmiddlewaretoken" not in body
        assert "open/open.css" in body and "mcok/main.css" not in body  # its own layout, no portal menu
        assert '<link rel="stylesheet" href="/static/open/print.css" media="print">' in body
    body = client.get(page_url(tab)).content.decode()
    assert '<nav class="breadcrumbs" aria-label=' in body
    assert body.count("<svg") >= 3  # dynamics, organizations, components of the cycle
    assert body.count("<table") >= body.count("<svg")
    assert "<caption>" in body and 'scope="col"' in body and 'scope="row"' in body
    assert body.count('class="table-wrap"') == body.count("<table")
    assert "Мероприятие 1.1: семинар для педагогов" in body and "Ежегодно (сентябрь)" in body
    assert 'class="state state-overdue"' in body


# The demo ------------------------------------------------------------------------------------------


def test_the_demo_publishes_the_tabs_and_leaves_one_draft(client, db):
    call_command("load_demo", stdout=io.StringIO())
    ishimbay = Municipality.objects.get(slug="ishimbay")
    home = PublicPage.objects.get(municipality=ishimbay, kind=PublicPage.Kind.HOME)
    assert home.published is not None and home.published.published_by.username == "ishimbay-operator"
    draft = PublicPage.objects.get(municipality=ishimbay, slug="napravlenie-2-3")
    assert draft.published is None and not draft.versions.exists() and draft.body
    assert client.get(reverse("open:page", args=["ishimbay", draft.slug])).status_code == 404
    unpublished = PublicPage.objects.filter(published__isnull=True).values_list("municipality__slug", "slug")
    assert list(unpublished) == [("ishimbay", "napravlenie-2-3")]
    free = PublicPage.objects.get(municipality=ishimbay, kind=PublicPage.Kind.FREE)
    assert free.title == "О муниципальной системе оценки качества образования" and free.documents.exists()
    assert Indicator.objects.filter(publish_organization_values=True).exists()
    for slug in ("ishimbay", "amursk", "dobryanka", "sosnovka"):
        assert client.get(reverse("open:home", args=[slug])).status_code == 200
    body = client.get(reverse("open:home", args=["ishimbay"])).content.decode()
    assert "О муниципальной системе оценки качества образования" in body

    counts = (PublicPage.objects.count(), PublicVersion.objects.count(), Official.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (PublicPage.objects.count(), PublicVersion.objects.count(), Official.objects.count()) == counts
