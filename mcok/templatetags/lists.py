"""Headers of a list page that sort it: `{% load lists %}` then `{% sort_header "key" label %}`.

The tag reads the page's `sorting` (mcok.lists.Sorting). A column the view does not sort by is a
plain header. A sortable one links to the list sorted by it (ascending; descending when it already
is ascending), keeps the filter, starts again at page 1, and says its state with aria-sort."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label, css_class: str = ""):
    sorting = context.get("sorting")
    class_attr = format_html(' class="{}"', css_class) if css_class else ""
    if sorting is None or key not in sorting.sorts:
        return format_html('<th scope="col"{}>{}</th>', class_attr, label)
    current = sorting.key == key
    descending = current and not sorting.descending
    value = f"-{key}" if descending else key
    query = f"{sorting.query}&sort={value}" if sorting.query else f"sort={value}"
    if current:
        state = "descending" if sorting.descending else "ascending"
        mark = "▼" if sorting.descending else "▲"
        hint = _("sorted, click to reverse")
    else:
        state, mark, hint = "none", "", _("click to sort")
    aria_sort = format_html(' aria-sort="{}"', state) if current else ""
    return format_html(
        '<th scope="col"{}{}><a href="?{}" class="sort-link" title="{}">{}'
        '<span class="sort-mark" aria-hidden="true">{}</span></a></th>',
        class_attr,
        aria_sort,
        query,
        hint,
        label,
        mark,
    )
