"""python manage.py fioko_indices: the indices of a JSON or XLSX file, or a clear refusal."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

HERE = Path(__file__).parent
EXAMPLE = HERE / "example_positions.json"
EXPECTED = HERE / "example_positions.expected.json"
RUSSIAN_HEADERS = ["блок", "направление", "компонент", "код", "максимум", "балл", "частичный цикл"]


def run(path: Path | str) -> str:
    out = StringIO()
    call_command("fioko_indices", str(path), stdout=out)
    return out.getvalue()


def refusal(path: Path | str) -> str:
    """The command's message for a wrong file, in English (the msgids)."""
    with translation.override("en"), pytest.raises(CommandError) as error:
        run(path)
    return str(error.value)


def example() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def write_json(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "positions.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def write_xlsx(tmp_path: Path, rows: list[list[object]], headers: list[str] = RUSSIAN_HEADERS) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    workbook.create_sheet("Notes").append(["ignored: only the first sheet is read"])
    path = tmp_path / "positions.xlsx"
    workbook.save(path)
    return path


def example_rows() -> list[list[object]]:
    """The example as sheet rows: numbers as numbers, one decimal typed as text with a comma, an
    unscored position as an empty cell, «да» in the partial-cycle column of the partial direction."""
    data = example()
    rows = []
    for position in data["positions"]:
        numbers = [
            None if v is None else (float(v) if "." in str(v) else v)
            for v in (position["max"], position["score"])
        ]
        if position["code"] == "2.1.4":
            numbers[0] = "1,5"
        partial = "да" if position["direction"] in data["partial"] else None
        rows.append(
            [
                position["block"],
                position["direction"],
                position["component"],
                position["code"],
                *numbers,
                partial,
            ]
        )
    return rows


def test_example_gives_the_expected_indices():
    assert run(EXAMPLE) == EXPECTED.read_text(encoding="utf-8")


def test_expected_indices_match_the_hand_calculation():
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    # 1.1, all nine components (score / max):
    #   goals 2+1 / 2+1 = 3/3; indicators 1/2; methods 2/2; monitoring 2+0.5 / 3+1 = 2.5/4;
    #   analysis 1+1 / 2+1 = 2/3; recommendations 0/2; measures 3/3; decisions 1/2; effectiveness 0/2
    #   → 14.5 / 23 = 63.04 % → 63.0
    assert expected["components"]["1.1"] == {
        "goals": {"score": 3, "max": 3, "percent": 100.0},
        "indicators": {"score": 1, "max": 2, "percent": 50.0},
        "methods": {"score": 2, "max": 2, "percent": 100.0},
        "monitoring": {"score": 2.5, "max": 4, "percent": 62.5},
        "analysis": {"score": 2, "max": 3, "percent": 66.7},
        "recommendations": {"score": 0, "max": 2, "percent": 0.0},
        "measures": {"score": 3, "max": 3, "percent": 100.0},
        "decisions": {"score": 1, "max": 2, "percent": 50.0},
        "effectiveness": {"score": 0, "max": 2, "percent": 0.0},
    }
    # 1.2: 1+1+2+1+2+0+1 = 8 / 2+1+2+2+2+1+2 = 12 → 66.7; 1.3: 1+1+1+2+unscored = 5 / 1+2+2+2+2 = 9
    # → 55.6; 2.1: 2+2+1+1.5+1 = 7.5 / 2+2+2+1.5+2 = 9.5 → 78.9; 2.3 (partial, only measures,
    # decisions, effectiveness): 2+2+0 = 4 / 3+2+2 = 7 → 57.1.
    assert expected["directions"] == {
        "1.1": {"score": 14.5, "max": 23, "percent": 63.0},
        "1.2": {"score": 8, "max": 12, "percent": 66.7},
        "1.3": {"score": 5, "max": 9, "percent": 55.6},
        "2.1": {"score": 7.5, "max": 9.5, "percent": 78.9},
        "2.3": {"score": 4, "max": 7, "percent": 57.1},
    }
    # Block 1: 14.5+8+5 = 27.5 / 23+12+9 = 44 → 62.5; block 2: 7.5+4 = 11.5 / 9.5+7 = 16.5 → 69.70
    # → 69.7; total 27.5+11.5 = 39 / 44+16.5 = 60.5 → 64.46 → 64.5.
    assert expected["blocks"] == {
        "1": {"score": 27.5, "max": 44, "percent": 62.5},
        "2": {"score": 11.5, "max": 16.5, "percent": 69.7},
    }
    assert expected["total"] == {"score": 39, "max": 60.5, "percent": 64.5}
    assert list(expected["components"]["2.3"]) == ["measures", "decisions", "effectiveness"]


def test_an_xlsx_with_russian_headers_gives_the_same(tmp_path):
    assert run(write_xlsx(tmp_path, example_rows())) == EXPECTED.read_text(encoding="utf-8")


def test_an_xlsx_with_english_headers_and_columns_in_another_order(tmp_path):
    rows = [[r[5], r[4], r[3], r[2], r[1], r[0]] for r in example_rows() if r[1] != "2.3"]
    path = write_xlsx(tmp_path, rows, headers=["Score", "Max", "Code", "Component", "Direction", "Block"])
    data = json.loads(run(path))
    assert list(data["directions"]) == ["1.1", "1.2", "1.3", "2.1"]
    assert data["blocks"]["1"] == {"score": 27.5, "max": 44, "percent": 62.5}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["positions"][0].update(score=3),
            "Position no. 1 (1.1.1): the score 3 is above the maximum 2.",
        ),
        (
            lambda d: d["positions"][2].update(component="indicator"),
            "Position no. 3 (1.1.3): unknown component «indicator»;",
        ),
        (lambda d: d["positions"][3].pop("max"), "Position no. 4 (1.1.4): «max» is missing."),
        (
            lambda d: d["positions"][3].pop("score"),
            "Position no. 4 (1.1.4): «score» is missing; write null for a position not yet scored.",
        ),
        (lambda d: d["positions"][4].update(max=None), "Position no. 5 (1.1.5): «max» is empty."),
        (
            lambda d: d["positions"][4].update(max="три"),
            "Position no. 5 (1.1.5): «max» must be a number, not «три».",
        ),
        (
            lambda d: d["positions"][5].update(max=True),
            "Position no. 6 (1.1.6): «max» must be a number, not «True».",
        ),
        (lambda d: d["positions"][6].update(max=-2), "Position no. 7 (1.1.7): the maximum −2 is negative."),
        (lambda d: d["positions"][7].pop("code"), "Position no. 8: «code» is empty."),
        (
            lambda d: d["positions"][8].update(code="1.1.1"),
            "Position no. 9 (1.1.1): code 1.1.1 appears twice",
        ),
        (
            lambda d: d["positions"][13].update(block="2"),
            "Position no. 14 (1.2.2): direction 1.2 is put under block 2, but position 1.2.1 puts it under "
            "block 1.",
        ),
        (lambda d: d["positions"].__setitem__(1, "1.1.2"), "Position no. 2: a position must be an object"),
        (lambda d: d.update(partial="2.3"), "«partial» must be a list of direction codes."),
        (lambda d: d.pop("positions"), "the JSON must be an object with a list «positions»."),
        (lambda d: d.update(positions=[]), "holds no positions."),
    ],
)
def test_a_wrong_json_is_refused_naming_the_position_and_the_problem(tmp_path, change, message):
    data = example()
    change(data)
    assert message in refusal(write_json(tmp_path, data))


