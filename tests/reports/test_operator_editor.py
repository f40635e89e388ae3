"""The operator's publishing day: the page editor and its sanitiser (images only of the portal's
documents), an old version's page with its difference from the published one, restoring it, the
confirmations of the actions that publish, withdraw or overwrite, the pages that wait for their
publication, and the completeness threshold before a period's value is headlined."""

import re
import uuid
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from indicators.models import IndicatorValue
from reports import public, services
from reports.models import Report, ReportJob, TabSettings
from reports.site_forms import markup_removed
from reports.site_views import text_diff, text_lines
from tests.factories import make_document, make_municipality
from tests.indicators.factories import make_period
from tests.reports.test_public import add_indicator, make_tab, page_url
from tests.reports.test_site_views import flashed, free_page, text_of

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


@pytest.fixture(autouse=True)
def _cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


def ru(message: str, **params) -> str:
    with translation.override("ru"):
        return gettext(message) % params if params else gettext(message)


def form_of(action: str) -> str:
    """A pattern of the opening tag of the form sent to `action`."""
    return r'<form[^>]+action="' + re.escape(action) + r'"[^>]*>'


def image_document(municipality, title="Схема МСОКО", name="scheme.png"):
    document = make_document(municipality, title=title)
    document.file.save(name, ContentFile(PNG))
    return document


# Sanitising -----------------------------------------------------------------------------------------


def test_an_image_of_the_municipalitys_document_is_kept_at_its_public_address(world):
    picture = image_document(world.municipality)
    staff_address = reverse("mcok:document_file", args=[picture.pk])
    page = free_page(world, body=f'<p>Схема:</p><img src="{staff_address}" alt="Схема <b>" onerror="x()">')
    expected = reverse("open:document", args=[world.municipality.slug, picture.pk])
    assert page.body == f'<p>Схема:</p><img src="{expected}" alt="Схема b">'
    # The image's document is among the page's documents, so the tab serves its file once published.
    assert list(page.documents.all()) == [picture]
    assert public.sanitize(page.body) == page.body  # kept on display too, and idempotent


@pytest.mark.parametrize(
    "src",
    [
        "https://evil.example/track.png",
        "//evil.example/x.png",
        "data:image/png;base64,AAAA",
        "javascript:alert(1)",
        "/admin/",
        "OTHER",  # a document of another municipality
        "TEXT",  # a document of the municipality that is not an image
        "LINK",  # a document that is a link, not a stored file
        "ABSENT",
    ],
)
def test_any_other_image_is_removed_whole(world, src):
    other = image_document(make_municipality())
    text = make_document(world.municipality)
    text.file.save("order.pdf", ContentFile(b"%PDF-1.7"))
    link = make_document(world.municipality, url="https://example.org/picture.png")
    replace = {
        "OTHER": reverse("open:document", args=[other.municipality.slug, other.pk]),
        "TEXT": reverse("mcok:document_file", args=[text.pk]),
        "LINK": reverse("mcok:document_file", args=[link.pk]),
        "ABSENT": reverse("mcok:document_file", args=[987654]),
    }
    page = free_page(world, body=f'<p>до</p><img src="{replace.get(src, src)}" alt="картинка"><p>после</p>')
    assert page.body == "<p>до</p><p>после</p>"
    assert not page.documents.exists()


def test_an_image_of_a_document_of_this_municipality_on_another_municipalitys_address_is_removed(world):
    picture = image_document(world.municipality)
    forged = reverse("open:document", args=["chuzhoy", picture.pk])
    assert free_page(world, body=f'<img src="{forged}">').body == ""


def test_the_editor_output_is_cleaned_to_the_allowed_markup_without_a_warning(world):
    """What the editor writes for a table and a link (column widths, target) is dropped silently;
    a script or a style of the operator's own is dropped with the warning."""
    editor_html = (
        "<h2>Итоги</h2><ul><li><p>пункт</p></li></ul>"
        '<table style="min-width: 50px"><colgroup><col style="min-width: 25px"></colgroup><tbody>'
        "<tr><th><p>Школа</p></th><td><p>62,5</p></td></tr></tbody></table>"
        '<p><a target="_blank" rel="noopener noreferrer nofollow" href="https://example.org">ссылка</a></p>'
    )
    page = free_page(world, body=editor_html)
    assert "style" not in page.body and "colgroup" not in page.body and "target" not in page.body
    assert "<table><tbody><tr><th><p>Школа</p></th>" in page.body
    assert '<a href="https://example.org" rel="noopener noreferrer">ссылка</a>' in page.body
    assert not markup_removed(editor_html, page.body)
    hostile = '<p style="color:red">текст</p><script>alert(1)</script>'
    assert markup_removed(hostile, public.sanitize(hostile))


