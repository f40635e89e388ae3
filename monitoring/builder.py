"""Editing a form: its settings, sections, questions and cross-field rules.

Every service here takes the person acting (`by`): only those who may change the form
(monitoring.access.can_edit_form: the executors and coordinators of its direction and the head of the
department) change anything, and nothing changes on a form some open or closed
collection uses (services.form_check_editable): such a form gets a new version instead
(services.form_new_version). The form's row is locked for the length of each change, so two editors
working on one form take turns and the order of its questions stays whole.

Problems come back as ValidationError in Russian, keyed by the input they are about ("code",
"min_value", "choices" …, the names of monitoring.builder_forms.QuestionForm), so a page shows each
beside its input. Each message also carries a `code` (for example "code_taken") for the tests.
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from directions.models import Direction
from indicators.models import DataElement
from mcok.models import Municipality, User
from mcok.text import code_from
from monitoring import access, services, validation
from monitoring.models import Field, Form, Rule, Section

Kind = Field.Kind
CHOICE_KINDS = (Kind.CHOICE, Kind.MULTIPLE_CHOICE)

CODE_MAX = 60
CODE_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
SUGGESTED_CODE_MAX = 40
OPTION_MAX = 300
OPTIONS_MAX = 200
FILE_MB_MAX = 50
TABLE_ROWS_MAX = 60
TABLE_COLUMNS_MAX = 30
TABLE_LABEL_MAX = 200
FILE_TYPE_PATTERN = re.compile(r"[a-z0-9]{1,10}")
DEFAULT_FILE_TYPES = "pdf, doc, docx, xls, xlsx, odt, ods, jpg, jpeg, png"
# Files a browser or a desktop may run or render as a page: a school's upload must never be one.
# fmt: off
DANGEROUS_FILE_TYPES = frozenset({
    "exe", "com", "bat", "cmd", "msi", "scr", "pif", "cpl", "dll", "js", "mjs", "jse", "vbs", "vbe",
    "wsf", "wsh", "ps1", "psm1", "sh", "bash", "jar", "apk", "app", "html", "htm", "xhtml", "shtml",
    "svg", "svgz", "xml", "php", "phtml", "asp", "aspx", "jsp", "cgi", "pl", "py", "rb", "hta", "lnk",
    "reg", "docm", "xlsm", "pptm",
})
# fmt: on

# Codes ---------------------------------------------------------------------------------------------


def code_from_label(label: str) -> str:
    """A code made of the label, as every code is proposed (mcok.text.code_from)."""
    return code_from(label, length=SUGGESTED_CODE_MAX)


def code_suggest(form: Form, label: str, *, exclude: Field | None = None) -> str:
    """A code for a question labelled `label` that no other question of the form has: «vsego_uchiteley»,
    or «vsego_uchiteley_2» when that is taken."""
    taken = set(form.fields.exclude(pk=getattr(exclude, "pk", None)).values_list("code", flat=True))
    return code_from(label, taken, length=SUGGESTED_CODE_MAX)


def code_problem(code: str) -> str | None:
    if len(code) > CODE_MAX:
        return _("The code is at most %(max)s characters long.") % {"max": CODE_MAX}
    if not CODE_PATTERN.fullmatch(code):
        return _("The code is made of Latin letters, digits and _, and starts with a letter.")
    return None


# Rules in words --------------------------------------------------------------------------------------


def rule_text(rule: Rule, labels: dict[str, str]) -> str:
    """The rule as a sentence with the questions' labels, as the editor lists it."""
    names = [f"«{labels.get(code, code)}»" for code in rule.fields]
    if len(names) < 2:
        return rule.get_kind_display()
    first, rest = names[0], names[1:]
    if rule.kind == Rule.Kind.SUM:
        return _("%(total)s is the sum of %(parts)s") % {"total": first, "parts": ", ".join(rest)}
    sentence = {
        Rule.Kind.LESS_OR_EQUAL: _("%(left)s is at most %(right)s"),
        Rule.Kind.EQUAL: _("%(left)s equals %(right)s"),
        Rule.Kind.GREATER_OR_EQUAL: _("%(left)s is at least %(right)s"),
        Rule.Kind.BOTH_OR_NEITHER: _("%(left)s and %(right)s are answered both or neither"),
    }.get(rule.kind)
    if sentence is None:
        return rule.get_kind_display()
    return sentence % {"left": first, "right": rest[0]}


