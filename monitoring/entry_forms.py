"""Input of the entry page: the answers as posted, and a file question's upload.

The answers are not a Django form on purpose: a draft keeps whatever the person typed, and the
checking is validation.check's, the same for every channel. The upload is checked here (its type by
the extension, its size) here, and stored by monitoring.submission_services.file_store.
"""

import os
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring import entry, tables
from monitoring.models import Field

ANSWER_PREFIX = "answer-"
# Names of the questions shown as radio buttons or check boxes: when none is chosen the browser
# sends nothing, and this marker says "sent, and empty".
PRESENT = "present"


def posted_answers(data: QueryDict, fields: list[Field]) -> dict[str, Any]:
    """The answers the page sent, by question code: lists for multiple choice, strings otherwise.
    Questions the page did not send are left out, so they keep their stored answers."""
    present = set(data.getlist(PRESENT))
    answers: dict[str, Any] = {}
    for item in fields:
        if item.kind == Field.Kind.FILE:
            continue  # a file's answer changes only with its upload
        name = ANSWER_PREFIX + item.code
        if item.is_table:
            # answer-<code>__<row>|<column> per cell, answer-<code>__na per mark (monitoring.tables)
            answer = tables.answer_from_post(name, tables.layout(item), data)
            if answer is not None or item.code in present:
                answers[item.code] = answer or {"cells": {}, "na": []}
            continue
        if item.kind == Field.Kind.MULTIPLE_CHOICE:
            if name in data or item.code in present:
                answers[item.code] = [value for value in data.getlist(name) if value.strip()]
        elif name in data:
            answers[item.code] = data.get(name, "")
        elif item.code in present:
            answers[item.code] = ""
    return answers


def parse_revision(value: str | None) -> int | None:
    """The base revision the page sent; None (no merge check) when absent or not a number."""
    try:
        revision = int(value or "")
    except ValueError:
        return None
    return revision if revision >= 0 else None


def file_problem(item: Field, upload) -> str | None:
    """What is wrong with an uploaded file for this question, in Russian; None when it fits."""
    if item.kind != Field.Kind.FILE:
        return _("This question does not take a file.")
    if upload is None:
        return _("Choose a file.")
    extension = os.path.splitext(upload.name)[1].lstrip(".").lower()
    allowed = entry.file_extensions(item)
    if extension not in allowed:
        return _("Files of this type are not accepted here; allowed: %(types)s.") % {
            "types": ", ".join(allowed)
        }
    if not upload.size:
        return _("The file is empty.")
    if upload.size > item.max_file_mb * 1024 * 1024:
        return _("The file is larger than %(size)s MB.") % {"size": item.max_file_mb}
    return None


class FileForm(forms.Form):
    """One file for one question; `remove` takes the stored one away instead."""

    field = forms.CharField(max_length=60)
    file = forms.FileField(required=False, label=gettext_lazy("File"))
    remove = forms.BooleanField(required=False)

    def __init__(self, *args, fields: list[Field], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = {item.code: item for item in fields}
        self.question: Field | None = None

    def clean(self):
        data = super().clean()
        self.question = self.questions.get(data.get("field", ""))
        if self.question is None or self.question.kind != Field.Kind.FILE:
            raise forms.ValidationError(_("The form has no such file question."))
        if not data.get("remove"):
            problem = file_problem(self.question, data.get("file"))
            if problem:
                self.add_error("file", problem)
        return data
