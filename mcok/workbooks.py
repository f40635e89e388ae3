"""Reading the rows of an uploaded workbook within bounds.

openpyxl in read-only mode pads every row it returns out to the last column the row (or the
sheet's dimension) reaches: one stray cell at column XFD makes each row a tuple of 16,384 cells,
so a 52 KB workbook of such rows cost 1.5 GB. Every reader of an uploaded sheet therefore reads its
rows through `rows`, which asks openpyxl for no more columns than the header has (or than a known
template width), whatever the file holds further right. A 100,000-row sheet whose cells reach XFD
reads in a few megabytes (tests/test_workbook_bounds.py).

The archive itself (its size, its compression ratio, macros) is checked before the workbook is
opened, by mcok.uploads (archive_problem, workbook_problem); this module bounds
only what is read from an opened sheet.
"""

from collections.abc import Callable, Iterator, Sequence
from typing import Any

Cells = tuple[Any, ...]


class TooManyRows(ValueError):
    """The sheet has more rows than the reader's limit; the reader says so in its own words."""


class TooManyColumns(ValueError):
    """The header reaches further right than the reader's width; the reader says so in its own words."""

    def __init__(self, width: int):
        super().__init__(width)
        self.width = width


def is_blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _first_filled(cells: Sequence[Any]) -> bool:
    """The default header: the first row with anything in it."""
    return not all(is_blank(cell) for cell in cells)


def _filled_width(cells: Sequence[Any]) -> int:
    """The column number of the last non-empty cell (0 for an empty row)."""
    for index in range(len(cells) - 1, -1, -1):
        if not is_blank(cells[index]):
            return index + 1
    return 0


def rows(
    sheet,
    *,
    width: int,
    limit: int | None = None,
    header: Callable[[Cells], bool] | None = _first_filled,
    blank: bool = False,
    spare: int = 0,
) -> Iterator[tuple[int, Cells]]:
    """(Excel row number, cell values) of the rows of a read-only sheet, never wider than `width`.

    width: the most columns read, the reader's ceiling (a known template's width, or the most
        columns it accepts).
    header: which row is the header (by default the first non-empty one). The rows up to and
        including it are read `width` wide; the header then reaches as far right as its last
        non-empty cell, and every row after it is read only that wide. If the header has a
        non-empty cell beyond `width`, TooManyColumns is raised. None: no header, every row is
        read `width` wide (a reader that finds its header itself).
    limit: the most rows yielded (the header included); if the sheet has one more to yield,
        TooManyRows is raised instead. None: the reader counts for itself, as it goes.
    blank: whether rows with nothing in them are yielded too (a reader that numbers rows by their
        place in a list); by default they are skipped.
    spare: columns read beyond the header's last one, for a reader that tells a row with more
        cells than its header.

    Rows are produced one at a time: nothing of the sheet is held here, so a reader that checks
    its limit as it goes never holds more than the limit. The sheet's stated dimensions are
    ignored (reset), so a file that lies about its size is read as it is.
    """
    if hasattr(sheet, "reset_dimensions"):  # a read-only sheet; a sheet in memory knows its size
        sheet.reset_dimensions()
    yielded = 0
    narrowed_from: int | None = None  # the first row read at the header's width

    def take(number: int, cells: Cells) -> bool:
        nonlocal yielded
        if not blank and all(is_blank(cell) for cell in cells):
            return False
        if limit is not None and yielded >= limit:
            raise TooManyRows(limit)
        yielded += 1
        return True

    for number, cells in enumerate(sheet.iter_rows(values_only=True, max_col=width), start=1):
        cells = tuple(cells)
        if header is not None and header(cells):
            real = _header_width(sheet, number)
            if real > width:
                raise TooManyColumns(width)
            if take(number, cells[:real] if real else cells):
                yield number, (cells[:real] if real else cells)
            narrowed_from = number + 1
            width = max(real, 1) + spare
            break
        if take(number, cells):
            yield number, cells
    if narrowed_from is None:
        return
    # openpyxl cannot narrow a generator it has started: the rows after the header are read anew,
    # from the header on, as wide as the header. The rows before it are only parsed and skipped.
    for number, cells in enumerate(
        sheet.iter_rows(min_row=narrowed_from, values_only=True, max_col=width), start=narrowed_from
    ):
        cells = tuple(cells)
        if take(number, cells):
            yield number, cells


def _header_width(sheet, number: int) -> int:
    """How far right the header row really reaches: that one row is read without a bound (a few
    hundred kilobytes at the worst, column XFD), so a header wider than the reader accepts is told
    apart from one whose far cells are merely ignored."""
    for cells in sheet.iter_rows(min_row=number, max_row=number, values_only=True):
        return _filled_width(cells)
    return 0
