"""A list page: rows the user may see, filtered, sorted by a column, paged, and downloadable as XLSX
with the same filter and order.

Sorting: a view names the columns that sort (`sorts`: key → the model fields they order by, or
Natural(field) for a column of codes) and
the headers of its template use the tag `{% sort_header "key" label %}` (mcok/templatetags/lists.py),
which links «?sort=key» and then «?sort=-key» (descending), keeping the filter. An unknown key is
ignored: the list keeps its own order. The primary key closes every order, so pages never overlap.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from mcok import exports
from mcok.sorting import natural_key

PAGE_SIZE = 50


@dataclass
class Columns:
    """The XLSX columns of a list: headers and how a row's cells are read from a record."""

    headers: Sequence[str]
    cells: Callable[[Model], Sequence[exports.Cell]]


SORT_PARAM = "sort"


@dataclass(frozen=True)
class Natural:
    """A column of codes sorted in their natural order («2.3.2» before «2.3.10», «П9» before «П10»),
    which no database sorts: the filtered rows' ids and codes are read in one query of two columns
    and sorted here (mcok.sorting.natural_key); the page then reads only its own rows."""

    field: str


@dataclass
class Sorting:
    """The order a list page shows: the chosen column (`key`, "" for the list's own order), whether
    descending, the sortable columns, and the page's query without the order and the page."""

    sorts: Mapping[str, "Sequence[str] | Natural"] = field(default_factory=dict)
    key: str = ""
    descending: bool = False
    query: str = ""

    @property
    def param(self) -> str:
        """The current value of ?sort=, for the filter form to keep."""
        if not self.key:
            return ""
        return f"-{self.key}" if self.descending else self.key

    @property
    def natural(self) -> "Natural | None":
        spec = self.sorts.get(self.key)
        return spec if isinstance(spec, Natural) else None

    def order_by(self) -> list[str]:
        fields = self.sorts.get(self.key, ())
        if not self.descending:
            return [*fields, "pk"]
        return [name[1:] if name.startswith("-") else f"-{name}" for name in fields] + ["-pk"]


def sorting_from(
    request: HttpRequest, sorts: Mapping[str, "Sequence[str] | Natural"] | None, default: str = ""
) -> Sorting:
    """The order asked by ?sort=key or ?sort=-key, when `key` is one of `sorts`; else `default`
    (a key, "-key" for descending, "" for the list's own order)."""
    sorts = sorts or {}
    wanted = request.GET.get(SORT_PARAM, "")[:100]
    if wanted.lstrip("-") not in sorts:
        wanted = default
    descending = wanted.startswith("-")
    key = wanted[1:] if descending else wanted
    query = request.GET.copy()
    for name in (SORT_PARAM, "page", "format"):
        query.pop(name, None)
    if key not in sorts:
        return Sorting(sorts, query=query.urlencode())
    return Sorting(sorts, key, descending, query.urlencode())


def list_page(
    request: HttpRequest,
    *,
    queryset: QuerySet,
    filterset_class,
    template: str,
    name: str,
    title: str,
    columns: Callable[[], Columns],
    sorts: Mapping[str, "Sequence[str] | Natural"] | None = None,
    default_sort: str = "",
) -> HttpResponse:
    """Render `template` with the filtered page, or, with ?format=xlsx, the whole filtered list as a
    file `<name>-<date>.xlsx`. `queryset` must already be limited by mcok.access. `sorts`: the
    columns a header click sorts by (key → model fields), see the module's note."""
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    rows = filterset.qs
    sorting = sorting_from(request, sorts, default_sort)
    ids: list | None = None
    if sorting.natural is not None:
        ids = _naturally_ordered_ids(rows, sorting.natural.field, sorting.descending)
    elif sorting.key:
        rows = rows.order_by(*sorting.order_by())
    if request.GET.get("format") == "xlsx":
        spec = columns()
        stamp = timezone.localdate().isoformat()
        ordered = rows.iterator(chunk_size=2000) if ids is None else _records_in_order(rows, ids)
        records = (spec.cells(record) for record in ordered)
        return exports.xlsx_response(f"{name}-{stamp}.xlsx", title, spec.headers, records)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    context = {
        "filter": filterset,
        "page": _page(rows, ids, request.GET.get("page")),
        "query": query.urlencode(),
        "heading": title,
        "sorting": sorting,
    }
    return render(request, template, context)


def _naturally_ordered_ids(rows: QuerySet, code_field: str, descending: bool) -> list:
    pairs = list(rows.order_by().values_list("pk", code_field))
    pairs.sort(key=lambda pair: (natural_key(pair[1]), pair[0]), reverse=descending)
    return [pk for pk, _code in pairs]


def _records_in_order(rows: QuerySet, ids: list, chunk: int = 2000):
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        found = rows.in_bulk(part)
        yield from (found[pk] for pk in part if pk in found)


def _page(rows: QuerySet, ids: list | None, number):
    """The page of the rows: paged by the database, or, in a natural order, by the ordered ids, the
    page's own rows read in one query."""
    if ids is None:
        return Paginator(rows, PAGE_SIZE).get_page(number)
    page = Paginator(ids, PAGE_SIZE).get_page(number)
    page.object_list = list(_records_in_order(rows, list(page.object_list)))
    return page