def test_the_edit_form_is_the_editor_started_from_a_static_module_without_inline_script(client, world):
    page = free_page(world, body="<p>Текст</p>")
    image_document(world.municipality, title="Логотип")
    client.force_login(world.operator)
    response = client.get(reverse("reports:site_page_edit", args=[page.pk]))
    html = text_of(response)
    assert "data-django-prose-editor-mcok=" in html
    assert re.search(r'<script[^>]+src="[^"]*reports/page_editor\.js"[^>]*type="module"', html) or re.search(
        r'<script[^>]+type="module"[^>]+src="[^"]*reports/page_editor\.js"', html
    )
    assert "importmap" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script"
    assert "style=" not in html and "<style" not in html
    assert "data-insert-image=" in html and "Логотип" in html
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_saving_through_the_form_cleans_and_warns(client, world):
    page = free_page(world)
    client.force_login(world.operator)
    response = client.post(
        reverse("reports:site_page_edit", args=[page.pk]),
        {
            "title": "Новости",
            "slug": "novosti",
            "body": '<h2>Новое</h2><img src="https://evil.example/x.png">',
        },
        follow=True,
    )
    assert response.status_code == 200
    page.refresh_from_db()
    assert page.body == "<h2>Новое</h2>"
    assert any("удал" in message.lower() for message in flashed(response))


# An old version, its difference and restoring it ---------------------------------------------------


def _two_versions(world):
    page = free_page(world, body="<p>Первый абзац.</p><p>Старый второй абзац.</p>")
    first = public.publish(page, user=world.operator)
    public.page_save(
        page,
        user=world.operator,
        title=page.title,
        body="<p>Первый абзац.</p><p>Новый второй абзац &lt;script&gt;.</p><p>Третий.</p>",
    )
    second = public.publish(page, user=world.operator)
    return page, first, second


def test_text_diff_marks_the_lines_that_would_go_and_come_back():
    old = text_lines("Заголовок", "<h2>Итоги</h2><p>а</p><table><tr><td>1</td><td>2</td></tr></table>")
    assert old == ["Заголовок", "Итоги", "а", "1 | 2"]
    new = text_lines("Заголовок", "<h2>Итоги</h2><p>б</p><table><tr><td>1</td><td>2</td></tr></table>")
    assert [(row["kind"], row["text"]) for row in text_diff(new, old)] == [
        ("same", "Заголовок"),
        ("same", "Итоги"),
        ("removed", "б"),
        ("added", "а"),
        ("same", "1 | 2"),
    ]


def test_an_old_version_has_its_own_page_with_the_difference_rendered_safely(client, world):
    page, first, second = _two_versions(world)
    client.force_login(world.coordinator)  # staff read the versions, only the operator restores
    response = client.get(reverse("reports:site_version", args=[first.pk]))
    assert response.status_code == 200
    html = text_of(response)
    assert "Старый второй абзац." in html
    removed = re.search(r'<tr class="diff-removed">.*?<td>(.*?)</td></tr>', html, re.S)
    assert removed and removed.group(1) == "Новый второй абзац &lt;script&gt;."
    assert '<tr class="diff-added">' in html and "<script>." not in html
    assert reverse("reports:site_version_restore", args=[first.pk]) not in html
    client.force_login(world.operator)
    html = text_of(client.get(reverse("reports:site_version", args=[first.pk])))
    form = re.search(
        form_of(reverse("reports:site_version_restore", args=[first.pk])),
        html,
    )
    assert form and "data-confirm=" in form.group(0)
    # The version on the tab has its page too, with nothing to restore.
    html = text_of(client.get(reverse("reports:site_version", args=[second.pk])))
    assert "Третий." in html and reverse("reports:site_version_restore", args=[second.pk]) not in html


def test_versions_of_another_municipality_are_not_found(client, world):
    page, first, _second = _two_versions(world)
    stranger_municipality = make_municipality()
    from tests.factories import make_user_with_role

    stranger = make_user_with_role("operator", municipality=stranger_municipality)
    client.force_login(stranger)
    assert client.get(reverse("reports:site_version", args=[first.pk])).status_code == 404
    client.force_login(world.respondent)
    assert client.get(reverse("reports:site_version", args=[first.pk])).status_code == 404


