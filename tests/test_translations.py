"""Every string a user reads is Russian: the catalogue is complete and up to date with the code."""

import csv
import io
import re
import shutil
import subprocess
import sys
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from openpyxl import load_workbook

from directions.models import Direction
from indicators.imports import export_indicator_values
from mcok import demo
from mcok.models import Municipality, Period, User
from monitoring.models import Campaign
from monitoring.spreadsheets import campaign_export
from reports import open_data
from reports.models import Report
from reports.xlsx import report_xlsx

PO = Path(settings.BASE_DIR) / "locale/ru/LC_MESSAGES/django.po"
SOURCES = ["config", "mcok", "directions", "indicators", "monitoring", "roadmaps", "reports", "templates"]


def msgids(po: Path) -> set[str]:
    text = po.read_text(encoding="utf-8")
    ids = set()
    for block in re.findall(r'^msgid ((?:".*"\n)+)', text, flags=re.M):
        ids.add("".join(re.findall(r'^"(.*)"$', block, flags=re.M)))
    return ids - {""}


def test_catalogue_has_no_untranslated_or_fuzzy_messages():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
        env={"LANG": "C", "LC_ALL": "C", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_catalogue_holds_every_message_of_the_code(tmp_path):
    """makemessages on a copy of the sources finds no message that the catalogue lacks."""
    root = Path(settings.BASE_DIR)
    for name in SOURCES:
        if (root / name).exists():
            shutil.copytree(root / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(root / "locale", tmp_path / "locale")
    shutil.copy(root / "manage.py", tmp_path / "manage.py")
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ru", "--no-location", "--no-obsolete"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    missing = msgids(tmp_path / "locale/ru/LC_MESSAGES/django.po") - msgids(PO)
    assert not missing, f"run `make messages` and translate: {sorted(missing)}"
    assert len(msgids(PO)) > 100


# Pages and exports: nothing English reaches a reader --------------------------------------------------
#
# The catalogue tests above see only the strings marked for translation. A string never marked (a
# field's default label, a model's English choice, a hard-coded header) reaches the page untranslated;
# these tests read what each role actually sees on the demo's pages and in the exported files, and
# flag every word of Latin letters that is not a code, an identifier or a name of a format.

# Words of Latin letters a Russian page may show: formats, protocols, products, units.
FORMAT_AND_PRODUCT_NAMES = (
    "PDF XLSX XLS CSV JSON API HTML XML SVG URL ID ODT DOCX DOC ZIP PNG JPG JPEG ICS UTF BOM "
    "REST OpenAPI Swagger Excel Word Google Forms LibreOffice Calc WeasyPrint Celery Redis "
    "PostgreSQL SQLite Django DRF http https www e-mail email mailto iCalendar TLS SMTP "
    "PT Sans Liberation FIOKO OK Android iOS OpenDocument WorldSkills Russia"
)
ALLOWED_WORDS = frozenset(FORMAT_AND_PRODUCT_NAMES.casefold().split())
# Tokens that are codes and identifiers however they look: with a digit, an underscore, a dot, @ or
# a slash inside, or a login (lowercase words joined by hyphens).
TOKEN = re.compile(r"\S+")
CODE_LIKE = re.compile(r"[0-9_@/\\=(){}\[\]<>*+^]|\w\.\w|^[a-z0-9]+(?:-[a-z0-9]+)+$")
SKIPPED_TAGS = frozenset({"script", "style", "template", "code", "pre", "kbd", "samp", "var", "textarea"})
VISIBLE_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


class _VisibleText(HTMLParser):
    """The text a reader sees: text nodes outside scripts and code, the visible attributes, the labels
    of buttons; elements marked translate="no" or class="code" are left out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        skip = (
            tag in SKIPPED_TAGS
            or attributes.get("translate") == "no"
            or "code" in (attributes.get("class") or "").split()
        )
        if self.skipping or skip:
            if tag not in VOID_TAGS:
                self.skipping.append(tag)
            return
        for name in VISIBLE_ATTRIBUTES:
            if attributes.get(name):
                self.parts.append(attributes[name])
        if (
            tag == "input"
            and attributes.get("type") in {"submit", "button", "reset"}
            and attributes.get("value")
        ):
            self.parts.append(attributes["value"])

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


def english_words(text: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The words of Latin letters in `text` that are no code, identifier, login, address or format:
    «Suggested title» is one, «1.1.1», «ishimbay-school», «XLSX», «user@mcok.example» are not."""
    found = []
    if re.search(r"[А-Яа-яЁё№]", text):  # «Код показателя (indicator)»: the machine name beside the words
        text = MACHINE_NAME.sub(" ", text)
    for token in TOKEN.findall(text):
        bare = token.strip(".,;:!?«»\"'()[]—–-…")
        if not re.search(r"[A-Za-z]", bare) or CODE_LIKE.search(bare) or re.search(r"[А-Яа-яЁё]", bare):
            continue
        if bare.casefold() in ALLOWED_WORDS or bare.casefold() in allowed:
            continue
        if len(bare) == 1 or (bare.isupper() and len(bare) <= 3):  # variables of a formula, «A», «B2»
            continue
        found.append(bare)
    return found


def visible_parts(html: str) -> list[str]:
    """The visible texts of the page, one per text node or attribute."""
    parser = _VisibleText()
    parser.feed(html)
    return [" ".join(part.split()) for part in parser.parts if part.strip()]


def visible_text(html: str) -> str:
    return " ".join(visible_parts(html))


MACHINE_NAME = re.compile(r"\((?:[a-z]+_)*[a-z]+\)")
DOUBLED_WORD = re.compile(r"(?<!\w)([А-Яа-яЁё]{3,})\s+\1(?!\w)", re.IGNORECASE)


def test_english_words_finds_ui_english_and_spares_codes():
    assert english_words("Suggested title") == ["Suggested", "title"]
    assert english_words("Показатель 1.1.1, логин ishimbay-school, ivanov@mcok.example, XLSX и PDF") == []
    assert english_words("Формула: (a_1 + a_2) / t_2_3_10 * 100; https://mcok.example/open/") == []
    assert english_words("Состояние: Draft") == ["Draft"]
    assert english_words("Код показателя (indicator_code)") == english_words("№ (number)") == []
    assert english_words("Состояние (Draft)") == ["Draft"]
    assert DOUBLED_WORD.search("Отправлена отправлена 14.03")
    assert not DOUBLED_WORD.search("Отправлена 14.03 в 14:32")


# The demo's people of Ишимбай, one per role, and the officials the order names.
READERS = [f"ishimbay-{suffix}" for suffix, _kind, _picks in demo.DEMO_LOGINS] + [
    "ishimbay-sherstkina",
    "ishimbay-naydenova",
]
PAGES_PER_READER = 45
NOT_FOLLOWED = ("/admin/", "/api/", "/static/", "/media/", "/logout", "/accounts/logout", "/i18n/")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _links(html: str) -> list[str]:
    return re.findall(r'<a\s[^>]*?href="(/[^"#]*)"', html)


def _shape(url: str) -> str:
    """Pages of the same kind (another id, another value of the same parameter) are read once."""
    parts = urlsplit(url)
    keys = sorted({key for key, _value in parse_qsl(parts.query)})
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


CODE_COLUMN = re.compile(r"^Код\b")  # «Код показателя», «Код вопроса»: codes are Latin by design


def _file_texts(content: bytes, content_type: str) -> list[str]:
    """The text cells of a CSV file, or the names and text cells of a workbook's visible sheets and
    columns; numbers are numbers, not words; a hidden sheet or column and a column of codes hold the
    portal's own keys."""
    if content_type.startswith("text/csv"):
        text = content.decode("utf-8-sig")
        tables = [list(csv.reader(io.StringIO(text), delimiter=";"))]
        texts = []
    else:
        workbook = load_workbook(io.BytesIO(content))
        sheets = [sheet for sheet in workbook.worksheets if sheet.sheet_state == "visible"]
        texts = [sheet.title for sheet in sheets]
        tables = []
        for sheet in sheets:
            hidden = {letter for letter, dimension in sheet.column_dimensions.items() if dimension.hidden}
            tables.append(
                [
                    [None if cell.column_letter in hidden else cell.value for cell in row]
                    for row in sheet.iter_rows()
                ]
            )
    for rows in tables:
        header = rows[0] if rows else []
        codes = {
            index for index, title in enumerate(header) if isinstance(title, str) and CODE_COLUMN.match(title)
        }
        texts += [
            value
            for row_number, row in enumerate(rows)
            for index, value in enumerate(row)
            if isinstance(value, str) and (row_number == 0 or index not in codes)
        ]
    return texts


def test_no_page_or_export_of_any_role_shows_english(client, db):
    """Each role's pages reachable from its home in two clicks and the CSV and XLSX files they link,
    the analytic report's workbook, every open-data table, the indicator values and the collections'
    answers hold no English word; the pages no doubled word («Отправлена отправлена»)."""
    call_command("load_demo", stdout=io.StringIO())
    allowed = frozenset(
        name.casefold()
        for name in [
            *User.objects.values_list("username", flat=True),
            *Municipality.objects.values_list("slug", flat=True),
        ]
    )
    problems: dict[str, set[str]] = {}
    read = 0
    for login in READERS:
        client.force_login(User.objects.get(username=login))
        seen: set[str] = set()
        queue = deque([("/", 0)])
        pages = 0
        while queue and pages < PAGES_PER_READER:
            url, depth = queue.popleft()
            if _shape(url) in seen or url.startswith(NOT_FOLLOWED):
                continue
            seen.add(_shape(url))
            response = client.get(url, follow=True)
            pages += 1
            assert response.status_code < 500, (login, url)
            if response.status_code != 200:
                continue
            content_type = response.get("Content-Type", "")
            if content_type.startswith("text/html"):
                html = response.content.decode()
                parts = visible_parts(html)
                words = [part[:100] for part in parts if english_words(part, allowed)]
                # within one sentence: a heading «Документы» above a table of documents is no doubling
                doubled = [match.group(0) for part in parts for match in DOUBLED_WORD.finditer(part)]
                if depth < 2:
                    queue.extend((link.replace("&amp;", "&"), depth + 1) for link in _links(html))
            elif content_type.startswith("text/csv") or content_type.startswith(XLSX_TYPE):
                cells = _file_texts(response.content, content_type)
                words = [cell[:100] for cell in cells if english_words(cell, allowed)]
                doubled = []
            else:
                continue
            for word in [*words, *doubled]:
                problems.setdefault(word, set()).add(f"{login} {url}")
        read += pages
    assert read > 100

    # The files a page may not link directly: the analytic report's workbook (made by a job), every
    # open-data table, the indicator values and every collection's answers.
    municipality = Municipality.objects.get(slug="ishimbay")
    files: list[tuple[str, bytes, str]] = []
    with translation.override("ru"):
        author = User.objects.get(username="ishimbay-sherstkina")
        period = Period.objects.get(code="2025")
        direction = Direction.objects.filter(municipality=municipality, code="2.3").first()
        for kind, about in [(Report.Kind.DIRECTION, direction), (Report.Kind.SUMMARY, None)]:
            report = Report.objects.create(
                municipality=municipality,
                kind=kind,
                direction=about,
                period=period,
                title="—",
                created_by=author,
            )
            files.append((f"report {kind}", report_xlsx(report), XLSX_TYPE))
        for name in open_data.TABLES:
            content, content_type = open_data.export(open_data.table(municipality, name), "csv")
            files.append((f"open data {name}", content, content_type))
        for fmt, content_type in [("csv", "text/csv"), ("xlsx", XLSX_TYPE)]:
            content = export_indicator_values(municipality=municipality, fmt=fmt)
            files.append((f"indicator values {fmt}", content, content_type))
            for campaign in Campaign.objects.filter(municipality=municipality)[:3]:
                for layout in ("wide", "long"):
                    content = campaign_export(campaign, layout=layout, fmt=fmt)
                    files.append((f"collection {campaign.pk} {layout} {fmt}", content, content_type))
    for where, content, content_type in files:
        for cell in _file_texts(content, content_type):
            if english_words(cell, allowed):
                problems.setdefault(cell[:100], set()).add(where)
    report = "\n".join(
        f"{word!r}: {', '.join(sorted(where)[:3])}" for word, where in sorted(problems.items())
    )
    assert not problems, f"English or doubled words on the pages:\n{report}"
