"""Roadmaps («дорожные карты») read from the tables of a Word document (.docx) into plain data: no
database, no models, so a view can show a preview and a service can store what the user confirmed.

    result = read_roadmaps(upload)          # RoadmapFileError: the file is refused, with a reason
    for roadmap in result.roadmaps:         # RoadmapData: title, years, criteria, sections
        ...
    result.warnings                         # what was skipped or guessed, with table and row

How a document is read (the seeds 001 and 003 of ../shared are the examples):

- The upload is checked from its ZIP directory before python-docx reads a byte of it: its size,
  the number of parts, their unpacked size and the compression ratio (a ZIP bomb), encryption,
  macros (.docm) and the content type of the main part. An old .doc and a password-protected
  document (both OLE containers) are told apart and refused with their own message.
- Every table whose header names an event column and at least one of the responsible, deadline or
  result columns is a roadmap; its header is found in its first rows, in any column order and any
  wording of the seeds (see `_field_of`), and may span two rows (a vertically merged «№ п/п», or
  «Сроки» over «начало» and «окончание»). Other tables (layout tables, lists of project-group
  members, indicator catalogues) are skipped with one warning naming them; a table that has some
  roadmap columns but not enough is skipped with its own warning. A document with no roadmap
  table is refused.
- A table that follows a roadmap with no title between them (only empty paragraphs or
  «Продолжение таблицы»), with the same columns or, headerless, the same number of columns, is
  the same roadmap split by a page break: its rows are joined to it (and a warning says so).
- The title is the last paragraph before the table that reads like a roadmap title (it begins with
  «План» or «Дорожная карта», quotes aside) with the paragraphs that continue it up to the criteria
  or the table; else a merged row above the table's header that reads so; else the nearest heading
  paragraph since the previous table; else the document's heading (its first heading paragraph or
  its core title). The years are the first range «2021-2024» (or «с 2021 по 2024», «2021/2022») or
  the single year of the title.
- The criteria are the lines after a paragraph beginning «Планируемые критерии», up to the table,
  without their «1)» or «–» markers.
- A section row is a row whose text cell is merged across the event column and at least one other
  field (python-docx gives the same cell in every merged position), or a row that fills only its
  first one or two cells with «1. Нормативно-правовое обеспечение», «Раздел 2 …», «II. …», or a
  bare number «1» beside a text in a table whose events are numbered «1.1». Events before any
  section row go to a section with an empty number and title.
- An event row has its text in the event column; a vertically merged cell (one responsible person
  for several events) is copied to each event; a row whose event cell continues the previous
  event's (merged vertically) adds its deadline, responsible and result to that event. Numbers are
  kept as written without a trailing dot («1.1.» → «1.1»); a missing one is the previous event's
  number plus one (or «<section>.1»), with a warning. Empty rows, a numbering row «1 2 3 4 5» and
  a repeated header row are skipped.
- Texts keep their line breaks (spaces within a line collapsed, empty lines dropped) except the
  deadline, the titles and the section titles, which are one line.
- `split_responsible` splits the responsible text into persons and organizations; see there.

Limits: MAX_ROWS rows read in all (then a warning and the rest ignored), MAX_TABLES tables,
MAX_COLUMNS columns per table, MAX_ROW_WARNINGS warnings about single rows (then one that counts
the others).
"""

import contextlib
import io
import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from docx.oxml.ns import qn

MAX_FILE_BYTES = 20 * 1024 * 1024
# The limits of directions.imports.archive_problem, whose messages speak of workbooks.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ENTRIES = 1000
MAX_RATIO = 100
MAX_ROWS = 5000
MAX_TABLES = 200
MAX_COLUMNS = 30
MAX_ROW_WARNINGS = 100  # then one more saying how many were left out
HEADER_ROWS = 6  # the header is looked for in this many first rows of a table
TITLE_LINES = 12  # the title is looked for in this many last lines before a table
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE container: .doc, or an encrypted .docx

W_P, W_TBL, W_TR, W_TC, W_R = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:r")
W_SDT, W_SDT_CONTENT, W_CUSTOM_XML = qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")
W_VAL = qn("w:val")
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Containers whose children are blocks (paragraphs, tables) or rows or cells of the same level.
WRAPPERS = {W_SDT, W_SDT_CONTENT, W_CUSTOM_XML}
# Inside a paragraph: what holds runs of its own text. Text boxes, deleted and moved-away text, the
# fallback copy of alternate content and the paragraph's properties are left out.
SKIPPED_IN_PARAGRAPH = {qn("w:pPr"), qn("w:del"), qn("w:moveFrom"), MC_FALLBACK}
RUN_TEXT = {qn("w:t"): None, qn("w:tab"): " ", qn("w:ptab"): " ", qn("w:br"): "\n", qn("w:cr"): "\n"}
RUN_TEXT[qn("w:noBreakHyphen")] = "-"
W_TAB = qn("w:tab")
# What makes a paragraph worth the slow walk that leaves some of its runs out.
UNUSUAL_IN_PARAGRAPH = (qn("w:txbxContent"), qn("w:del"), qn("w:moveFrom"), MC_FALLBACK)
W_TCPR, W_TRPR, W_GRID_BEFORE, W_GRID_SPAN = qn("w:tcPr"), qn("w:trPr"), qn("w:gridBefore"), qn("w:gridSpan")
W_VMERGE, W_HMERGE = qn("w:vMerge"), qn("w:hMerge")
INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")  # soft hyphens, zero-width spaces