def test_restore_after_viewing_publishes_the_old_text_as_a_new_version(client, world):
    page, first, second = _two_versions(world)
    client.force_login(world.operator)
    response = client.post(reverse("reports:site_version_restore", args=[first.pk]), follow=True)
    assert response.status_code == 200
    page.refresh_from_db()
    assert page.published.number == 3 and page.published.body == first.body
    public_html = text_of(client.get(reverse("open:page", args=[world.municipality.slug, page.slug])))
    assert "Старый второй абзац." in public_html and "Третий." not in public_html


# Confirmations ------------------------------------------------------------------------------------


CONFIRMED = [
    "templates/reports/site/page_detail.html",
    "templates/reports/site/version_detail.html",
    "templates/reports/site/page_list.html",
    "templates/reports/report_detail.html",
    "templates/monitoring/review/campaign_detail.html",
    "templates/roadmaps/recommendations/recommendation_detail.html",
]


def test_every_form_that_publishes_withdraws_restores_or_closes_asks_first():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    action = re.compile(r"(publish|withdraw|restore|close|settings)", re.I)
    unconfirmed = []
    for name in CONFIRMED:
        for form in re.findall(r"<form\b[^>]*>", (root / name).read_text()):
            url = re.search(r"\{% url '([^']+)'", form)
            if url and action.search(url.group(1)) and "data-confirm=" not in form:
                unconfirmed.append((name, url.group(1)))
    assert unconfirmed == []


def test_the_page_actions_carry_their_confirmations(client, world):
    page, _first, _second = _two_versions(world)
    client.force_login(world.operator)
    html = text_of(client.get(reverse("reports:site_page", args=[page.pk])))
    for route in ("reports:site_page_publish", "reports:site_page_withdraw"):
        form = re.search(form_of(reverse(route, args=[page.pk])), html)
        assert form and 'data-confirm="' in form.group(0), route


# What waits for publication -----------------------------------------------------------------------


def _published_report(world, direction, title="Аналитическая справка 2025"):
    report = Report.objects.create(
        municipality=world.municipality,
        direction=direction,
        period=make_period("2025"),
        title=title,
        created_by=world.coordinator,
    )
    job = ReportJob.objects.create(
        report=report, format="pdf", requested_by=world.coordinator, status="done", progress=100, size=8
    )
    job.file.save("report.pdf", ContentFile(b"%PDF-1.7"))
    services.report_approve(report=report, by=world.coordinator)
    return report


def test_the_list_names_the_pages_that_changed_since_publication(client, world):
    tab = make_tab(world)
    public.publish(tab.page, user=tab.operator)
    public.publish(tab.home, user=tab.operator)
    quiet = free_page(world, title="Контакты", slug="kontakty")
    public.publish(quiet, user=tab.operator)
    public.publish(tab.home, user=tab.operator)  # lists the free page
    client.force_login(world.operator)
    assert "Pages that changed" not in text_of(
        client.get(reverse("reports:site"))
    ) and not public.pages_changed(world.municipality)

    public.page_save(quiet, user=tab.operator, title="Контакты", body="<p>Новый телефон</p>")
    report = _published_report(world, tab.direction)
    response = client.post(reverse("reports:report_publish", args=[report.pk]), follow=True)
    assert ru(
        "The PDF is published; the pages that show it await publication: %(pages)s.",
        pages=f"«{tab.page.title}»",
    ) in flashed(response)
    changed = {item["page"].pk: item["reasons"] for item in public.pages_changed(world.municipality)}
    assert set(changed) == {quiet.pk, tab.page.pk}
    html = text_of(client.get(reverse("reports:site")))
    assert ru("Pages that changed since their publication") in html
    assert ru("The draft has changes not yet published") in html
    assert "Аналитическая справка 2025" in html
    detail = text_of(client.get(reverse("reports:report", args=[report.pk])))
    assert ru("The pages that show it await publication:") in detail

    public.publish(tab.page, user=tab.operator)
    public.publish(quiet, user=tab.operator)
    assert public.pages_changed(world.municipality) == []
    assert ru("The pages that show it await publication:") not in text_of(
        client.get(reverse("reports:report", args=[report.pk]))
    )
    services.report_unpublish(report=report, by=world.operator)
    [item] = public.pages_changed(world.municipality)
    assert item["page"] == tab.page and "Аналитическая справка 2025" in item["reasons"][0]