def test_a_json_with_a_number_in_a_text_field_and_decimals_as_text_is_read(tmp_path):
    data = {
        "positions": [
            {"block": 1, "direction": "1.1", "component": "Goals", "code": "1", "max": "2,5", "score": 1}
        ]
    }
    assert json.loads(run(write_json(tmp_path, data)))["total"] == {"score": 1, "max": 2.5, "percent": 40.0}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "is not a JSON file"),
        (b"\xff\xfe\x00garbage", "is not a JSON file"),
        (b'{"positions": [{"max": NaN}]}', "is not a JSON file"),
        (b"[1, 2]", "the JSON must be an object with a list «positions»."),
    ],
)
def test_a_file_that_is_not_our_json_is_refused(tmp_path, content, message):
    path = tmp_path / "positions.json"
    path.write_bytes(content)
    assert message in refusal(path)


def test_a_missing_file_is_refused(tmp_path):
    assert refusal(tmp_path / "nothing.json") == f"File {tmp_path / 'nothing.json'} does not exist."
    assert refusal(tmp_path) == f"{tmp_path} is not a file."


def test_a_file_over_10_mb_is_refused_unread(tmp_path):
    path = tmp_path / "big.xlsx"
    with path.open("wb") as file:
        file.truncate(10 * 1024 * 1024 + 1)
    assert refusal(path) == f"{path} is larger than 10 MB."