FIELDS = ("number", "content", "responsible", "deadline", "result")
OTHER_FIELDS = ("responsible", "deadline", "result")  # one of them, beside the events, makes a roadmap
# How the texts of several columns of one field (a header over sub-columns) are joined.
SEPARATORS = {"number": " ", "content": "\n", "responsible": ", ", "deadline": " – ", "result": "\n"}

TITLE = re.compile(r"^[\W_]*(план\b|план-график|дорожн\w*\s+карт)", re.IGNORECASE)
CRITERIA = re.compile(r"^[\W_]*планируем\w*\s+критери", re.IGNORECASE)
CONTINUATION_NOTE = re.compile(r"^[\W_]*(продолжение|окончание)\b", re.IGNORECASE)
LIST_MARKER = re.compile(r"^\s*(?:\d{1,3}\s*[.)]|[a-zа-я]\)|[-–—•·▪*])\s*", re.IGNORECASE)
EVENT_NUMBER = re.compile(r"^\d{1,3}(?:\.\d{1,3})*\.?$")
SUB_NUMBER = re.compile(r"^\d{1,3}(?:\.\d{1,3})+\.?$")
BARE_SECTION_NUMBER = re.compile(r"^(?:(?i:раздел)\s*)?(\d{1,3}|[IVXLC]{1,6})\.?$")
SECTION_TEXT = re.compile(
    r"^(?:(?i:раздел)\s*(\d{1,3}|[IVXLC]{1,6})\.?|(\d{1,3}|[IVXLC]{1,6})\.)\s*((?:[^\W\d_]|[«\"(]).*)$",
    re.DOTALL,
)
NOTE = re.compile(r"^[\W_]*(\*|примечани)", re.IGNORECASE)
YEAR_RANGE = re.compile(
    r"(?<!\d)((?:19|20)\d\d)(?!\d)\s*(?:г\.?\s*г?\.?|гг\.?|год\w*)?\s*"
    r"(?:[-–—/]|по|до)\s*((?:19|20)\d\d)(?!\d)",
    re.IGNORECASE,
)
YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


class RoadmapFileError(ValueError):
    """The upload is refused: not a .docx, too big, a ZIP bomb, encrypted, with macros, or without a
    roadmap table. str(error) is the message for the user, in the active language."""


@dataclass
class EventData:
    """One event (мероприятие) as the document writes it. `row` is the row of the table (1-based,
    the header counted) and `table` the table of the document (1-based) it was read from."""

    number: str
    content: str
    responsible: str = ""
    responsible_names: list[str] = field(default_factory=list)
    deadline: str = ""
    result: str = ""
    row: int = 0
    table: int = 0


@dataclass
class SectionData:
    """A section (раздел) of a roadmap; number and title are empty for the events before any
    section row."""

    number: str
    title: str
    events: list[EventData] = field(default_factory=list)


@dataclass
class RoadmapData:
    """One roadmap: its title, the years of the title (start, end), the planned criteria, and the
    sections in the order of the document. `tables` are the tables it was read from (1-based):
    several when a table split by a page break was joined."""

    title: str
    years: tuple[int, int] | None = None
    criteria: list[str] = field(default_factory=list)
    sections: list[SectionData] = field(default_factory=list)
    tables: list[int] = field(default_factory=list)

    @property
    def events(self) -> list[EventData]:
        return [event for section in self.sections for event in section.events]


@dataclass
class ReadResult:
    roadmaps: list[RoadmapData]
    warnings: list[str]


def read_roadmaps(
    file: BinaryIO | str | os.PathLike | bytes,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    max_rows: int = MAX_ROWS,
) -> ReadResult:
    """The roadmaps of a Word document (an open binary file, a path or its bytes) and the warnings
    about what was skipped or guessed. Raises RoadmapFileError, and nothing else for any content,
    when the file is refused or holds no roadmap table. Reads at most `max_rows` table rows."""
    content = _content(file, max_bytes)
    problem = document_problem(content)
    if problem:
        raise RoadmapFileError(problem)
    return _Reader(_open(content), max_rows).read()


