"""The operator's publishing day in chromium: the page is written in the editor (a heading, a list, a
link and an image of the municipality's documents, typed and clicked, not posted as HTML), previewed,
published after the confirmation, changed and published again; the first version is viewed with its
difference from the published one and restored after its confirmation. No page breaks a rule of the
Content-Security-Policy."""

import re

import pytest
from django.core.files.base import ContentFile

from reports import public
from reports.models import PublicPage
from tests.browser.support import log_in
from tests.factories import make_document, make_world

expect = pytest.importorskip("playwright.sync_api").expect

LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15"
    b"\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00"
    b"IEND\xaeB`\x82"
)


def _violations(page) -> list[str]:
    return page.evaluate("window.__violations")


@pytest.mark.django_db(transaction=True)
def test_the_operator_writes_previews_publishes_compares_and_restores(new_page):
    world = make_world()
    picture = make_document(world.municipality, title="Схема МСОКО")
    picture.file.save("scheme.png", ContentFile(PNG))
    public.pages_ensure(world.municipality)
    home = PublicPage.objects.get(municipality=world.municipality, kind=PublicPage.Kind.HOME)

    page = new_page()
    page.add_init_script(LISTEN)
    page.on("dialog", lambda dialog: dialog.accept())  # every confirmation is answered «OK»
    asked: list[str] = []
    page.on("dialog", lambda dialog: asked.append(dialog.message))
    log_in(page, world.operator.username, "pw")
    seen = {}

    # Written in the editor: the text area gives way to the editor, which fills it on every change.
    page.goto(f"/reports/site/{home.pk}/edit/")
    editor = page.locator(".prose-editor [contenteditable=true]")
    expect(editor).to_be_visible()
    expect(page.locator("textarea[name=body]")).to_be_hidden()
    editor.click()
    page.keyboard.type("## О системе")  # the editor turns «## » into a heading
    page.keyboard.press("Enter")
    page.keyboard.type("Первая редакция страницы.")
    page.keyboard.press("Enter")
    page.keyboard.type("- мониторинг")  # and «- » into a list
    page.keyboard.press("Enter")
    page.keyboard.type("анализ")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Вставить «Схема МСОКО»").click()
    expect(editor.locator("h2")).to_have_text("О системе")
    expect(editor.locator("li")).to_have_count(2)
    expect(editor.locator("img")).to_have_count(1)
    # The editor's dialogs speak Russian: their words come from the portal's catalogue.
    assert page.evaluate("window.gettext('URL')") == "Адрес"
    seen["editor"] = _violations(page)
    page.get_by_role("button", name="Сохранить черновик").click()
    expect(page.locator("h1")).to_have_text(home.title)
    home.refresh_from_db()
    image = f"/open/{world.municipality.slug}/documents/{picture.pk}/"
    assert "<h2>О системе</h2>" in home.body and "<li><p>мониторинг</p></li>" in home.body
    assert f'<img src="{image}" alt="Схема МСОКО">' in home.body

    # Previewed as the public would see it.
    page.get_by_role("link", name="Предпросмотр").click()
    expect(page.locator("main h2", has_text="О системе")).to_be_visible()
    seen["preview"] = _violations(page)
    page.go_back()

    # Published after the confirmation.
    page.get_by_role("button", name="Опубликовать", exact=True).click()
    expect(page.locator(".state-published").first).to_be_visible()
    assert any("Опубликовать страницу?" in message for message in asked)
    visitor = new_page()
    visitor.goto(f"/open/{world.municipality.slug}/")
    expect(visitor.locator("main")).to_contain_text("Первая редакция страницы.")
    expect(visitor.locator(f'main img[src="{image}"]')).to_be_visible()

    # Changed and published again.
    page.get_by_role("link", name="Изменить черновик").click()
    editor = page.locator(".prose-editor [contenteditable=true]")
    paragraph = editor.locator("p", has_text="Первая редакция страницы.")
    paragraph.click()
    page.keyboard.press("End")
    page.keyboard.type(" Дополнено.")
    page.get_by_role("button", name="Сохранить черновик").click()
    page.get_by_role("button", name="Опубликовать черновик заново").click()
    expect(page.get_by_role("link", name="Посмотреть и сравнить")).to_be_visible()
    visitor = new_page()
    visitor.goto(f"/open/{world.municipality.slug}/")
    expect(visitor.locator("main")).to_contain_text("Дополнено.")

    # The first version on its own page, with what differs, then restored.
    page.get_by_role("link", name="Посмотреть и сравнить").click()
    expect(page.locator("h1")).to_have_text("Версия 1")
    expect(page.locator("tr.diff-removed")).to_contain_text("Первая редакция страницы. Дополнено.")
    expect(page.locator("tr.diff-added")).to_contain_text("Первая редакция страницы.")
    seen["version"] = _violations(page)
    page.get_by_role("button", name="Восстановить").click()
    expect(page).to_have_url(re.compile(rf"/reports/site/{home.pk}/$"))
    assert any("Опубликовать версию 1 снова?" in message for message in asked)
    home.refresh_from_db()
    assert home.published.number == 3
    # A new visitor: the first one's browser may keep the page as long as the tab lets it.
    visitor = new_page()
    visitor.goto(f"/open/{world.municipality.slug}/")
    expect(visitor.locator("main")).to_contain_text("Первая редакция страницы.")
    expect(visitor.locator("main")).not_to_contain_text("Дополнено.")

    assert {where: found for where, found in seen.items() if found} == {}