def _labels(form: Form) -> dict[str, str]:
    return dict(form.fields.values_list("code", "label"))


def _error(key: str, message: str, code: str) -> ValidationError:
    """A problem with one input (NON_FIELD_ERRORS: with the whole), with a code the tests read."""
    return ValidationError({key: ValidationError(message, code=code)})


# Rights and locks ----------------------------------------------------------------------------------


def _lock(form: Form, by: User) -> Form:
    """The form's row, locked until the transaction ends, once `by` may edit it and it may change."""
    if not access.can_edit_form(by, form):
        raise PermissionDenied(access.REFUSED_FORM)
    locked = Form.objects.select_for_update().get(pk=form.pk)
    services.form_check_editable(locked)
    return locked


def _direction_check(direction: Direction | None, municipality: Municipality) -> None:
    if direction is not None and direction.municipality_id != municipality.pk:
        raise _error("direction", _("Choose a direction of the form's municipality."), "foreign_direction")


# The form ------------------------------------------------------------------------------------------


def _form_values(title: str, description: str) -> tuple[str, str]:
    title = (title or "").strip()
    if not title:
        raise _error("title", _("Give the form a title."), "required")
    if len(title) > 300:
        raise _error("title", _("The title is at most 300 characters long."), "too_long")
    return title, (description or "").replace("\r\n", "\n").strip()


@transaction.atomic
def form_create(
    *,
    municipality: Municipality,
    title: str,
    description: str = "",
    direction: Direction | None = None,
    by: User,
) -> Form:
    """A new empty form of the municipality for the direction (or for none), made by one who may build
    forms for it (monitoring.access.can_create_form; PermissionDenied otherwise)."""
    title, description = _form_values(title, description)
    _direction_check(direction, municipality)
    if not access.can_create_form(by, municipality, direction):
        raise PermissionDenied(access.REFUSED_DIRECTION)
    return Form.objects.create(
        municipality=municipality, title=title, description=description, direction=direction, created_by=by
    )


@transaction.atomic
def form_update(
    *, form: Form, title: str, description: str = "", direction: Direction | None = None, by: User
) -> Form:
    """Change the form's title, description and direction; a new direction (or none) must be one `by`
    may build forms for (PermissionDenied)."""
    form = _lock(form, by)
    title, description = _form_values(title, description)
    _direction_check(direction, form.municipality)
    if direction != form.direction and not access.can_bind_form(by, form, direction):
        raise PermissionDenied(access.REFUSED_DIRECTION)
    form.title, form.description, form.direction = title, description, direction
    form.save(update_fields=["title", "description", "direction", "updated_at"])
    return form


def _touch(form: Form) -> None:
    """The form changed: its `updated_at` says when, for the list."""
    form.save(update_fields=["updated_at"])


# Order ------------------------------------------------------------------------------------------------


def _groups(form: Form) -> list[tuple[Section | None, list[Field]]]:
    """The questions by section, in the order a school reads them; questions without a section first."""
    sections = list(form.sections.order_by("order", "pk"))
    fields = list(form.fields.order_by("order", "pk"))
    groups: list[tuple[Section | None, list[Field]]] = [(None, [f for f in fields if f.section_id is None])]
    groups += [(s, [f for f in fields if f.section_id == s.pk]) for s in sections]
    return groups


def _renumber(groups: list[tuple[Section | None, list[Field]]]) -> None:
    """Write the order the groups give: sections 1…n, questions 1…m across the whole form (so every
    list of the questions, ordered by `order`, follows the sections)."""
    sections, fields = [], []
    for position, (section, _items) in enumerate((g for g in groups if g[0] is not None), start=1):
        if section.order != position:
            section.order = position
            sections.append(section)
    position = 0
    for section, items in groups:
        for item in items:
            position += 1
            section_id = section.pk if section else None
            if item.order != position or item.section_id != section_id:
                item.order, item.section_id = position, section_id
                fields.append(item)
    if sections:
        Section.objects.bulk_update(sections, ["order"])
    if fields:
        Field.objects.bulk_update(fields, ["order", "section"])


