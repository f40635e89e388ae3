"""Forms of the operator's side of the public tab: a page's draft and a new free page.

Documents are limited to the page's municipality, so a forged id from another one is «not one of
the available choices». The address (slug) is chosen only for a free page and only until its
first publication: after that, links to it must keep working.
"""

import json
import re
from html.parser import HTMLParser

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import ProseEditorWidget

from mcok.models import Document, Municipality
from mcok.params import BoundedTexts
from mcok.text import transliterate
from reports.models import PublicPage
from reports.public import RESERVED_SLUGS, image_documents, image_src

SLUG_MAX = PublicPage._meta.get_field("slug").max_length
SUGGESTED_SLUG_MAX = 60


def slug_from_title(title: str) -> str:
    """A page address made of the title: «Новости МСОКО» → «novosti-msoko»; «page» when nothing is left."""
    words = slugify(transliterate(title)).strip("-_").replace("_", "-")
    while len(words) > SUGGESTED_SLUG_MAX and "-" in words:
        words = words.rsplit("-", 1)[0]
    return words[:SUGGESTED_SLUG_MAX].strip("-") or "page"


def slug_suggest(municipality: Municipality, title: str, *, exclude: PublicPage | None = None) -> str:
    """An address for a page titled `title` that no other page of the municipality has: «novosti»,
    or «novosti-2» when that is taken."""
    taken = set(
        PublicPage.objects.filter(municipality=municipality)
        .exclude(pk=getattr(exclude, "pk", None))
        .values_list("slug", flat=True)
    ) | set(RESERVED_SLUGS)
    base = slug_from_title(title)
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


class _Markup(HTMLParser):
    """The tags with their attribute names, and the visible text, of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, ""))
        self.tags += [(tag, name) for name, _value in attrs]

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


# What the editor itself writes and the sanitiser drops by design: a table's column widths (a
# colgroup and inline styles) and a link's target and rel. Their removal is not worth a warning.
EDITOR_MARKUP = frozenset(
    {("table", "style"), ("colgroup", ""), ("col", ""), ("col", "style"), ("a", "target"), ("a", "rel")}
)


def _markup(html: str) -> tuple[list[tuple[str, str]], str]:
    parser = _Markup()
    parser.feed(html or "")
    parser.close()
    tags = [item for item in parser.tags if item not in EDITOR_MARKUP]
    return tags, re.sub(r"\s+", "", "".join(parser.text))


def markup_removed(original: str, cleaned: str) -> bool:
    """Whether sanitising `original` into `cleaned` dropped a tag, an attribute or some text.

    The sanitiser also rewrites what it keeps (quotes, entities, closing tags, a `rel` on links), so
    the two strings are compared by what they hold, not character by character."""
    original_tags, original_text = _markup(original)
    cleaned_tags, cleaned_text = _markup(cleaned)
    remaining = list(cleaned_tags)
    for item in original_tags:
        if item not in remaining:
            return True
        remaining.remove(item)
    return len(cleaned_text) < len(original_text)


class DocumentChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Document) -> str:
        label = f"{obj.title} — {obj.reference}"
        return f"{label} ({obj.organization.short_name})" if obj.organization_id else label


# A page's HTML: longer than a comment (tables, lists), still bounded.
PAGE_BODY_MAX_LENGTH = 100_000

# What the editor offers: headings, paragraphs, lists, links, tables and images (of the portal's
# documents). The server cleans the text on save whatever is sent (reports.public.sanitize).
EDITOR_EXTENSIONS = {
    "Heading": {"levels": [2, 3, 4]},
    "Bold": True,
    "Italic": True,
    "Underline": True,
    "Strike": True,
    "Subscript": True,
    "Superscript": True,
    "HardBreak": True,
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HorizontalRule": True,
    "Link": True,
    "Table": True,
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
    "Image": True,
    "HTML": True,
}


# The editor's own words (its dialogs), translated here and handed to it in the text area's
# data-editor-messages: the editor reads them through window.gettext (static/reports/page_editor.js).
EDITOR_MESSAGES = {
    "Add caption": pgettext_lazy("editor", "Add caption"),
    "Alternative Text": pgettext_lazy("editor", "Alternative Text"),
    "Browse...": pgettext_lazy("editor", "Browse..."),
    "Bullets": pgettext_lazy("editor", "Bullets"),
    "Cancel": pgettext_lazy("editor", "Cancel"),
    "Caption": pgettext_lazy("editor", "Caption"),
    "Columns": pgettext_lazy("editor", "Columns"),
    "Decimal numbers": pgettext_lazy("editor", "Decimal numbers"),
    "Edit Figure": pgettext_lazy("editor", "Edit Figure"),
    "Edit HTML": pgettext_lazy("editor", "Edit HTML"),
    "Edit Image": pgettext_lazy("editor", "Edit Image"),
    "Edit Link": pgettext_lazy("editor", "Edit Link"),
    "Image URL": pgettext_lazy("editor", "Image URL"),
    "Include header row": pgettext_lazy("editor", "Include header row"),
    "Insert Figure": pgettext_lazy("editor", "Insert Figure"),
    "Insert Table": pgettext_lazy("editor", "Insert Table"),
    "Insert": pgettext_lazy("editor", "Insert"),
    "List properties": pgettext_lazy("editor", "List properties"),
    "List type": pgettext_lazy("editor", "List type"),
    "Lowercase Roman numerals": pgettext_lazy("editor", "Lowercase Roman numerals"),
    "Lowercase letters": pgettext_lazy("editor", "Lowercase letters"),
    "Open in new window": pgettext_lazy("editor", "Open in new window"),
    "Prettify": pgettext_lazy("editor", "Prettify"),
    "Remove caption": pgettext_lazy("editor", "Remove caption"),
    "Rows": pgettext_lazy("editor", "Rows"),
    "Start at": pgettext_lazy("editor", "Start at"),
    "Table Properties": pgettext_lazy("editor", "Table Properties"),
    "The HTML contents of the editor. Note that the allowed HTML is restricted by the editor schema.": (
        pgettext_lazy(
            "editor",
            "The HTML contents of the editor. Note that the allowed HTML is restricted by the editor schema.",
        )
    ),
    "Title": pgettext_lazy("editor", "Title"),
    "Toggle fullscreen": pgettext_lazy("editor", "Toggle fullscreen"),
    "URL": pgettext_lazy("editor", "URL"),
    "Update": pgettext_lazy("editor", "Update"),
    "Uppercase Roman numerals": pgettext_lazy("editor", "Uppercase Roman numerals"),
    "Uppercase letters": pgettext_lazy("editor", "Uppercase letters"),
}


class PageEditorWidget(ProseEditorWidget):
    """django-prose-editor's widget started by the portal's own module (static/reports/page_editor.js),
    which imports the editor by its path: the widget's usual import map is an inline script, which
    the portal's Content-Security-Policy forbids."""

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, config={"extensions": EDITOR_EXTENSIONS}, preset="mcok")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        messages = {english: str(text) for english, text in EDITOR_MESSAGES.items()}
        context["widget"]["attrs"]["data-editor-messages"] = json.dumps(messages, ensure_ascii=False)
        return context

    @property
    def media(self):
        return forms.Media(
            css={
                "all": [
                    "django_prose_editor/material-icons.css",
                    "django_prose_editor/editor.css",
                    "reports/page_editor.css",
                ]
            },
            js=[forms.Script("reports/page_editor.js", type="module")],
        )


