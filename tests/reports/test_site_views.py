"""The operator's side of the public tab: who may read and change the pages, the way of a draft to
the public and back, the sanitiser, stable addresses, and the cost of the list."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from directions.models import Block, Direction
from mcok import services as core_services
from mcok.models import Period
from reports import public
from reports.models import PublicPage, PublicVersion
from tests.factories import make_document

MUNICIPAL = ["administrator", "coordinator", "executor", "operator", "expert", "chief", "other_coordinator"]
EDITORS = ["administrator", "operator"]


def make_direction(municipality, code: str = "2.3", name: str | None = None) -> Direction:
    core_services.periods_ensure(year=2024)
    block, _created = Block.objects.get_or_create(code=code.split(".")[0], defaults={"name": "Блок"})
    return Direction.objects.create(
        municipality=municipality,
        block=block,
        code=code,
        name=name or f"Методическая работа {code}",
        valid_from=Period.objects.get(kind=Period.Kind.YEAR, year=2024),
    )


def direction_page(world, code: str = "2.3") -> PublicPage:
    direction = make_direction(world.municipality, code)
    public.pages_ensure(world.municipality)
    return PublicPage.objects.get(direction=direction)


def free_page(world, *, title: str = "Новости МСОКО", slug: str = "novosti", body: str = "") -> PublicPage:
    page = PublicPage(municipality=world.municipality, kind=PublicPage.Kind.FREE, order=1)
    return public.page_save(page, user=world.operator, title=title, body=body, slug=slug)


def public_url(page: PublicPage) -> str:
    return reverse("open:page", args=[page.municipality.slug, page.slug])


def text_of(response) -> str:
    return response.content.decode()


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def ru(message: str) -> str:
    with translation.override("ru"):
        return gettext(message)


# Who may do what -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "status"),
    [*((actor, 200) for actor in MUNICIPAL), ("respondent", 404), ("head", 404)],
)
def test_the_list_is_for_the_municipality_staff(client, world, actor, status):
    page = direction_page(world)
    client.force_login(getattr(world, actor))
    response = client.get(reverse("reports:site"))
    assert response.status_code == status
    if status == 200:
        assert page.title in text_of(response)


def test_another_municipality_is_not_found(client, world):
    page = direction_page(world)
    client.force_login(world.outsider)
    assert client.get(reverse("reports:site"), {"municipality": world.municipality.slug}).status_code == 404
    for name in ("reports:site_page", "reports:site_page_edit", "reports:site_page_preview"):
        assert client.get(reverse(name, args=[page.pk])).status_code == 404
    for name in ("reports:site_page_publish", "reports:site_page_withdraw"):
        assert client.post(reverse(name, args=[page.pk])).status_code == 404
    # Their own list holds only their own pages.
    response = client.get(reverse("reports:site"))
    assert response.status_code == 200
    assert page.title not in text_of(response)


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("operator", 302),
        ("administrator", 302),
        ("coordinator", 403),
        ("executor", 403),
        ("expert", 403),
        ("chief", 403),  # the head approves the work; the operator keeps the public tab
        ("respondent", 404),
        ("head", 404),
        ("outsider", 404),
    ],
)
def test_only_the_operator_and_the_administrator_publish(client, world, actor, status):
    page = direction_page(world)
    client.force_login(getattr(world, actor))
    response = client.post(reverse("reports:site_page_publish", args=[page.pk]))
    assert response.status_code == status
    assert PublicVersion.objects.filter(page=page).count() == (1 if status == 302 else 0)
    if status == 403:
        assert ru(
            "Only the municipal operator or an administrator changes, publishes and withdraws the pages "
            "of the public tab. Ask them, or read the page and its preview here."
        ) in text_of(response)


def test_an_instance_administrator_publishes_anywhere(client, world, admin_user):
    page = direction_page(world)
    client.force_login(admin_user)
    assert client.post(reverse("reports:site_page_publish", args=[page.pk])).status_code == 302
    assert PublicVersion.objects.filter(page=page, published_by=admin_user).exists()


@pytest.mark.parametrize("actor", ["coordinator", "executor", "expert", "chief"])
def test_other_staff_read_but_cannot_change(client, world, actor):
    page = direction_page(world)
    public.publish(page, user=world.operator)
    version = page.versions.get()
    client.force_login(getattr(world, actor))
    detail = client.get(reverse("reports:site_page", args=[page.pk]))
    assert detail.status_code == 200
    assert reverse("reports:site_page_publish", args=[page.pk]) not in text_of(detail)
    assert client.get(reverse("reports:site_page_preview", args=[page.pk])).status_code == 200
    edit = client.post(reverse("reports:site_page_edit", args=[page.pk]), {"title": "Чужая правка"})
    assert edit.status_code == 403
    assert client.get(reverse("reports:site_page_create")).status_code == 403
    assert client.post(reverse("reports:site_page_withdraw", args=[page.pk])).status_code == 403
    assert client.post(reverse("reports:site_version_restore", args=[version.pk])).status_code == 403
    page.refresh_from_db()
    assert page.title != "Чужая правка" and page.published_id == version.pk
    assert PublicVersion.objects.filter(page=page).count() == 1


def test_a_school_cannot_restore_or_read_a_version(client, world):
    page = direction_page(world)
    version = public.publish(page, user=world.operator)
    client.force_login(world.respondent)
    assert client.post(reverse("reports:site_version_restore", args=[version.pk])).status_code == 404
    assert client.get(reverse("reports:site_page", args=[page.pk])).status_code == 404


def test_actions_answer_only_post(client, world):
    page = direction_page(world)
    client.force_login(world.operator)
    assert client.get(reverse("reports:site_page_publish", args=[page.pk])).status_code == 405
    assert client.get(reverse("reports:site_page_withdraw", args=[page.pk])).status_code == 405


def test_actions_need_the_csrf_token(world):
    from django.test import Client

    page = direction_page(world)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.operator)
    assert client.post(reverse("reports:site_page_publish", args=[page.pk])).status_code == 403
    assert not PublicVersion.objects.filter(page=page).exists()


# The list ------------------------------------------------------------------------------------------


def test_the_list_makes_a_page_per_direction_and_shows_states(client, world):
    first = make_direction(world.municipality, "1.1", "Система оценки качества подготовки обучающихся")
    second = make_direction(world.municipality, "2.3", "Система методической работы")
    client.force_login(world.operator)
    response = client.get(reverse("reports:site"))
    html = text_of(response)
    assert PublicPage.objects.filter(municipality=world.municipality, kind="home").count() == 1
    assert PublicPage.objects.filter(direction__in=[first, second]).count() == 2
    assert first.name in html and second.name in html
    assert reverse("open:home", args=[world.municipality.slug]) in html
    assert reverse("open:data", args=[world.municipality.slug]) in html
    assert reverse("reports:site_page_create") in html

    published = PublicPage.objects.get(direction=first)
    public.publish(published, user=world.operator)
    withdrawn = PublicPage.objects.get(direction=second)
    public.publish(withdrawn, user=world.operator)
    public.withdraw(withdrawn, user=world.operator)
    html = text_of(client.get(reverse("reports:site")))
    assert ru("Published on the public tab") in html
    assert ru("Withdrawn from publication") in html
    assert ru("Draft") in html  # the home page
    assert public_url(published) in html


def test_the_list_for_several_municipalities_follows_the_choice(client, world, admin_user):
    client.force_login(admin_user)
    make_direction(world.elsewhere, "1.1", "Амурское направление")
    response = client.get(reverse("reports:site"), {"municipality": world.elsewhere.slug})
    assert response.status_code == 200
    assert "Амурское направление" in text_of(response)
    assert client.get(reverse("reports:site"), {"municipality": "no-such-place"}).status_code == 404


def test_the_list_queries_do_not_grow_with_pages(client, world):
    client.force_login(world.operator)

    def queries_for(n_pages: int) -> int:
        for n in range(n_pages):
            page = free_page(world, title=f"Страница {n_pages}-{n}", slug=f"page-{n_pages}-{n}")
            if n % 2:
                public.publish(page, user=world.operator)
        make_direction(world.municipality, f"{n_pages}.1")
        client.get(reverse("reports:site"))  # the direction's page is made by the first visit
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("reports:site"))
        assert response.status_code == 200
        return len(context.captured_queries)

    assert queries_for(2) == queries_for(8)


# From the draft to the public and back ---------------------------------------------------------------


def test_publish_edit_withdraw_restore(client, world):
    page = direction_page(world)
    client.force_login(world.operator)
    anonymous = client.__class__()
    assert anonymous.get(public_url(page)).status_code == 404

    # Publication: version 1, the public reads it.
    response = client.post(reverse("reports:site_page_publish", args=[page.pk]))
    assert response.status_code == 302
    page.refresh_from_db()
    first = page.published
    assert first.number == 1 and first.published_by == world.operator
    shown = anonymous.get(public_url(page))
    assert shown.status_code == 200
    assert page.direction.name in text_of(shown)

    # A new draft: the public keeps the published version, the preview shows the change.
    response = client.post(
        reverse("reports:site_page_edit", args=[page.pk]),
        {"title": page.title, "body": "<p>Новый абзац о методической работе</p>"},
    )
    assert response.status_code == 302
    assert ru("The draft is saved; the published version has not changed.") in flashed(response)
    assert "Новый абзац" not in text_of(anonymous.get(public_url(page)))
    preview = client.get(reverse("reports:site_page_preview", args=[page.pk]))
    assert preview.status_code == 200
    assert "Новый абзац" in text_of(preview)
    assert preview["X-Robots-Tag"] == "noindex"
    detail = text_of(client.get(reverse("reports:site_page", args=[page.pk])))
    assert "Новый абзац" in detail
    assert (
        ru(
            "The draft differs from the published version; the public sees the published one until the next "
            "publication."
        )
        in detail
    )

    # Publication of the draft: version 2.
    client.post(reverse("reports:site_page_publish", args=[page.pk]))
    page.refresh_from_db()
    assert page.published.number == 2
    assert "Новый абзац" in text_of(anonymous.get(public_url(page)))

    # Withdrawal: the public gets 404, the history keeps who withdrew.
    response = client.post(reverse("reports:site_page_withdraw", args=[page.pk]))
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.published is None
    assert anonymous.get(public_url(page)).status_code == 404
    second = PublicVersion.objects.get(page=page, number=2)
    assert second.withdrawn_by == world.operator and second.withdrawn_at is not None
    detail = text_of(client.get(reverse("reports:site_page", args=[page.pk])))
    assert ru("Withdrawn from publication") in detail

    # Restoring version 1 publishes it again as version 3.
    response = client.post(reverse("reports:site_version_restore", args=[first.pk]))
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.published.number == 3
    assert page.published.body == first.body
    shown = anonymous.get(public_url(page))
    assert shown.status_code == 200
    assert "Новый абзац" not in text_of(shown)
    detail = text_of(client.get(reverse("reports:site_page", args=[page.pk])))
    for number in ("1", "2", "3"):
        assert f'<th scope="row">{number}' in detail


def test_withdrawing_a_page_not_published_says_so(client, world):
    page = direction_page(world)
    client.force_login(world.operator)
    response = client.post(reverse("reports:site_page_withdraw", args=[page.pk]))
    assert response.status_code == 302
    assert ru("The page is not published: there is nothing to withdraw.") in flashed(response)


def test_the_detail_shows_the_embed_code_on_site_url(client, world, settings):
    settings.SITE_URL = "https://mcok.example.ru"
    page = direction_page(world)
    client.force_login(world.operator)
    html = text_of(client.get(reverse("reports:site_page", args=[page.pk])))
    embed = f"https://mcok.example.ru{reverse('open:embed', args=[world.municipality.slug, page.slug])}"
    assert f"&lt;iframe src=&quot;{embed}&quot;" in html or f'&lt;iframe src="{embed}"' in html
    assert 'width="100%" height="800" loading="lazy"' in html.replace("&quot;", '"')
    assert f"https://mcok.example.ru{public_url(page)}" in html


def test_the_embed_code_falls_back_to_the_request_host(client, world, settings):
    settings.SITE_URL = ""
    page = direction_page(world)
    client.force_login(world.operator)
    html = text_of(client.get(reverse("reports:site_page", args=[page.pk])))
    assert f"http://testserver{reverse('open:embed', args=[world.municipality.slug, page.slug])}" in html


def test_the_detail_flags_data_changed_after_publication(client, world):
    page = direction_page(world)
    public.publish(page, user=world.operator)
    client.force_login(world.operator)
    assert ru("The data changed after publication") not in text_of(
        client.get(reverse("reports:site_page", args=[page.pk]))
    )
    Direction.objects.filter(pk=page.direction_id).update(goal="Новая цель направления")
    html = text_of(client.get(reverse("reports:site_page", args=[page.pk])))
    assert ru("The data changed after publication") in html


# The sanitiser ---------------------------------------------------------------------------------------


def test_unsafe_markup_is_removed_on_save_and_the_operator_is_told(client, world):
    page = direction_page(world)
    client.force_login(world.operator)
    response = client.post(
        reverse("reports:site_page_edit", args=[page.pk]),
        {
            "title": page.title,
            "body": "<p>Текст</p><script>alert(1)</script><img src=x onerror=alert(1)>"
            '<a href="javascript:alert(1)">ссылка</a>',
        },
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert "<script" not in page.body and "alert(1)" not in page.body
    assert "onerror" not in page.body and "javascript:" not in page.body
    assert "<p>Текст</p>" in page.body
    assert any(
        ru(
            "Some markup was removed from the text because it is not safe on a public page "
            "(scripts, event handlers, styles, images or other tags it does not allow). "
            "Check the preview."
        )
        in message
        for message in flashed(response)
    )
    assert ru("The draft is saved.") in flashed(response)


def test_clean_markup_is_kept_without_a_warning(client, world):
    page = direction_page(world)
    client.force_login(world.operator)
    response = client.post(
        reverse("reports:site_page_edit", args=[page.pk]),
        {
            "title": page.title,
            "body": "<h2>Итоги</h2><p>Доля — <strong>62,5 %</strong>, <a href=https://ishimbay.ru>сайт</a></p>",
        },
    )
    page.refresh_from_db()
    assert "<strong>62,5 %</strong>" in page.body
    assert not any(
        ru(
            "Some markup was removed from the text because it is not safe on a public page "
            "(scripts, event handlers, styles, images or other tags it does not allow). "
            "Check the preview."
        )
        in message
        for message in flashed(response)
    )


# Free pages and their addresses ---------------------------------------------------------------------


def test_a_free_page_gets_an_address_from_its_title(client, world):
    document = make_document(world.municipality, title="Положение о МСОКО")
    client.force_login(world.operator)
    url = f"{reverse('reports:site_page_create')}?municipality={world.municipality.slug}"
    response = client.post(
        url,
        {"title": "Новости МСОКО", "slug": "", "body": "<p>Первая новость</p>", "documents": [document.pk]},
    )
    assert response.status_code == 302
    page = PublicPage.objects.get(municipality=world.municipality, kind="free")
    assert page.slug == "novosti-msoko"
    assert list(page.documents.all()) == [document]
    assert page.updated_by == world.operator and page.published is None
    assert response["Location"] == reverse("reports:site_page", args=[page.pk])

    # The same title again gets the next free address.
    client.post(url, {"title": "Новости МСОКО", "slug": ""})
    assert PublicPage.objects.filter(slug="novosti-msoko-2", municipality=world.municipality).exists()


def test_a_free_page_refuses_a_taken_reserved_or_foreign_choice(client, world):
    free_page(world, slug="novosti")
    foreign = make_document(world.elsewhere, title="Чужой приказ")
    client.force_login(world.operator)
    url = reverse("reports:site_page_create")
    for slug in ("novosti", "embed", "data", "не-латиница"):
        response = client.post(url, {"title": "Ещё одна", "slug": slug})
        assert response.status_code == 200
        assert response.context["form"].errors["slug"]
    response = client.post(url, {"title": "Ещё одна", "slug": "eshche", "documents": [foreign.pk]})
    assert response.status_code == 200 and response.context["form"].errors["documents"]
    assert PublicPage.objects.filter(municipality=world.municipality, kind="free").count() == 1


def test_a_free_page_address_is_fixed_once_published(client, world):
    page = free_page(world, slug="novosti")
    client.force_login(world.operator)
    response = client.post(
        reverse("reports:site_page_edit", args=[page.pk]), {"title": "Новости", "slug": "novosti-2025"}
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.slug == "novosti-2025"  # a draft never published may still move

    public.publish(page, user=world.operator)
    form = client.get(reverse("reports:site_page_edit", args=[page.pk])).context["form"]
    assert form.fields["slug"].disabled
    response = client.post(
        reverse("reports:site_page_edit", args=[page.pk]), {"title": "Новости района", "slug": "drugoe"}
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.slug == "novosti-2025" and page.title == "Новости района"
    assert client.__class__().get(public_url(page)).status_code == 200

    # Withdrawn, it keeps the address too: restoring it must bring back the same link.
    public.withdraw(page, user=world.operator)
    client.post(reverse("reports:site_page_edit", args=[page.pk]), {"title": "Новости", "slug": "drugoe"})
    page.refresh_from_db()
    assert page.slug == "novosti-2025"


def test_a_direction_page_address_is_not_editable(client, world):
    page = direction_page(world)
    slug = page.slug
    client.force_login(world.operator)
    client.post(reverse("reports:site_page_edit", args=[page.pk]), {"title": "Заголовок", "slug": "moya"})
    page.refresh_from_db()
    assert page.slug == slug and page.title == "Заголовок"


def test_the_create_form_offers_only_the_municipality_documents(client, world):
    own = make_document(world.municipality, title="Приказ о МСОКО")
    foreign = make_document(world.elsewhere, title="Амурский приказ")
    client.force_login(world.operator)
    html = text_of(client.get(reverse("reports:site_page_create")))
    assert own.title in html and foreign.title not in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_restoring_the_version_on_the_tab_changes_nothing(client, world):
    page = direction_page(world)
    version = public.publish(page, user=world.operator)
    client.force_login(world.operator)
    response = client.post(reverse("reports:site_version_restore", args=[version.pk]))
    assert response.status_code == 302
    assert ru("This version is already on the public tab.") in flashed(response)
    assert PublicVersion.objects.filter(page=page).count() == 1


def test_an_address_taken_meanwhile_is_a_message_not_an_error(client, world, monkeypatch):
    from django.db import IntegrityError

    def taken(*args, **kwargs):
        raise IntegrityError("public_page_slug_unique")

    monkeypatch.setattr(public, "page_save", taken)
    client.force_login(world.operator)
    response = client.post(reverse("reports:site_page_create"), {"title": "Новости", "slug": "novosti"})
    assert response.status_code == 200
    assert response.context["form"].errors["slug"]
    assert not PublicPage.objects.filter(kind="free").exists()
