"""The import_data_values and export_indicator_values commands."""

import csv
import io
import json
import os
import subprocess
import sys

import openpyxl
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation

from indicators.models import DataValue
from tests.indicators.factories import make_element, make_indicator, make_period, put

HEADER = "организация;период;элемент;значение\n"


@pytest.fixture
def dpo(world):
    period = make_period("2025")
    total = make_element(world.municipality, "teachers_total")
    trained = make_element(world.municipality, "teachers_dpo")
    share = make_indicator(world.municipality, "2.3.1", "teachers_dpo", "teachers_total")
    return world, period, total, trained, share


def write(tmp_path, text: str, name="values.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def good_file(tmp_path, world):
    return write(
        tmp_path,
        HEADER
        + f"{world.school.short_name};2025;teachers_total;40\n"
        + f"{world.school.short_name};2025;teachers_dpo;30\n",
    )


def run(*args) -> tuple[dict, str]:
    out = io.StringIO()
    with translation.override("en"):
        call_command(*args, stdout=out)
    return json.loads(out.getvalue()), out.getvalue()


def test_import_prints_the_summary_and_writes(dpo, tmp_path, django_capture_on_commit_callbacks):
    world, period, total, trained, share = dpo
    path = good_file(tmp_path, world)
    with django_capture_on_commit_callbacks(execute=True):
        summary, _text = run("import_data_values", str(path), "--municipality", "ishim")
    assert summary == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0, "errors": []}
    assert DataValue.objects.count() == 2
    assert share.values.get(organization=world.school).value == 75

    summary, _text = run("import_data_values", str(path), "--municipality", "ishim")
    assert summary == {"rows": 2, "created": 0, "updated": 0, "unchanged": 2, "errors": []}


def test_dry_run_writes_nothing(dpo, tmp_path):
    world, *_rest = dpo
    summary, _text = run(
        "import_data_values", str(good_file(tmp_path, world)), "--municipality", "ishim", "--dry-run"
    )
    assert summary["created"] == 2
    assert not DataValue.objects.exists()


def test_a_bad_file_is_refused_with_its_lines(dpo, tmp_path):
    world, *_rest = dpo
    path = write(tmp_path, HEADER + ";2025;teachers_total;40\nСОШ №99;2025;teachers_total;1\n;2025;nope;1\n")
    out = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError) as error:
        call_command("import_data_values", str(path), "--municipality", "ishim", stdout=out)
    assert str(error.value).splitlines() == [
        "Row 3: there is no organization «СОШ №99» in Ишимбайский район.",
        "Row 4: Ишимбайский район has no data element «nope».",
    ]
    printed = json.loads(out.getvalue())
    assert printed["rows"] == 3 and printed["created"] == 0 and len(printed["errors"]) == 2
    assert not DataValue.objects.exists()


def test_a_missing_file_or_municipality_is_a_command_error(dpo, tmp_path):
    world, *_rest = dpo
    with pytest.raises(CommandError):
        call_command("import_data_values", str(tmp_path / "absent.csv"), "--municipality", "ishim")
    with pytest.raises(CommandError):
        call_command("import_data_values", str(good_file(tmp_path, world)), "--municipality", "nowhere")


@pytest.fixture
def computed(dpo, django_capture_on_commit_callbacks):
    world, period, total, trained, share = dpo
    with django_capture_on_commit_callbacks(execute=True):
        put(total, world.school, period, 40)
        put(trained, world.school, period, 30)
    return world, period, share


def test_export_csv_and_json_go_to_standard_output(computed):
    world, period, share = computed
    out = io.StringIO()
    with translation.override("en"):
        call_command("export_indicator_values", "--municipality", "ishim", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue()), delimiter=";"))
    assert rows[0][0] == "Indicator code (indicator)"
    assert rows[1][:7] == ["2.3.1", "2.3.1", "2025", "municipality", "30", "40", "75"]

    out = io.StringIO()
    call_command(
        "export_indicator_values",
        "--municipality",
        "ishim",
        "--format",
        "json",
        "--period",
        "2025",
        "--indicator",
        "2.3.1",
        stdout=out,
    )
    objects = json.loads(out.getvalue())
    assert [item["organization"] for item in objects] == ["муниципалитет", world.school.short_name]


def test_export_xlsx_needs_an_output_file(computed, tmp_path):
    with pytest.raises(CommandError):
        call_command("export_indicator_values", "--municipality", "ishim", "--format", "xlsx")
    path = tmp_path / "values.xlsx"
    call_command(
        "export_indicator_values", "--municipality", "ishim", "--format", "xlsx", "--output", str(path)
    )
    sheet = openpyxl.load_workbook(path).active
    assert sheet.cell(row=2, column=7).value == 75


@pytest.mark.parametrize(
    "args",
    [["--period", "2025-Q9"], ["--period", "2099"], ["--indicator", "9.9"], ["--municipality", "nowhere"]],
)
def test_export_refuses_unknown_codes(computed, args):
    base = ["--municipality", "ishim"]
    with pytest.raises(CommandError):
        call_command("export_indicator_values", *base, *args, stdout=io.StringIO())


def test_a_real_run_on_a_bad_file_exits_non_zero_without_a_traceback(tmp_path):
    """A real process on its own SQLite database: migrated, one municipality, a file with a bad row."""
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    assert manage("migrate", "-v0").returncode == 0
    created = manage(
        "shell",
        "-c",
        "from mcok.models import Municipality; Municipality.objects.create(name='Район', slug='r')",
    )
    assert created.returncode == 0, created.stderr
    path = write(tmp_path, HEADER + ";2025;teachers_total;40\n")
    result = manage("import_data_values", str(path), "--municipality", "r")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "CommandError" in result.stderr and "teachers_total" in result.stderr
    assert json.loads(result.stdout)["errors"]