class PageForm(BoundedTexts, forms.Form):
    """A page's draft. `slug_editable` says whether the address may change (a free page never
    published); otherwise the field is shown disabled, and its posted value is ignored."""

    title = forms.CharField(label=_("Title"), max_length=300)
    slug = forms.SlugField(
        label=_("Address"),
        max_length=SLUG_MAX,
        required=False,
        allow_unicode=False,
        help_text=_(
            "The end of the page's address on the public tab: Latin letters, digits and hyphens. "
            "Left empty, it is made of the title."
        ),
    )
    body = ProseEditorFormField(
        label=_("Text"),
        required=False,
        max_length=PAGE_BODY_MAX_LENGTH,
        widget=PageEditorWidget(attrs={"rows": 16}),
        config={"extensions": EDITOR_EXTENSIONS},
        preset="mcok",
        help_text=_(
            "Headings, paragraphs, lists, links, tables and images of the municipality's documents. "
            "Scripts, styles, other images and any other markup are removed on save."
        ),
    )
    documents = DocumentChoice(
        label=_("Document links"),
        queryset=Document.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Documents of the municipality listed on the page with their links."),
    )

    def __init__(
        self,
        *args,
        municipality: Municipality,
        page: PublicPage | None = None,
        slug_editable: bool = True,
        **kwargs,
    ):
        if page is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": page.title,
                "slug": page.slug,
                "body": page.body,
                "documents": list(page.documents.values_list("pk", flat=True)),
            }
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.page = page
        self.slug_editable = slug_editable
        self.fields["documents"].queryset = (
            Document.objects.filter(municipality=municipality)
            .select_related("organization")
            .order_by("organization__short_name", "-date", "title")
        )
        if not slug_editable:
            slug = self.fields["slug"]
            slug.disabled = True
            slug.help_text = (
                _("The address of a published page stays as it is, so links to it keep working.")
                if page is not None and page.kind == PublicPage.Kind.FREE
                else _("The address of this page is set by the portal.")
            )

    def images(self) -> list[dict]:
        """The municipality's image documents the editor may insert, with the address each gets."""
        return [
            {"src": image_src(self.municipality, document), "title": document.title, "document": document}
            for document in image_documents(self.municipality).values()
        ]

    def clean_slug(self) -> str:
        if not self.slug_editable:
            return self.page.slug if self.page is not None else ""
        slug = self.cleaned_data["slug"].strip().lower()
        if not slug:
            return ""
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(
                _("The address «%(slug)s» is used by the public tab itself; choose another."),
                params={"slug": slug},
            )
        taken = PublicPage.objects.filter(municipality=self.municipality, slug=slug).exclude(
            pk=getattr(self.page, "pk", None)
        )
        if taken.exists():
            raise forms.ValidationError(
                _("Another page of the municipality already has the address «%(slug)s»."),
                params={"slug": slug},
            )
        return slug

    def clean(self):
        data = super().clean()
        if self.slug_editable and not data.get("slug") and data.get("title"):
            data["slug"] = slug_suggest(self.municipality, data["title"], exclude=self.page)
        return data