# Sections ---------------------------------------------------------------------------------------------


def _section_values(title: str, description: str) -> tuple[str, str]:
    title = (title or "").strip()
    if not title:
        raise _error("title", _("Give the section a title."), "required")
    if len(title) > 300:
        raise _error("title", _("The title is at most 300 characters long."), "too_long")
    return title, (description or "").replace("\r\n", "\n").strip()


@transaction.atomic
def section_add(*, form: Form, title: str, description: str = "", by: User) -> Section:
    """A section at the end of the form."""
    form = _lock(form, by)
    title, description = _section_values(title, description)
    last = form.sections.aggregate(last=Max("order"))["last"] or 0
    section = Section.objects.create(form=form, title=title, description=description, order=last + 1)
    _touch(form)
    return section


@transaction.atomic
def section_update(*, section: Section, title: str, description: str = "", by: User) -> Section:
    _lock(section.form, by)
    section.title, section.description = _section_values(title, description)
    section.save(update_fields=["title", "description"])
    _touch(section.form)
    return section


@transaction.atomic
def section_delete(*, section: Section, by: User, with_questions: bool = False) -> int:
    """Delete a section. Its questions go with it only when asked (`with_questions`) and when no rule
    uses them; otherwise a section with questions stays. Returns the number of questions deleted."""
    form = _lock(section.form, by)
    items = list(section.fields.all())
    if items and not with_questions:
        raise ValidationError(
            _(
                "The section still has questions: move them to another section first, "
                "or confirm that they are deleted with it."
            ),
            code="section_not_empty",
        )
    for item in items:
        _check_unused(item, form)
    section.delete()
    _renumber(_groups(form))
    _touch(form)
    return len(items)


@transaction.atomic
def section_move(*, section: Section, up: bool, by: User) -> bool:
    """Move the section one place up or down; False when it is already first or last."""
    form = _lock(section.form, by)
    groups = _groups(form)
    positions = [i for i, (s, _items) in enumerate(groups) if s is not None]
    index = next(i for i in positions if groups[i][0].pk == section.pk)
    neighbour = positions.index(index) + (-1 if up else 1)
    if not 0 <= neighbour < len(positions):
        return False
    other = positions[neighbour]
    groups[index], groups[other] = groups[other], groups[index]
    _renumber(groups)
    _touch(form)
    return True


# Questions --------------------------------------------------------------------------------------------


@dataclass
class NewElement:
    """A data element to create for a numeric question (or to reuse, when the municipality already
    has one by this code). Empty code: the question's code; empty name: its label."""

    code: str = ""
    name: str = ""


def parse_options(choices: list[str] | str | None) -> list[str]:
    """The options as typed one per line (or a list): trimmed, inner spaces collapsed, blanks dropped."""
    if choices is None:
        return []
    lines = choices.splitlines() if isinstance(choices, str) else [str(c) for c in choices]
    return [" ".join(line.split()) for line in lines if line.strip()]


def parse_file_types(text: str) -> list[str]:
    """«PDF, .docx; xlsx» → ["pdf", "docx", "xlsx"]."""
    return [part.lstrip(".").lower() for part in re.split(r"[\s,;]+", text or "") if part.strip(". ")]


