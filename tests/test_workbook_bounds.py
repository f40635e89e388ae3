"""Every reader of an uploaded workbook reads its rows within bounds (issue 18, item 5).

openpyxl in read-only mode pads each row out to the last column present: a sparse sheet with one
cell at column XFD on every row made each row a tuple of 16,384 cells, and a 52 KB workbook cost
1.5 GB of one web worker. Each reader is fed a 100,000-row workbook whose cells reach column XFD,
in a fresh process (ru_maxrss is a high-water mark), and that process's peak may grow by less
than 200 MB: the reader refuses the file with a Russian message or reads it within bounds.
The helper every reader uses, mcok.workbooks.rows, is tested on small sheets below.
"""

import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core import signing
from openpyxl import Workbook, load_workbook

from mcok import workbooks
from monitoring import spreadsheets

ROOT = Path(__file__).resolve().parent.parent
ROWS = 100_000
LAST_COLUMN = "XFD"  # column 16,384, the last a sheet has
PEAK_GROWTH_LIMIT_MB = 200
APP_DIRECTORIES = ("mcok", "directions", "indicators", "monitoring", "roadmaps", "reports")


def sparse_workbook() -> bytes:
    """A workbook of ROWS rows, each with a number in column A and one at column XFD, about 1 MB.

    The header row (Google Forms' «Отметка времени», the template's code and answer columns) and
    the template's signed sheet are written by openpyxl in write-only mode; the data rows are
    spliced into its sheet XML, as writing 100,000 rows padded to XFD through openpyxl takes about
    a minute. A second sheet «mcok» signs the workbook as the template of submission 1 of
    collection 1."""
    workbook = Workbook(write_only=True)
    data = workbook.create_sheet("Ответы")
    data.append(["Отметка времени", spreadsheets.CODE_HEADER, "Ответ"])
    meta = workbook.create_sheet(spreadsheets.META_SHEET)
    meta.append(["check", signing.Signer(salt=spreadsheets.SIGNER_SALT).sign("1.1")])
    meta.append(["answer_header", "Ответ"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = "".join(
        f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="{LAST_COLUMN}{n}"><v>{n % 997}</v></c></row>'
        for n in range(2, ROWS + 1)
    )
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            part = source.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                part = part.replace(b"</sheetData>", rows.encode() + b"</sheetData>", 1)
                assert rows[:20].encode() in part
            target.writestr(entry.filename, part)
    return result.getvalue()


# The child: Django set up, the file read, then one reader called; it prints its own peak before and
# after, the reader's outcome and whether that outcome was the «cannot be read» refusal (what a
# MemoryError inside a reader turns into). Its address space is capped so that a reader that does
# blow up (the code before this fix) fails fast instead of taking the machine's memory.
CHILD = r"""
import json, os, resource, sys, time, types

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django

django.setup()
from django.core.exceptions import ValidationError
from django.utils import translation
from directions import imports as positions, responsibility_reader
from indicators import imports as data_values
from monitoring import imports as google_forms, spreadsheets
from roadmaps import docx_reader, imports as roadmap_files

reader, path = sys.argv[1], sys.argv[2]
content = open(path, "rb").read()
translation.activate("ru")
unreadable = translation.gettext(
    "The workbook cannot be read. Open it in Excel, save it as .xlsx and try again."
)
spreadsheets.services.form_questions = lambda form: ([], [])  # no database: no questions
submission = types.SimpleNamespace(pk=1, campaign_id=1, campaign=types.SimpleNamespace(form=None))
calls = {
    "positions": lambda: positions._sheet_rows(__import__("io").BytesIO(content)),
    "data_values": lambda: data_values._xlsx_rows(content),
    "google_forms": lambda: google_forms.read_responses(content, "responses.xlsx"),
    "template": lambda: spreadsheets.template_answers(content, submission),
    "roadmaps": lambda: roadmap_files.read_xlsx(content),
    "responsibility": lambda: responsibility_reader.read_xlsx(content),
}
vm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmSize:"))
cap = vm * 1024 + 1536 * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.monotonic()
try:
    result = calls[reader]()
    outcome = "read " + type(result).__name__ + (f" of {len(result)}" if isinstance(result, list) else "")
except (ValidationError, docx_reader.RoadmapFileError, responsibility_reader.ResponsibilityFileError) as e:
    outcome = " ".join(getattr(e, "messages", [str(e)]))
except MemoryError:
    outcome = "MemoryError"
seconds = time.monotonic() - started
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({
    "growth_mb": (after - before) / 1024, "outcome": outcome, "seconds": seconds,
    "unreadable": outcome == unreadable,
}))
"""

READERS = ("positions", "data_values", "google_forms", "template", "roadmaps", "responsibility")


@pytest.fixture(scope="module")
def sparse_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("workbooks") / "sparse.xlsx"
    path.write_bytes(sparse_workbook())
    return path


def test_the_workbook_is_what_the_finding_describes(sparse_file):
    """About a megabyte, compressed well under the ratio the upload check refuses (so every reader
    opens it), ROWS rows, each reaching column XFD."""
    content = sparse_file.read_bytes()
    assert len(content) < 2 * 1024 * 1024
    from directions.imports import archive_problem

    assert archive_problem(io.BytesIO(content)) is None
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    last = next(sheet.iter_rows(min_row=ROWS, max_row=ROWS, values_only=True), None)
    assert last is not None and len(last) == 16_384 and last[0] == ROWS and last[-1] == ROWS % 997


@pytest.mark.parametrize("reader", READERS)
def test_a_sparse_sheet_reaching_xfd_reads_within_bounds(sparse_file, reader):
    finished = subprocess.run(
        [sys.executable, "-c", CHILD, reader, str(sparse_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    report = json.loads(finished.stdout.strip().splitlines()[-1])
    assert report["growth_mb"] < PEAK_GROWTH_LIMIT_MB, report
    assert report["outcome"] != "MemoryError" and not report["unreadable"], report
    if not report["outcome"].startswith("read "):
        assert re.search("[а-яё]", report["outcome"], re.IGNORECASE), report  # a Russian refusal
    assert report["seconds"] < 20, report


def test_no_reader_calls_openpyxl_rows_unbounded():
    """openpyxl's rows are read through mcok.workbooks.rows, or at least with max_col: a loop over
    a sheet's iter_rows, .rows or .values without a bound is the blow-up this file is about."""
    unbounded = []
    for directory in APP_DIRECTORIES:
        for path in (ROOT / directory).rglob("*.py"):
            if path.relative_to(ROOT).as_posix() == "mcok/workbooks.py" or "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            for match in re.finditer(r"\.iter_rows\(([^)]*)\)", text):
                if "max_col" not in match.group(1):
                    unbounded.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
            for match in re.finditer(r"\b(sheet|ws|worksheet)\.(rows|values)\b(?!\()", text):
                unbounded.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert unbounded == []


# The helper ---------------------------------------------------------------------------------------


def _sheet(rows: list[list]) -> object:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("s")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return load_workbook(io.BytesIO(buffer.getvalue()), read_only=True).worksheets[0]


def _far(*values, at: int = 16_384) -> list:
    """A row with `values` from column A and one more value at column `at`."""
    row = list(values) + [None] * (at - 1 - len(values)) + ["far"]
    return row


def test_rows_are_as_wide_as_the_header():
    sheet = _sheet([[None], ["a", "b", None, "c"], _far(1, 2), [], [3, None, None, None, 5]])
    assert list(workbooks.rows(sheet, width=10)) == [
        (2, ("a", "b", None, "c")),
        (3, (1, 2, None, None)),
        (5, (3, None, None, None)),
    ]


def test_a_spare_column_shows_a_row_longer_than_the_header():
    sheet = _sheet([["a", "b"], [1, 2, 3, 4]])
    assert list(workbooks.rows(sheet, width=10, spare=1)) == [(1, ("a", "b")), (2, (1, 2, 3))]


def test_a_header_wider_than_the_reader_accepts_is_refused():
    sheet = _sheet([_far("a", "b")])
    with pytest.raises(workbooks.TooManyColumns):
        list(workbooks.rows(sheet, width=300))


def test_the_limit_counts_the_rows_yielded():
    sheet = _sheet([["a"], [1], [2], [3]])
    read = workbooks.rows(sheet, width=5, limit=3)
    assert [number for number, _cells in [next(read), next(read), next(read)]] == [1, 2, 3]
    with pytest.raises(workbooks.TooManyRows):
        next(read)


def test_without_a_header_every_row_is_read_at_the_width_blank_ones_too():
    sheet = _sheet([["title"], [], _far("x", at=40)])
    assert list(workbooks.rows(sheet, width=3, header=None, blank=True)) == [
        (1, ("title", None, None)),
        (2, (None, None, None)),
        (3, ("x", None, None)),
    ]


def test_a_header_found_further_down_narrows_the_rows_after_it():
    sheet = _sheet([_far("note", at=20), ["q", "code"], _far("a", "b", at=20)])
    found = list(workbooks.rows(sheet, width=30, header=lambda cells: "code" in cells))
    before_header = ("note",) + (None,) * 18 + ("far",) + (None,) * 10  # read 30 wide
    assert found == [(1, before_header), (2, ("q", "code")), (3, ("a", "b"))]
