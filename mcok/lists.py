"""A list page: rows the user may see, filtered, paged, and downloadable as XLSX with the same filter."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from mcok import exports

PAGE_SIZE = 50


@dataclass
class Columns:
    """The XLSX columns of a list: headers and how a row's cells are read from a record."""

    headers: Sequence[str]
    cells: Callable[[Model], Sequence[exports.Cell]]


def list_page(
    request: HttpRequest,
    *,
    queryset: QuerySet,
    filterset_class,
    template: str,
    name: str,
    title: str,
    columns: Callable[[], Columns],
) -> HttpResponse:
    """Render `template` with the filtered page, or, with ?format=xlsx, the whole filtered list as a
    file `<name>-<date>.xlsx`. `queryset` must already be limited by mcok.access."""
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    rows = filterset.qs
    if request.GET.get("format") == "xlsx":
        spec = columns()
        stamp = timezone.localdate().isoformat()
        records = (spec.cells(record) for record in rows.iterator(chunk_size=2000))
        return exports.xlsx_response(f"{name}-{stamp}.xlsx", title, spec.headers, records)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    context = {
        "filter": filterset,
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": query.urlencode(),
        "heading": title,
    }
    return render(request, template, context)
