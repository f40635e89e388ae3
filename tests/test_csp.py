"""Content-Security-Policy on every page (issue 18, item 9): the portal's pages carry django-csp's
policy — scripts and styles from the portal's own files only, no framing — and no template of the
portal holds an inline script, an event handler attribute or an inline style, which the policy would
block. The public tab keeps its own policy and its embedding rules (reports.open_views)."""

import base64
import hashlib
import re
from pathlib import Path

import drf_spectacular
from django.conf import settings
from django.urls import reverse

from reports import public
from tests.reports.test_public import make_tab

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# WeasyPrint's templates are never served to a browser: their <style> is the PDF's page layout.
PDF_TEMPLATES = {"reports/report_pdf.html", "roadmaps/groups/protocol_pdf.html"}

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def _directives(header: str) -> dict[str, list[str]]:
    return {name: values for part in header.split(";") if part.strip() for name, *values in [part.split()]}


def _templates() -> list[tuple[str, str]]:
    return [
        (str(path.relative_to(TEMPLATES)), path.read_text(encoding="utf-8"))
        for path in sorted(TEMPLATES.rglob("*.html"))
    ]


def test_a_portal_page_carries_a_policy_without_inline_script_or_framing(client, world):
    client.force_login(world.coordinator)
    response = client.get(reverse("mcok:home"), follow=True)
    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]


def test_the_login_page_and_the_admin_carry_the_policy(client, world):
    assert "script-src 'self'" in client.get(reverse("login"))["Content-Security-Policy"]
    client.force_login(world.administrator)
    admin = client.get(reverse("admin:index"))
    assert "script-src 'self'" in admin["Content-Security-Policy"]


def test_the_public_tab_keeps_its_own_policy_and_its_embedding(client, world):
    tab = make_tab(world)
    public.publish(tab.home, user=tab.operator)
    slug = tab.municipality.slug

    page = client.get(reverse("open:home", args=[slug]))
    assert page.status_code == 200
    policy = _directives(page["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"]  # no script at all
    assert "script-src" not in policy
    assert policy["frame-ancestors"] == ["'none'"]

    embed = client.get(reverse("open:embed_home", args=[slug]))
    assert embed.status_code == 200
    assert "frame-ancestors" not in _directives(embed["Content-Security-Policy"])
    assert "X-Frame-Options" not in embed  # the department's site may frame it, as before


def test_the_api_documentation_starts_from_a_file_and_its_style_hash_is_current(client, world):
    client.force_login(world.coordinator)
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html)
    assert client.get(reverse("api:docs"), {"script": ""}).status_code == 200
    style = re.search(r"<style>(.*?)</style>", html, re.DOTALL).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" == settings.CSP_SWAGGER_UI_STYLE, drf_spectacular.__version__
    assert settings.CSP_SWAGGER_UI_STYLE in response["Content-Security-Policy"]


def test_no_template_holds_an_inline_script_or_an_event_handler():
    found = [
        (name, match.group(0))
        for name, text in _templates()
        for pattern in (INLINE_SCRIPT, HANDLER, JAVASCRIPT_URL)
        for match in pattern.finditer(text)
    ]
    assert found == []


def test_no_page_template_holds_an_inline_style():
    found = [
        (name, match.group(0))
        for name, text in _templates()
        if name not in PDF_TEMPLATES
        for pattern in (STYLE_ATTRIBUTE, STYLE_ELEMENT)
        for match in pattern.finditer(text)
    ]
    assert found == []


def test_the_scan_finds_what_it_looks_for():
    """The patterns are not blind: each catches the thing it is meant to catch."""
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/a.js" defer></script>')
    assert HANDLER.search('<button type="button" onclick="go()">')
    assert not HANDLER.search('<button data-confirm="?">')
    assert STYLE_ATTRIBUTE.search('<span style="width: 5%">')
    assert STYLE_ELEMENT.search("<style>.a{}</style>")
    assert JAVASCRIPT_URL.search('<a href="javascript:void(0)">')