def test_the_list_of_changed_pages_costs_the_same_whatever_the_pages(client, world):
    tab = make_tab(world)
    client.force_login(world.operator)

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("reports:site")).status_code == 200
        return len(queries)

    public.publish(tab.page, user=tab.operator)
    _published_report(world, tab.direction)
    count()  # the first reading makes the pages of the directions
    few = count()
    for n in range(4):
        page = free_page(world, title=f"Страница {n}", slug=f"stranitsa-{n}")
        public.publish(page, user=tab.operator)
        public.page_save(page, user=tab.operator, title=f"Страница {n}", body="<p>правка</p>")
        _published_report(world, tab.direction, title=f"Справка {n}")
    assert count() == few


# Completeness before a headline -------------------------------------------------------------------


def _partial(tab, world, *, reported=1, expected=5):
    """1.1.1 has 62,5 for 2025 from every organization, and 68,9 for 2026 from `reported` of them."""
    IndicatorValue.objects.filter(indicator=tab.indicator, organization__isnull=True).update(
        reported=5, expected=5
    )
    IndicatorValue.objects.create(
        indicator=tab.indicator,
        period=make_period("2026"),
        municipality=world.municipality,
        value=Decimal("68.9"),
        reported=reported,
        expected=expected,
    )


def _indicator(content, code="1.1.1"):
    return next(item for item in content["indicators"] if item["code"] == code)


def test_an_incomplete_period_is_not_headlined_and_is_marked_preliminary(client, world):
    tab = make_tab(world)
    _partial(tab, world)
    item = _indicator(public.compose(tab.page))
    assert item["latest"]["period"]["code"] == "2025" and item["latest"]["value"] == "62.5"
    assert item["preliminary"] == {
        "period": item["preliminary"]["period"],
        "value": "68.9",
        "reported": 1,
        "expected": 5,
    }
    assert [row["completeness"] for row in item["dynamics"]] == [None, None, {"reported": 1, "expected": 5}]
    public.publish(tab.page, user=tab.operator)
    html = text_of(client.get(page_url(tab)))
    headline = re.search(r'<span class="big-figure">(.*?)</span>', html).group(1)
    assert headline == "62,5 %"
    with translation.override("ru"):
        note = ngettext(
            "preliminary: %(reported)s of %(expected)s organization",
            "preliminary: %(reported)s of %(expected)s organizations",
            5,
        ) % {"reported": 1, "expected": 5}
    assert note == "предварительно: 1 из 5 организаций"
    assert note in html and "68,9 %" in html


def test_the_operators_threshold_decides_what_is_complete(client, world):
    tab = make_tab(world)
    _partial(tab, world, reported=4, expected=5)
    assert _indicator(public.compose(tab.page))["latest"]["period"]["code"] == "2025"
    client.force_login(world.coordinator)
    response = client.post(
        reverse("reports:site_settings"),
        {"municipality": world.municipality.slug, "completeness_threshold": "80"},
    )
    assert response.status_code == 403
    assert public.completeness_threshold(world.municipality) == 100
    client.force_login(world.operator)
    response = client.post(
        reverse("reports:site_settings"),
        {"municipality": world.municipality.slug, "completeness_threshold": "80"},
        follow=True,
    )
    assert response.status_code == 200
    assert TabSettings.objects.get(municipality=world.municipality).updated_by == world.operator
    item = _indicator(public.compose(tab.page))
    assert item["latest"]["period"]["code"] == "2026" and item["preliminary"] is None
    assert 'value="80"' in text_of(client.get(reverse("reports:site")))


@pytest.mark.parametrize("value", ["0", "101", "много", "", "5.5"])
def test_a_bad_threshold_is_refused_with_a_message_and_nothing_changes(client, world, value):
    client.force_login(world.operator)
    response = client.post(
        reverse("reports:site_settings"),
        {"municipality": world.municipality.slug, "completeness_threshold": value},
        follow=True,
    )
    assert response.status_code == 200
    assert any("порог" in message.lower() for message in flashed(response))
    assert public.completeness_threshold(world.municipality) == 100


def test_no_complete_period_yet_shows_only_the_preliminary_value(client, world):
    tab = make_tab(world)
    indicator = add_indicator(tab, "1.1.9", {})
    IndicatorValue.objects.create(
        indicator=indicator, period=make_period("2026"), municipality=world.municipality,
        value=Decimal("12"), reported=2, expected=21,
    )  # fmt: skip
    item = _indicator(public.compose(tab.page), "1.1.9")
    assert item["latest"] is None and item["preliminary"]["reported"] == 2
    public.publish(tab.page, user=tab.operator)
    html = text_of(client.get(page_url(tab)))
    assert "предварительно: 2 из 21 организации" in html