def document_problem(content: bytes) -> str | None:
    """Why the bytes may not be opened as a Word document, from the ZIP directory and the content
    types alone; None if they may."""
    if content.startswith(CFB_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in content:
            return _encrypted()
        return _("This is an old Word 97–2003 document (.doc). Open it in Word and save it as .docx.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, ValueError, EOFError):
        return _not_docx()
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            return _("The document has more than %(count)s parts; it is refused.") % {"count": MAX_ENTRIES}
        unpacked = sum(entry.file_size for entry in entries)
        packed = sum(entry.compress_size for entry in entries)
        if unpacked > MAX_UNPACKED_BYTES:
            return _("The document unpacks to more than %(size)s MB; it is refused.") % {
                "size": MAX_UNPACKED_BYTES // (1024 * 1024)
            }
        if unpacked > MAX_RATIO * max(packed, 1):
            return _("The document is compressed more than %(ratio)s times; it is refused.") % {
                "ratio": MAX_RATIO
            }
        if any(entry.flag_bits & 0x1 for entry in entries):
            return _encrypted()
        names = {entry.filename.lower(): entry.filename for entry in entries}
        if any(name.endswith("vbaproject.bin") or name.endswith("vbadata.xml") for name in names):
            return _macros()
        if "[content_types].xml" not in names:
            return _not_docx()
        try:
            types = archive.read(names["[content_types].xml"]).lower()
        except Exception:  # a broken entry: bad CRC, unknown compression, truncated data
            return _not_docx()
    if b"macroenabled" in types:
        return _macros()
    if b"wordprocessingml.document.main+xml" not in types:
        return _not_docx()
    return None


def _not_docx() -> str:
    return _(
        "The file is not a Word document (.docx). Open it in Word and save it as «Документ Word (*.docx)»."
    )


def _encrypted() -> str:
    return _("The document is protected by a password. Remove the password in Word and save it again.")


def _macros() -> str:
    return _("The document contains macros. Save it in Word as «Документ Word (*.docx)», without macros.")


def _unreadable() -> str:
    return _("The document cannot be read. Open it in Word, save it as .docx and try again.")


def _content(file: BinaryIO | str | os.PathLike | bytes, max_bytes: int) -> bytes:
    too_big = _("The file is larger than %(size)s; it is refused.") % {"size": filesizeformat(max_bytes)}
    if isinstance(file, bytes | bytearray | memoryview):
        content = bytes(file)
    elif isinstance(file, str | os.PathLike):
        if os.path.getsize(file) > max_bytes:
            raise RoadmapFileError(too_big)
        with open(file, "rb") as opened:
            content = opened.read(max_bytes + 1)
    else:
        with contextlib.suppress(AttributeError, OSError, ValueError):
            file.seek(0)  # a stream that cannot seek is read from where it is
        content = file.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise RoadmapFileError(too_big)
    return content


def _open(content: bytes):
    import docx

    try:
        document = docx.Document(io.BytesIO(content))
        body = document.element.body
    except Exception:  # python-docx raises zip, XML, key and value errors alike for a broken file
        raise RoadmapFileError(_unreadable()) from None
    if body is None:
        raise RoadmapFileError(_unreadable())
    return document


# Text ----------------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    return " ".join(text.lower().replace("ё", "е").split())


def one_line(text: str) -> str:
    """The text on one line: line breaks and runs of spaces become one space."""
    return " ".join(text.split())


def _lines(text: str) -> str:
    """The text with its line breaks: spaces within a line collapsed, empty lines dropped."""
    lines = (one_line(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _children(element, tags: Iterable[str]) -> Iterator:
    """The children of `element` with one of `tags`, looking through content controls and custom
    XML wrappers, in document order."""
    wanted = set(tags)
    stack = [iter(element)]
    while stack:
        for child in stack[-1]:
            if child.tag in wanted:
                yield child
            elif child.tag in WRAPPERS:
                stack.append(iter(child))
                break
        else:
            stack.pop()


def _paragraph_text(paragraph) -> str:
    """The visible text of a paragraph: its runs (in hyperlinks, insertions, fields and content
    controls too), tabs as spaces, line breaks as \\n."""
    parts: list[str] = []
    if next(paragraph.iter(*UNUSUAL_IN_PARAGRAPH), None) is None:  # the fast path, iterated by lxml
        for piece in paragraph.iter(*RUN_TEXT):
            if piece.tag != W_TAB or piece.getparent().tag == W_R:  # not a tab stop of w:pPr
                parts.append(RUN_TEXT[piece.tag] or piece.text or "")
        return INVISIBLE.sub("", "".join(parts))
    stack = [iter(paragraph)]
    while stack:
        for child in stack[-1]:
            if child.tag == W_R:
                for piece in child:
                    if piece.tag in RUN_TEXT:
                        parts.append(RUN_TEXT[piece.tag] or piece.text or "")
            elif child.tag not in SKIPPED_IN_PARAGRAPH and child.tag not in (W_P, W_TBL):
                stack.append(iter(child))
                break
        else:
            stack.pop()
    return INVISIBLE.sub("", "".join(parts))


def _cell_text(cell) -> str:
    """The paragraphs of a cell, nested tables' included, one a line."""
    paragraphs: list[str] = []
    stack = [iter(cell)]
    while stack:
        for child in stack[-1]:
            if child.tag == W_P:
                paragraphs.append(_paragraph_text(child))
            elif child.tag in (W_TBL, W_TR, W_TC) or child.tag in WRAPPERS:
                stack.append(iter(child))
                break
        else:
            stack.pop()
    return "\n".join(paragraphs)


def _int_value(properties, tag: str, default: int) -> int:
    element = properties.find(tag) if properties is not None else None
    value = element.get(W_VAL) if element is not None else None
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _merge(properties, tag: str) -> str | None:
    """«restart», «continue» or None for a w:vMerge or w:hMerge of the cell's properties."""
    element = properties.find(tag) if properties is not None else None
    if element is None:
        return None
    return "restart" if element.get(W_VAL) == "restart" else "continue"


# Responsible ---------------------------------------------------------------------------------------

PERSON = re.compile(
    r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?\s+[А-ЯЁ]\.\s?[А-ЯЁ]\."  # Иванова А.Б.
    r"|[А-ЯЁ]\.\s?[А-ЯЁ]\.\s?[А-ЯЁ][а-яё]+"  # А.Б. Иванова
    r"|[А-ЯЁ][а-яё]+\s+[А-ЯЁ][а-яё]+\s+[А-ЯЁ][а-яё]+(?:вна|вич|ична|чна|ич)\b"  # Мотуз Ирина Львовна
)
POSITION_STEMS = (
    "начальник", "заместител", "директор", "специалист", "методист", "руководител", "заведующ",
    "председател", "инспектор", "консультант", "куратор", "учител", "педагог", "советник", "эксперт",
    "координатор", "секретар", "аналитик", "психолог", "логопед", "воспитател", "член", "глава",
    "менеджер", "администратор", "ответственн", "преподавател", "тьютор", "референт", "сотрудник",
)  # fmt: skip
POSITION_ADJECTIVES = ("главн", "ведущ", "старш", "младш", "перв", "заведующ")
ACTING = ("и.о.", "и.о", "врио", "и. о.")
# Capitalised words that begin another responsible party when a text runs two together without a
# separator («Управление образования Образовательные организации»).
PARTY_STARTS = re.compile(
    r"(?<=[а-яёa-z»\")])\s+(?=(?:Образовательные|Общеобразовательные|Дошкольные|Руководители|Кураторы|"
    r"Субъекты)\b)"
)
OPENING, CLOSING = "«(„“[", "»)”]"


def _is_position(part: str) -> bool:
    """Whether a part reads like a person's position («главный специалист», «начальник отдела»)
    and not like a group of people («руководители ОУ», «главные специалисты»)."""
    words = part.split()
    if not words or not words[0][:1].islower():
        return False
    first = words[0].lower()
    if first in ACTING or any(first.startswith(prefix) for prefix in ACTING):
        return True
    if first.startswith(POSITION_ADJECTIVES) and not first.startswith(POSITION_STEMS):
        if first.endswith("е") or len(words) < 2:  # «главные специалисты»: plural, a group
            return False
        first = words[1].lower()
    return first.startswith(POSITION_STEMS) and not first.endswith(("и", "ы")) and first != "учителя"


def _parts(text: str) -> Iterator[tuple[str, str]]:
    """(separator before, part) for the parts of the text split at «;», line breaks and commas
    outside quotes and parentheses."""
    depth, straight_quote, start, separator = 0, False, 0, ""
    for index, char in enumerate(text):
        if char in OPENING:
            depth += 1
        elif char in CLOSING:
            depth = max(0, depth - 1)
        elif char == '"':
            straight_quote = not straight_quote
        elif char in ";\n," and (char != "," or (depth == 0 and not straight_quote)):
            yield separator, text[start:index]
            start, separator = index + 1, char
            if char != ",":
                depth, straight_quote = 0, False  # an unclosed quote ends with its line
    yield separator, text[start:]


def _clean_name(part: str) -> str:
    name = one_line(part).strip(" ,;:-–—•·▪*")
    if name.endswith(".") and len(name) > 1 and name[-2].islower():
        name = name[:-1]  # the full stop of a sentence, not of an initial
    return name


def split_responsible(text: str) -> list[str]:
    """The persons and organizations of a responsible cell, in order, without repeats.

    Best effort, for Russian municipal documents: the text is split at line breaks, «;» and commas
    (not inside «…», "…" or parentheses, so «МБОУ «СОШ №1, г. Амурск»» stays whole). A part that
    reads like a position (a lower-case «главный специалист», «заместитель начальника», «директор
    МКУ ИМЦ»; not a plural group like «руководители ОУ») joins the person before it
    («Лёзина М.А., заместитель начальника»), across a comma or a line break but not a «;». Parts
    run together without a separator are split before a capitalised word that starts a group
    («Управление образования Образовательные организации»). A position written before the name
    («заместитель начальника, Иванова А.Б.») stays a part of its own.
    """
    names: list[str] = []
    for separator, raw in _parts(text or ""):
        for piece in PARTY_STARTS.split(raw):
            part = _clean_name(piece)
            if not part:
                continue
            if (
                names
                and separator != ";"
                and _is_position(part)
                and PERSON.search(names[-1])
                and not PERSON.search(part)
            ):
                names[-1] = f"{names[-1]}, {part}"
            else:
                names.append(part)
            separator = ","  # the next piece of the same part follows a missing separator
    unique: list[str] = []
    for name in names:
        if name not in unique:
            unique.append(name)
    return unique


def years_of(title: str) -> tuple[int, int] | None:
    """(start, end) of a title: the first range «2021-2024», «2021 – 2024 гг.», «с 2021 по 2024»,
    «2021/2022», else its only year (2022, 2022); None if there is none or the range runs back."""
    match = YEAR_RANGE.search(title)
    if match:
        start, end = int(match[1]), int(match[2])
        return (start, end) if start <= end else None
    years = set(YEAR.findall(title))
    if len(years) == 1:
        year = int(years.pop())
        return year, year
    return None


# Tables --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Cell:
    text: str
    origin: tuple[int, int] | None  # (row, column) of the cell that holds the text; None: no cell


EMPTY = _Cell("", None)


def _at(row: list[_Cell], column: int) -> _Cell:
    return row[column] if column < len(row) else EMPTY


def _distinct(row: list[_Cell]) -> list[tuple[_Cell, list[int]]]:
    """The cells of a row once each (a merged cell covers several columns), with their columns."""
    columns: dict[tuple[int, int], list[int]] = {}
    cells: list[_Cell] = []
    for column, cell in enumerate(row):
        if cell.origin is None:
            continue
        if cell.origin not in columns:
            columns[cell.origin] = []
            cells.append(cell)
        columns[cell.origin].append(column)
    return [(cell, columns[cell.origin]) for cell in cells]


def _field_of(header: str) -> str | None:
    """The field a header names, in any wording of the seeds: «№», «№ п/п»; «Мероприятие»,
    «Содержание деятельности», «Наименование мероприятия»; «Ответственные», «Исполнители»,
    «Ответственный исполнитель»; «Сроки», «Срок исполнения»; «Планируемый результат», «Конечный
    результат», «Результат». Results are looked for first: «Конечный результат реализации
    мероприятий» also names events."""
    if len(header) > 200:
        return None
    text = _fold(header)
    if not text or len(text) > 80:
        return None
    if re.fullmatch(r"(№+|n|no|номер)\.?(п/?п\.?|пп)?|п/п\.?", text.replace(" ", "")):
        return "number"
    if "результат" in text:
        return "result"
    if "ответствен" in text or "исполнител" in text:
        return "responsible"
    if re.search(r"\bсрок|\bдата\b|\bдаты\b|период (исполнения|реализации|проведения)", text):
        return "deadline"
    if re.search(r"мероприят|содержание (деятельности|работ)|наименование работ", text):
        return "content"
    return None


def _classify(row: list[_Cell]) -> dict[str, tuple[int, ...]]:
    found: dict[str, list[int]] = {}
    for column, cell in enumerate(row):
        name = _field_of(cell.text)
        if name:
            found.setdefault(name, []).append(column)
    return {name: tuple(columns) for name, columns in found.items()}


def _is_roadmap(columns: dict[str, tuple[int, ...]]) -> bool:
    return "content" in columns and any(name in columns for name in OTHER_FIELDS)


def _has_event_number(row: list[_Cell]) -> bool:
    return any(EVENT_NUMBER.match(one_line(cell.text)) for cell, _columns in _distinct(row))


def _is_numbering_row(row: list[_Cell]) -> bool:
    texts = [one_line(cell.text) for cell, _columns in _distinct(row) if cell.text.strip()]
    return len(texts) >= 3 and texts == [str(number) for number in range(1, len(texts) + 1)]


@dataclass
class _Header:
    columns: dict[str, tuple[int, ...]]
    end: int  # index of the first row after the header
    title: str  # a roadmap title written in a merged row above the header, if any


def _find_header(rows: list[list[_Cell]]) -> tuple[_Header | None, dict[str, tuple[int, ...]]]:
    """The header among the first rows, and the roadmap columns of the best row that is not one."""
    partial: dict[str, tuple[int, ...]] = {}
    for index, row in enumerate(rows[:HEADER_ROWS]):
        if _has_event_number(row):
            continue
        columns = _classify(row)
        if not _is_roadmap(columns):
            if len(set(columns) - {"number"}) > len(set(partial) - {"number"}):
                partial = columns
            continue
        end = index + 1
        if end < len(rows) and _continues_header(row, rows[end], end):
            combined = [
                cell if _at(rows[end], column).origin in (cell.origin, None)
                else _Cell(f"{cell.text} {_at(rows[end], column).text}", cell.origin)
                for column, cell in enumerate(row)
            ]  # fmt: skip
            two_rows = _classify(combined)
            if _is_roadmap(two_rows) and set(two_rows) >= set(columns):
                columns, end = two_rows, end + 1
        return _Header(columns, end, _title_in_rows(rows[:index])), partial
    return None, partial


def _continues_header(header: list[_Cell], row: list[_Cell], index: int) -> bool:
    """Whether the row under a header is the header's second row: it shares a vertically merged
    cell with it, or sits under a cell merged across columns, and holds only short texts that are
    not numbers."""
    own = [(cell, columns) for cell, columns in _distinct(row) if cell.origin and cell.origin[0] == index]
    texts = [one_line(cell.text) for cell, _columns in own if cell.text.strip()]
    if not texts or any(len(text) > 40 or EVENT_NUMBER.match(text) for text in texts):
        return False
    if _is_numbering_row(row) or any(SECTION_TEXT.match(text) for text in texts):
        return False
    shares = any(_at(header, column).origin == cell.origin for column, cell in enumerate(row) if cell.origin)
    spans = any(len(columns) > 1 for _cell, columns in _distinct(header))
    if len(own) == 1 and len(own[0][1]) > 1 and not shares:
        return False  # one text across the table: a section row, not sub-headers
    return shares or spans


def _title_in_rows(rows: list[list[_Cell]]) -> str:
    texts = [one_line(cell.text) for row in rows for cell, _columns in _distinct(row) if cell.text.strip()]
    for index, text in enumerate(texts):
        if TITLE.match(text):
            return " ".join(texts[index:])
    return ""


@dataclass
class _Line:
    text: str
    heading: bool


@dataclass
class _Roadmap:
    """A roadmap being read, with what its next table needs to continue it."""

    data: RoadmapData
    columns: dict[str, tuple[int, ...]]
    width: int
    numbers: set[str] = field(default_factory=set)
    section: SectionData | None = None
    last_event: EventData | None = None
    last_content: tuple[int, int] | None = None
    last_table: int = 0


class _Reader:
    def __init__(self, document, max_rows: int):
        self.document = document
        self.rows_left = max(0, max_rows)
        self.max_rows = max_rows
        self.warnings: list[str] = []
        self.row_warnings = 0
        self.stopped = False
        self.styles = self._heading_styles()

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def warn_row(self, message: str) -> None:
        """A warning about one row: the first MAX_ROW_WARNINGS are kept, the others counted."""
        if self.row_warnings < MAX_ROW_WARNINGS:
            self.warnings.append(message)
        self.row_warnings += 1

    # The document, block by block.

    def read(self) -> ReadResult:
        roadmaps: list[RoadmapData] = []
        skipped: list[int] = []
        lines: list[_Line] = []
        current: _Roadmap | None = None
        tables = 0
        for block in _children(self.document.element.body, (W_P, W_TBL)):
            if block.tag == W_P:
                heading = self._is_heading(block)
                lines.extend(_Line(one_line(text), heading) for text in _paragraph_text(block).split("\n"))
                continue
            tables += 1
            if tables > MAX_TABLES:
                self.warn(_("Only the first %(count)s tables were read.") % {"count": MAX_TABLES})
                break
            window = [line for line in lines if line.text]
            lines = []
            current = self._table(block, tables, window, current, roadmaps, skipped)
            if self.stopped:
                break
        if not tables:
            raise RoadmapFileError(
                _(
                    "The document has no table. A roadmap is read from a table with the columns of the "
                    "events, the responsible, the deadlines and the results."
                )
            )
        if skipped:
            self.warn(
                _("Tables that are not roadmaps were skipped: %(tables)s.")
                % {"tables": ", ".join(map(str, skipped))}
            )
        kept = []
        for roadmap in roadmaps:
            if roadmap.events:
                kept.append(roadmap)
            else:
                self.warn(
                    _("Table %(table)s has a roadmap header but no events.") % {"table": roadmap.tables[0]}
                )
        if not kept:
            raise RoadmapFileError(
                _(
                    "No table of the document is a roadmap: a roadmap table has a column of events "
                    "(«Мероприятие», «Содержание деятельности») and a column of the responsible, the "
                    "deadlines or the results."
                )
            )
        if self.row_warnings > MAX_ROW_WARNINGS:
            self.warn(
                _("There are %(count)s more warnings about rows like these.")
                % {"count": self.row_warnings - MAX_ROW_WARNINGS}
            )
        return ReadResult(roadmaps=kept, warnings=self.warnings)

    def _table(self, tbl, number, window, current, roadmaps, skipped) -> _Roadmap | None:
        rows = self._rows(tbl, number)
        if not rows:
            return current
        header, partial = _find_header(rows)
        width = self._width(tbl, rows)
        untitled = all(CONTINUATION_NOTE.match(line.text) for line in window)
        if current and untitled and current.last_table == number - 1:
            same_header = header is not None and header.columns == current.columns
            if same_header or (header is None and width == current.width):
                self.warn(
                    _("Table %(table)s continues table %(previous)s: their rows were joined.")
                    % {"table": number, "previous": current.last_table}
                )
                current.data.tables.append(number)
                current.last_table = number
                self._read_rows(rows, header.end if header else 0, current, number)
                return current
        if header is None:
            if "content" in partial:
                self.warn(
                    _(
                        "Table %(table)s was skipped: besides the events it needs a column of the "
                        "responsible, the deadlines or the results."
                    )
                    % {"table": number}
                )
            elif any(name in partial for name in OTHER_FIELDS):
                self.warn(
                    _(
                        "Table %(table)s was skipped: it has no column of events («Мероприятие», "
                        "«Содержание деятельности»)."
                    )
                    % {"table": number}
                )
            else:
                skipped.append(number)
            return None
        title, criteria = self._title_and_criteria(window, header)
        if not title:
            self.warn(_("The roadmap of table %(table)s has no title; give it one.") % {"table": number})
        data = RoadmapData(title=title, years=years_of(title), criteria=criteria, tables=[number])
        roadmap = _Roadmap(data=data, columns=header.columns, width=width, last_table=number)
        roadmaps.append(data)
        self._read_rows(rows, header.end, roadmap, number)
        return roadmap

    def _rows(self, tbl, table: int) -> list[list[_Cell]]:
        """The rows of a table as grids of cells, merged cells repeated in every position they
        cover; stops at the row limit with a warning."""
        rows: list[list[_Cell]] = []
        previous: list[_Cell] = []
        truncated = False
        for index, tr in enumerate(_children(tbl, (W_TR,))):
            if self.rows_left <= 0:
                self.warn(
                    _(
                        "Only the first %(count)s rows were read; the rest, from row %(row)s of table "
                        "%(table)s on, is ignored."
                    )
                    % {"count": self.max_rows, "row": index + 1, "table": table}
                )
                self.stopped = True
                break
            self.rows_left -= 1
            before = _int_value(tr.find(W_TRPR), W_GRID_BEFORE, 0)
            row: list[_Cell] = [EMPTY] * min(max(0, before), MAX_COLUMNS - 1)
            for tc in _children(tr, (W_TC,)):
                column = len(row)
                if column >= MAX_COLUMNS:
                    truncated = True
                    break
                properties = tc.find(W_TCPR)
                span = min(max(1, _int_value(properties, W_GRID_SPAN, 1)), MAX_COLUMNS - column)
                above = _at(previous, column)
                if _merge(properties, W_VMERGE) == "continue" and above.origin is not None:
                    cell = above
                elif _merge(properties, W_HMERGE) == "continue" and row and row[-1].origin is not None:
                    cell = row[-1]
                else:
                    cell = _Cell(_cell_text(tc), (index, column))
                row.extend([cell] * span)
            rows.append(row)
            previous = row
        if truncated:
            self.warn(
                _("Table %(table)s has more than %(count)s columns; the columns past them were ignored.")
                % {"table": table, "count": MAX_COLUMNS}
            )
        return rows

    @staticmethod
    def _width(tbl, rows: list[list[_Cell]]) -> int:
        grid = tbl.find(qn("w:tblGrid"))
        declared = len(grid.findall(qn("w:gridCol"))) if grid is not None else 0
        return min(MAX_COLUMNS, declared or max((len(row) for row in rows[:HEADER_ROWS]), default=0))

    # Titles and criteria.

    def _heading_styles(self) -> set[str]:
        """The ids of the paragraph styles that make a heading or a title."""
        try:
            styles = self.document.styles.element
        except Exception:  # a document without a readable styles part has no heading styles
            return set()
        ids = set()
        for style in styles.iterchildren(qn("w:style")):
            name = style.find(qn("w:name"))
            label = _fold(name.get(W_VAL) or "") if name is not None else ""
            if label.startswith(("heading", "title", "заголовок", "название")):
                ids.add(style.get(qn("w:styleId")))
        return ids

    def _is_heading(self, paragraph) -> bool:
        properties = paragraph.find(qn("w:pPr"))
        style = properties.find(qn("w:pStyle")) if properties is not None else None
        return style is not None and style.get(W_VAL) in self.styles

    def _document_heading(self) -> str:
        for paragraph in _children(self.document.element.body, (W_P,)):
            if self._is_heading(paragraph):
                text = one_line(_paragraph_text(paragraph))
                if text:
                    return text
        try:
            return one_line(self.document.core_properties.title or "")
        except Exception:  # a broken core-properties part has no title
            return ""

    def _title_and_criteria(self, window: list[_Line], header: _Header) -> tuple[str, list[str]]:
        criteria_at = max((i for i, line in enumerate(window) if CRITERIA.match(line.text)), default=None)
        end = len(window) if criteria_at is None else criteria_at
        first = max(0, end - TITLE_LINES)
        title_at = max((i for i in range(first, end) if TITLE.match(window[i].text)), default=None)
        criteria: list[str] = []
        if criteria_at is not None:
            heading = window[criteria_at].text
            inline = heading.split(":", 1)[1] if ":" in heading else ""
            items = [
                *(part for part in inline.split(";")),
                *(line.text for line in window[criteria_at + 1 :]),
            ]
            criteria = [text for text in (one_line(LIST_MARKER.sub("", item)) for item in items) if text]
        if title_at is not None:
            return " ".join(line.text for line in window[title_at : min(end, title_at + 4)]), criteria
        if header.title:
            return header.title, criteria
        headings = [line.text for line in window[first:end] if line.heading]
        return (headings[-1] if headings else self._document_heading()), criteria

    # Rows.

    def _read_rows(self, rows: list[list[_Cell]], start: int, roadmap: _Roadmap, table: int) -> None:
        numbers = roadmap.columns.get("number", ())
        numbered = any(SUB_NUMBER.match(one_line(_at(row, c).text)) for row in rows for c in numbers)
        for index in range(start, len(rows)):
            row = rows[index]
            if not any(cell.text.strip() for cell in row) or _is_numbering_row(row):
                continue
            if not _has_event_number(row) and set(_classify(row)) == set(roadmap.columns):
                continue  # the header repeated
            section = self._section(row, index, roadmap.columns, numbered)
            if section is not None:
                if section.title and not NOTE.match(section.title):
                    if not section.number:
                        section.number = str(sum(1 for s in roadmap.data.sections if s.title) + 1)
                    roadmap.data.sections.append(section)
                    roadmap.section, roadmap.last_event, roadmap.last_content = section, None, None
                continue
            self._event(row, index, roadmap, table)

    def _section(self, row, index, columns, numbered) -> SectionData | None:
        """The section a row opens, or None when it is not a section row."""
        content = columns["content"][0]
        others = {column for name in OTHER_FIELDS for column in columns.get(name, ())}
        filled = [
            (cell, cover)
            for cell, cover in _distinct(row)
            if cell.text.strip() and cell.origin and cell.origin[0] == index
        ]
        if not filled:
            return None
        last, cover = filled[-1]
        before = [one_line(cell.text) for cell, _cover in filled[:-1]]
        merged = content in cover and bool(others & set(cover))
        if merged and len(before) <= 1 and not (before and SUB_NUMBER.match(before[0])):
            if before and len(before[0]) <= 12:
                return SectionData(_section_number(before[0]), one_line(last.text))
            if not before:
                return _section_of_text(last.text)
            return None
        if any(others & set(cover) for _cell, cover in filled) or len(filled) > 2:
            return None
        allowed = {0, 1, content, *columns.get("number", ())}
        if not all(set(cover) <= allowed for _cell, cover in filled):
            return None
        texts = [one_line(cell.text) for cell, _cover in filled]
        if len(texts) == 2 and numbered and BARE_SECTION_NUMBER.match(texts[0]):
            return SectionData(_section_number(texts[0]), texts[1])
        if len(texts) == 1 and SECTION_TEXT.match(texts[0]):
            return _section_of_text(texts[0])
        return None

    def _event(self, row, index, roadmap: _Roadmap, table: int) -> None:
        values = self._values(row, roadmap.columns)
        content_cells = [_at(row, column) for column in roadmap.columns["content"]]
        content_origin = next((cell.origin for cell in content_cells if cell.text.strip()), None)
        event = roadmap.last_event
        if (
            event is not None
            and content_origin is not None
            and content_origin[0] < index
            and content_origin == roadmap.last_content
        ):  # the event's cell is merged down over this row: more deadlines, results or responsible
            own = self._values(row, roadmap.columns, own_row=index)
            for name in OTHER_FIELDS:
                text = one_line(own.get(name, "")) if name == "deadline" else own.get(name, "")
                if text and text not in getattr(event, name):
                    joined = "; " if name == "deadline" else "\n"
                    setattr(event, name, f"{getattr(event, name)}{joined}{text}".strip("; \n"))
            event.responsible_names = split_responsible(event.responsible)
            return
        if not values.get("content"):
            if any(values.get(name) for name in ("number", *OTHER_FIELDS)):
                self.warn_row(
                    _("Table %(table)s, row %(row)s has no event text; the row was skipped.")
                    % {"table": table, "row": index + 1}
                )
            return
        section = roadmap.section
        if section is None:
            section = roadmap.section = SectionData(number="", title="")
            roadmap.data.sections.append(section)
        number = one_line(values.get("number", "")).rstrip(". ")
        if not number:
            number = _next_number(section)
            self.warn_row(
                _("Table %(table)s, row %(row)s: the event has no number; it was numbered %(number)s.")
                % {"table": table, "row": index + 1, "number": number}
            )
        elif number in roadmap.numbers:
            self.warn_row(
                _("Table %(table)s, row %(row)s: the number %(number)s repeats an earlier event's.")
                % {"table": table, "row": index + 1, "number": number}
            )
        roadmap.numbers.add(number)
        responsible = values.get("responsible", "")
        event = EventData(
            number=number,
            content=values["content"],
            responsible=responsible,
            responsible_names=split_responsible(responsible),
            deadline=one_line(values.get("deadline", "")),
            result=values.get("result", ""),
            row=index + 1,
            table=table,
        )
        section.events.append(event)
        roadmap.last_event, roadmap.last_content = event, content_origin

    @staticmethod
    def _values(row, columns, own_row: int | None = None) -> dict[str, str]:
        """Field → its text in the row. A cell merged across the columns of several fields counts
        for the leftmost; with `own_row`, only the cells that begin in that row count."""
        owner: dict[tuple[int, int], str] = {}
        parts: dict[str, list[str]] = {}
        for column, name in sorted((c, name) for name, cs in columns.items() for c in cs):
            cell = _at(row, column)
            if cell.origin is None or cell.origin in owner or not cell.text.strip():
                continue
            owner[cell.origin] = name
            if own_row is None or cell.origin[0] == own_row:
                parts.setdefault(name, []).append(_lines(cell.text))
        return {name: SEPARATORS[name].join(texts) for name, texts in parts.items()}


def _section_number(text: str) -> str:
    match = BARE_SECTION_NUMBER.match(text)
    return match[1] if match else text.rstrip(". ")


def _section_of_text(text: str) -> SectionData:
    """«1. Нормативно-правовое обеспечение», «Раздел 2. …», or a title alone."""
    text = one_line(text)
    match = SECTION_TEXT.match(text)
    if match and not SUB_NUMBER.match(text.split(" ", 1)[0]):
        return SectionData(match[1] or match[2], match[3].strip())
    return SectionData("", text)


def _next_number(section: SectionData) -> str:
    if section.events:
        match = re.match(r"^(.*?)(\d+)(\D*)$", section.events[-1].number)
        if match:
            return f"{match[1]}{int(match[2]) + 1}"
    if section.number:
        return f"{section.number}.{len(section.events) + 1}"
    return str(len(section.events) + 1)