def _number(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    number = value if isinstance(value, Decimal) else validation.parse_number(value)
    if number is None:
        raise ValidationError(_("Enter a number."), code="not_a_number")
    return number + 0  # -0 → 0


@transaction.atomic
def field_add(
    *,
    form: Form,
    label: str,
    kind: str,
    by: User,
    code: str = "",
    section: Section | None = None,
    required: bool = True,
    help_text: str = "",
    min_value: Decimal | str | None = None,
    max_value: Decimal | str | None = None,
    choices: list[str] | str | None = None,
    file_types: str = "",
    max_file_mb: int | None = None,
    data_element: DataElement | None = None,
    new_element: NewElement | None = None,
    table_rows: list[str] | str | None = None,
    table_columns: list[str] | str | None = None,
) -> Field:
    """A question at the end of its section (or of the form). An empty code is made from the label."""
    form = _lock(form, by)
    item = Field(form=form, required=required)
    _apply(
        item,
        form,
        label=label,
        kind=kind,
        code=code,
        section=section,
        help_text=help_text,
        min_value=min_value,
        max_value=max_value,
        choices=choices,
        file_types=file_types,
        max_file_mb=max_file_mb,
        data_element=data_element,
        new_element=new_element,
        table_rows=table_rows,
        table_columns=table_columns,
    )
    groups = _groups(form)
    group = next(items for s, items in groups if (s.pk if s else None) == item.section_id)
    item.order = max([f.order for _s, items in groups for f in items], default=0) + 1
    _save(item)
    group.append(item)
    _renumber(groups)
    _touch(form)
    return item


@transaction.atomic
def field_update(
    *,
    item: Field,
    label: str,
    kind: str,
    by: User,
    code: str = "",
    section: Section | None = None,
    required: bool = True,
    help_text: str = "",
    min_value: Decimal | str | None = None,
    max_value: Decimal | str | None = None,
    choices: list[str] | str | None = None,
    file_types: str = "",
    max_file_mb: int | None = None,
    data_element: DataElement | None = None,
    new_element: NewElement | None = None,
    table_rows: list[str] | str | None = None,
    table_columns: list[str] | str | None = None,
) -> Field:
    """Change a question. A new code is carried into the rules that name the old one; a change that
    would break a rule (a compared question that stops being a number) is refused and names the rule."""
    form = _lock(item.form, by)
    item = Field.objects.get(pk=item.pk)
    old_code, old_section = item.code, item.section_id
    item.required = required
    _apply(
        item,
        form,
        label=label,
        kind=kind,
        code=code,
        section=section,
        help_text=help_text,
        min_value=min_value,
        max_value=max_value,
        choices=choices,
        file_types=file_types,
        max_file_mb=max_file_mb,
        data_element=data_element,
        new_element=new_element,
        table_rows=table_rows,
        table_columns=table_columns,
    )
    _check_rules_after_change(form, item, old_code)
    if item.section_id != old_section:
        # A question moved to another section goes to its end.
        item.order = max(form.fields.values_list("order", flat=True), default=0) + 1
    _save(item)
    if item.code != old_code:
        for rule in form.rules.all():
            if old_code in rule.fields:
                rule.fields = [item.code if c == old_code else c for c in rule.fields]
                rule.save(update_fields=["fields"])
    _renumber(_groups(form))
    _touch(form)
    return item


def _save(item: Field) -> None:
    """Save; two editors adding the same code at once meet the unique constraint, said as a message."""
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError as error:
        raise _error(
            "code",
            _("Another question of this form already has the code «%(code)s».") % {"code": item.code},
            "code_taken",
        ) from error


def _apply(item: Field, form: Form, **values: Any) -> None:
    """Check the question's inputs and put them on `item` (unsaved); every problem at once, each keyed
    by its input. The inputs that do not fit the type are emptied, so a question never keeps options
    it does not show."""
    errors: dict[str, list[ValidationError]] = {}

    def problem(key: str, message: str, code: str) -> None:
        errors.setdefault(key, []).append(ValidationError(message, code=code))

    kind = values["kind"]
    if kind not in Kind.values:
        problem("kind", _("Choose the type of the question."), "kind")
        raise ValidationError(errors)
    item.kind = kind

    label = " ".join((values["label"] or "").split())
    if not label:
        problem("label", _("Write the question."), "required")
    elif len(label) > 1000:
        problem("label", _("The question is at most 1000 characters long."), "too_long")
    item.label = label[:1000]
    item.help_text = (values["help_text"] or "").replace("\r\n", "\n").strip()

    section = values["section"]
    if section is not None and section.form_id != form.pk:
        problem("section", _("Choose a section of this form."), "foreign_section")
    item.section = section if section is not None and section.form_id == form.pk else None

    code = (values["code"] or "").strip()
    if not code:
        code = code_suggest(form, label or "q", exclude=item if item.pk else None)
    elif code != item.code or not item.pk:
        message = code_problem(code)
        if message:
            problem("code", message, "code_invalid")
        else:
            taken = form.fields.filter(code__iexact=code).exclude(pk=item.pk).first()
            if taken:
                problem(
                    "code",
                    _("The question «%(label)s» of this form already has the code «%(code)s»; codes differ.")
                    % {"label": taken.label, "code": taken.code},
                    "code_taken",
                )
    item.code = code

    _apply_numbers(item, values, problem)
    _apply_options(item, values, problem)
    _apply_file(item, values, problem)
    if not errors:
        _apply_element(item, form, values, problem)
    if not errors:
        _apply_table(item, values, problem)
    if errors:
        raise ValidationError(errors)


def _apply_numbers(item: Field, values: dict, problem) -> None:
    item.min_value = item.max_value = None
    if item.kind not in (*Field.NUMERIC_KINDS, Kind.TABLE):
        return
    limits = {}
    for key in ("min_value", "max_value"):
        try:
            limits[key] = _number(values[key])
        except ValidationError as error:
            problem(key, error.messages[0], "not_a_number")
            limits[key] = None
            continue
        number = limits[key]
        if number is None:
            continue
        if abs(number) >= Decimal(10) ** 12:
            problem(key, _("The limit is too large."), "too_large")
        elif number != number.quantize(Decimal("0.0001")):
            problem(key, _("At most four digits after the decimal point."), "too_precise")
        elif item.kind == Kind.INTEGER and number != number.to_integral_value():
            problem(key, _("The question asks for whole numbers: its limits are whole numbers."), "not_whole")
    low, high = limits.get("min_value"), limits.get("max_value")
    if low is not None and high is not None and low > high:
        problem("max_value", _("The maximum cannot be less than the minimum."), "min_above_max")
    item.min_value, item.max_value = low, high


def _apply_options(item: Field, values: dict, problem) -> None:
    if item.kind not in CHOICE_KINDS:
        item.choices = []
        return
    options = parse_options(values["choices"])
    item.choices = options
    if len(options) < 2:
        problem("choices", _("A choice needs at least two options, one per line."), "too_few_options")
        return
    if len(options) > OPTIONS_MAX:
        problem("choices", _("At most %(max)s options.") % {"max": OPTIONS_MAX}, "too_many_options")
    seen: dict[str, str] = {}
    twice = []
    for option in options:
        key = option.casefold()
        if key in seen and option not in twice:
            twice.append(option)
        seen.setdefault(key, option)
    if twice:
        problem(
            "choices",
            _("Each option is written once; repeated: %(options)s.")
            % {"options": "; ".join(f"«{o}»" for o in twice)},
            "duplicate_options",
        )
    long = [o for o in options if len(o) > OPTION_MAX]
    if long:
        problem(
            "choices", _("An option is at most %(max)s characters long.") % {"max": OPTION_MAX}, "long_option"
        )
    if item.kind == Kind.MULTIPLE_CHOICE and any(";" in o for o in options):
        # Answers from files list the chosen options separated by «;».
        problem("choices", _("Options of a multiple choice cannot contain «;»."), "semicolon")


def _apply_file(item: Field, values: dict, problem) -> None:
    if item.kind != Kind.FILE:
        item.file_types, item.max_file_mb = "", 10
        return
    types = parse_file_types(values["file_types"]) or parse_file_types(DEFAULT_FILE_TYPES)
    bad = [t for t in types if not FILE_TYPE_PATTERN.fullmatch(t)]
    dangerous = [t for t in types if t in DANGEROUS_FILE_TYPES]
    if bad:
        problem(
            "file_types",
            _("Write file types as extensions separated by commas, for example: pdf, docx, xlsx."),
            "bad_file_types",
        )
    elif dangerous:
        problem(
            "file_types",
            _("Files of these types could run programs or pages and are not accepted: %(types)s.")
            % {"types": ", ".join(dangerous)},
            "dangerous_file_types",
        )
    item.file_types = ", ".join(dict.fromkeys(types))[:200]
    size = values["max_file_mb"]
    if size in (None, ""):
        size = 10
    try:
        size = int(size)
    except (TypeError, ValueError):
        size = 0
    if not 1 <= size <= FILE_MB_MAX:
        problem(
            "max_file_mb",
            _("The largest file is from 1 to %(max)s MB.") % {"max": FILE_MB_MAX},
            "bad_file_size",
        )
        size = 10
    item.max_file_mb = size


def _apply_element(item: Field, form: Form, values: dict, problem) -> None:
    element, new = values["data_element"], values["new_element"]
    if not item.is_numeric and not item.is_table:
        item.data_element = None
        return
    if item.is_table and new is not None:
        problem(
            "binding",
            _(
                "A table is bound to an existing data element split by categories, or its rows are typed "
                "without a data element."
            ),
            "table_new_element",
        )
        return
    if new is not None:
        code = (new.code or "").strip() or item.code
        message = code_problem(code)
        if message:
            problem("new_element_code", message, "code_invalid")
            return
        name = " ".join((new.name or "").split())
        if len(name) > 500:
            problem("new_element_name", _("The name is at most 500 characters long."), "too_long")
            return
        element = services.data_element_for_field(item=item, code=code, name=name)
    if element is None:
        item.data_element = None
        return
    key = "new_element_code" if new is not None else "data_element"
    if element.municipality_id != form.municipality_id:
        problem(key, _("Choose a data element of the form's municipality."), "foreign_element")
        return
    if item.is_table and element.category_combo_id is None:
        problem(
            key,
            _("The data element «%(code)s» is not split by categories: a table needs one that is.")
            % {"code": element.code},
            "element_not_split",
        )
        return
    if item.is_numeric and element.category_combo_id is not None:
        problem(
            key,
            _(
                "The data element «%(code)s» is split by categories: it is filled by a question of the "
                "type «Table»."
            )
            % {"code": element.code},
            "element_split",
        )
        return
    if item.kind == Kind.DECIMAL and element.value_type == DataElement.ValueType.INTEGER:
        problem(
            key,
            _("The data element «%(code)s» holds whole numbers, and the question asks for a decimal one.")
            % {"code": element.code},
            "element_type",
        )
        return
    other = form.fields.filter(data_element=element).exclude(pk=item.pk).first()
    if other:
        problem(
            key,
            _("The data element «%(code)s» is already fed by the question «%(label)s» of this form.")
            % {"code": element.code, "label": other.label},
            "element_taken",
        )
        return
    item.data_element = element


def _apply_table(item: Field, values: dict, problem) -> None:
    """A table's own row and column labels (one per line), kept only when it is bound to no element."""
    item.table = {}
    if not item.is_table or item.data_element_id is not None:
        return
    rows = parse_options(values.get("table_rows"))
    columns = parse_options(values.get("table_columns"))
    if not rows:
        problem(
            "table_rows",
            _("Type the rows of the table, one per line, or bind it to a data element split by categories."),
            "table_no_rows",
        )
        return
    for key, labels, most in (
        ("table_rows", rows, TABLE_ROWS_MAX),
        ("table_columns", columns, TABLE_COLUMNS_MAX),
    ):
        if len(labels) > most:
            problem(key, _("At most %(max)s lines.") % {"max": most}, "table_too_many")
        elif any(len(label) > TABLE_LABEL_MAX for label in labels):
            problem(
                key, _("A label is at most %(max)s characters long.") % {"max": TABLE_LABEL_MAX}, "long_label"
            )
        elif len({label.casefold() for label in labels}) != len(labels):
            problem(key, _("Each label is written once."), "duplicate_labels")
    item.table = {"rows": rows, "columns": columns} if columns else {"rows": rows}
    item._table_layout = None


def _check_rules_after_change(form: Form, item: Field, old_code: str) -> None:
    """Refuse a change of a question that a rule naming it no longer accepts."""
    fields = {f.code: f for f in form.fields.exclude(pk=item.pk)}
    fields[item.code] = item
    labels = {code: f.label for code, f in fields.items()}
    for rule in form.rules.all():
        if old_code not in rule.fields:
            continue
        codes = [item.code if c == old_code else c for c in rule.fields]
        problem = validation.rule_check_definition(rule.kind, codes, fields)
        if problem:
            probe = Rule(kind=rule.kind, fields=codes)
            raise _error(
                "kind",
                _("The check «%(rule)s» would no longer work: %(problem)s Change or delete it first.")
                % {"rule": rule_text(probe, labels), "problem": problem},
                "breaks_rule",
            )


def _check_unused(item: Field, form: Form) -> None:
    labels = None
    for rule in form.rules.all():
        if item.code in rule.fields:
            labels = labels or _labels(form)
            raise ValidationError(
                _("The question «%(label)s» is used by the check «%(rule)s»: delete the check first.")
                % {"label": item.label, "rule": rule_text(rule, labels)},
                code="used_by_rule",
            )


@transaction.atomic
def field_delete(*, item: Field, by: User) -> None:
    """Delete a question no rule uses; the refusal names the rule."""
    form = _lock(item.form, by)
    _check_unused(item, form)
    item.delete()
    _renumber(_groups(form))
    _touch(form)


@transaction.atomic
def field_move(*, item: Field, up: bool, by: User) -> bool:
    """Move the question one place up or down. From the top of a section it goes to the end of the
    section above, from the bottom to the start of the section below. False when it cannot move."""
    form = _lock(item.form, by)
    groups = [(s, items) for s, items in _groups(form) if s is not None or items]
    at = next(g for g, (_s, items) in enumerate(groups) if any(f.pk == item.pk for f in items))
    items = groups[at][1]
    index = next(i for i, f in enumerate(items) if f.pk == item.pk)
    current = items[index]
    if up and index > 0:
        items[index - 1], items[index] = items[index], items[index - 1]
    elif not up and index < len(items) - 1:
        items[index + 1], items[index] = items[index], items[index + 1]
    else:
        target = at - 1 if up else at + 1
        if not 0 <= target < len(groups) or groups[target][0] is None:
            return False
        items.pop(index)
        if up:
            groups[target][1].append(current)
        else:
            groups[target][1].insert(0, current)
    _renumber(groups)
    _touch(form)
    return True


# Rules --------------------------------------------------------------------------------------------


@transaction.atomic
def rule_add(*, form: Form, kind: str, codes: list[str], message: str = "", by: User) -> Rule:
    """A cross-field check. `codes`: for ≤ = ≥ and both-or-neither, the two questions; for a sum, the
    total, then its parts."""
    form = _lock(form, by)
    if kind not in Rule.Kind.values:
        raise _error("kind", _("Choose the kind of check."), "kind")
    codes = [c for c in codes if c]
    if len(set(codes)) != len(codes):
        raise _error(
            NON_FIELD_ERRORS,
            _("A question cannot be compared with itself: choose different questions."),
            "same_question",
        )
    fields = {f.code: f for f in form.fields.all()}
    problem = validation.rule_check_definition(kind, codes, fields)
    if problem:
        raise _error(NON_FIELD_ERRORS, problem, "bad_rule")
    message = " ".join((message or "").split())
    if len(message) > 500:
        raise _error("message", _("The message is at most 500 characters long."), "too_long")
    if any(rule.kind == kind and rule.fields == codes for rule in form.rules.all()):
        raise _error(NON_FIELD_ERRORS, _("The form already has this check."), "rule_exists")
    last = form.rules.aggregate(last=Max("order"))["last"] or 0
    rule = Rule.objects.create(form=form, kind=kind, fields=codes, message=message, order=last + 1)
    _touch(form)
    return rule


@transaction.atomic
def rule_delete(*, rule: Rule, by: User) -> None:
    form = _lock(rule.form, by)
    rule.delete()
    _touch(form)