def set_cell(rows: list[list[object]], code: str, column: int, value: object) -> list[list[object]]:
    for row in rows:
        if row[3] == code:
            row[column] = value
    return rows


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            set_cell(example_rows(), "1.1.4", 4, "два"),
            "Row 5 (position 1.1.4): «максимум» must be a number, not «два».",
        ),
        (set_cell(example_rows(), "1.1.4", 4, None), "Row 5 (position 1.1.4): «максимум» is empty."),
        (
            set_cell(example_rows(), "1.1.1", 5, 3),
            "Row 2 (position 1.1.1): the score 3 is above the maximum 2.",
        ),
        (set_cell(example_rows(), "1.1.3", 2, "цели"), "Row 4 (position 1.1.3): unknown component «цели»;"),
        (set_cell(example_rows(), "1.1.3", 6, "может быть"), "Row 4 (position 1.1.3): write «да» or «yes»"),
        (set_cell(example_rows(), "1.1.3", 3, None), "Row 4: «код» is empty."),
    ],
)
def test_a_wrong_xlsx_is_refused_naming_the_row_and_the_problem(tmp_path, rows, message):
    assert message in refusal(write_xlsx(tmp_path, rows))


def test_an_xlsx_without_a_needed_column_is_refused(tmp_path):
    path = write_xlsx(tmp_path, [row[:5] for row in example_rows()], headers=RUSSIAN_HEADERS[:5])
    assert "lacks the columns «балл» / «score»." in refusal(path)


def test_an_xlsx_with_a_column_twice_is_refused(tmp_path):
    path = write_xlsx(tmp_path, [], headers=[*RUSSIAN_HEADERS, "Max"])
    assert "the column «Max» appears twice in the first row." in refusal(path)


def test_a_file_that_is_not_an_xlsx_is_refused(tmp_path):
    path = tmp_path / "positions.xlsx"
    path.write_text("block;direction\n1;1.1\n", encoding="utf-8")
    assert "is not a readable XLSX file" in refusal(path)


def test_many_problems_are_cut_short(tmp_path):
    rows = [["1", "1.1", "goals", f"1.1.{n}", 1, 2, None] for n in range(1, 31)]
    lines = refusal(write_xlsx(tmp_path, rows)).splitlines()
    assert len(lines) == 21
    assert lines[0] == "Row 2 (position 1.1.1): the score 2 is above the maximum 1."
    assert lines[-1] == "…and 10 more problems."


def test_a_real_run_on_a_broken_file_exits_non_zero_without_a_traceback(tmp_path):
    data = example()
    data["positions"][0]["score"] = 3
    path = write_json(tmp_path, data)
    result = subprocess.run(
        [sys.executable, "manage.py", "fioko_indices", str(path)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "1.1.1" in result.stderr and "CommandError" in result.stderr
    assert result.stdout == ""
