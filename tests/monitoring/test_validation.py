"""Answer checking: every question type, required questions, cross-field rules and rule definitions.

`validation` is pure: the questions here are unsaved Field and Rule objects. Messages are checked in
English (the msgids) under `translation.override("en")`; the Russian catalogue is the translators'.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring import validation
from monitoring.models import Field, Rule

Kind = Field.Kind


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def question(code="n", kind=Kind.INTEGER, **fields) -> Field:
    return Field(code=code, label=fields.pop("label", code.title()), kind=kind, **fields)


def clean(item: Field, raw):
    return validation.clean_value(item, raw)


# Numbers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1 234,5", Decimal("1234.5")),
        ("1\u00a0234,5", Decimal("1234.5")),
        ("1\u202f234.5", Decimal("1234.5")),
        ("1234.5", Decimal("1234.5")),
        ("1'000", Decimal("1000")),
        ("−3", Decimal("-3")),
        ("-3", Decimal("-3")),
        ("+7", Decimal("7")),
        (",5", Decimal("0.5")),
        ("12.", Decimal("12")),
        (" 42 ", Decimal("42")),
        (42, Decimal("42")),
        (2.5, Decimal("2.5")),
        (0.1, Decimal("0.1")),
        (Decimal("3.25"), Decimal("3.25")),
    ],
)
def test_parse_number_reads_numbers_as_people_type_them(raw, expected):
    assert validation.parse_number(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "abc",
        "1,2,3",
        "1.2.3",
        "1e5",
        "--3",
        "12 шт.",
        True,
        False,
        None,
        [1],
        {"a": 1},
        float("nan"),
        float("inf"),
        float("-inf"),
        Decimal("NaN"),
        Decimal("Infinity"),
        "NaN",
        "Infinity",
        "1" * 5000,
    ],
)
def test_parse_number_refuses_what_is_not_a_finite_number(raw):
    assert validation.parse_number(raw) is None


def test_parse_number_takes_a_huge_int_without_raising():
    assert validation.parse_number(10**5000) == Decimal(10) ** 5000


@pytest.mark.parametrize(("raw", "expected"), [("1 234", Decimal(1234)), ("−3", Decimal(-3)), ("5,0", 5)])
def test_integer_accepts_whole_numbers(raw, expected):
    assert clean(question(), raw) == (expected, None)


@pytest.mark.parametrize("raw", ["1,5", "0.25", 2.5])
def test_integer_refuses_fractions(raw):
    assert clean(question(), raw) == (None, "Enter a whole number.")


def test_decimal_keeps_fractions():
    assert clean(question(kind=Kind.DECIMAL), "1 234,56") == (Decimal("1234.56"), None)


@pytest.mark.parametrize("kind", [Kind.INTEGER, Kind.DECIMAL])
def test_numbers_refuse_text(kind):
    assert clean(question(kind=kind), "много") == (None, "Enter a number.")


def test_range_messages_name_the_limit():
    item = question(min_value=Decimal("0"), max_value=Decimal("1500"))
    assert clean(item, "-1") == (None, "The value must be at least 0.")
    assert clean(item, "1501") == (None, "The value must be at most 1,500.")
    assert clean(item, "1500") == (Decimal(1500), None)
    assert clean(item, "0") == (Decimal(0), None)


def test_range_message_shows_a_fractional_limit():
    item = question(kind=Kind.DECIMAL, max_value=Decimal("99.5000"))
    assert clean(item, "100") == (None, "The value must be at most 99.5.")


def test_range_works_on_an_unsaved_question_with_int_limits():
    item = question(min_value=0, max_value=10)
    assert clean(item, "11") == (None, "The value must be at most 10.")
    assert clean(item, "-1") == (None, "The value must be at least 0.")


def test_range_message_is_russian_under_russian():
    item = question(max_value=Decimal("1500"))
    with translation.override("ru"):
        value, problem = clean(item, "2000")
    assert value is None
    assert "1\u00a0500" in problem  # the Russian thousand separator


@pytest.mark.parametrize("raw", ["1000000000000", "-1000000000000", 10**20, 1e20])
def test_numbers_too_large_to_store_are_refused(raw):
    assert clean(question(kind=Kind.DECIMAL), raw) == (None, "The number is too large.")


def test_a_huge_int_is_refused_without_raising():
    # str() of an int over 4300 digits raises ValueError: the check must not use it.
    huge = 10**5000
    assert clean(question(kind=Kind.DECIMAL), huge) == (None, "The number is too large.")
    assert not validation.is_blank(huge)
    assert validation.check([question("n")], [], {"n": huge}, complete=True).errors == {
        "n": ["The number is too large."]
    }


def test_largest_storable_number_is_accepted():
    assert clean(question(kind=Kind.DECIMAL), "999 999 999 999,5") == (Decimal("999999999999.5"), None)


# Dates, yes/no, choices, text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "01.03.2026",
        "1.3.2026",
        "01.03.26",
        "2026-03-01",
        "01/03/2026",
        " 01.03.2026 ",
        "2026-03-01T10:30:00",
        datetime.date(2026, 3, 1),
        datetime.datetime(2026, 3, 1, 10, 30),  # noqa: DTZ001 - a cell of a spreadsheet
    ],
)
def test_dates_in_russian_and_iso_forms(raw):
    assert clean(question(kind=Kind.DATE), raw) == (datetime.date(2026, 3, 1), None)


@pytest.mark.parametrize("raw", ["30.02.2026", "завтра", "2026", "03/2026", 20260301])
def test_dates_refuse_what_is_no_date(raw):
    assert clean(question(kind=Kind.DATE), raw) == (None, "Enter a date as DD.MM.YYYY.")


@pytest.mark.parametrize("raw", ["да", "Да", " ДА ", "yes", "Yes", "true", "1", "д", True, 1])
def test_yes(raw):
    assert clean(question(kind=Kind.BOOLEAN), raw) == (True, None)


@pytest.mark.parametrize("raw", ["нет", "Нет", "no", "NO", "false", "0", "н", False, 0])
def test_no(raw):
    assert clean(question(kind=Kind.BOOLEAN), raw) == (False, None)


def test_yes_no_refuses_anything_else():
    assert clean(question(kind=Kind.BOOLEAN), "возможно") == (None, "Answer «yes» or «no».")


CHOICES = ["Очная", "Дистанционная", "Очная, групповая"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("очная", "Очная"), ("  ДИСТАНЦИОННАЯ ", "Дистанционная"), ("очная,   групповая", "Очная, групповая")],
)
def test_single_choice_ignores_case_and_spaces(raw, expected):
    assert clean(question(kind=Kind.CHOICE, choices=CHOICES), raw) == (expected, None)


def test_single_choice_refuses_unknown_options():
    assert clean(question(kind=Kind.CHOICE, choices=CHOICES), "Заочная") == (
        None,
        "Choose one of the options.",
    )


def test_single_choice_takes_a_list_of_one_and_refuses_a_list_of_two():
    item = question(kind=Kind.CHOICE, choices=CHOICES)
    assert clean(item, ["очная"]) == ("Очная", None)
    assert clean(item, ["Очная", "Дистанционная"]) == (None, "Give one answer, not a list.")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["дистанционная", " очная "], ["Очная", "Дистанционная"]),  # the form's order
        ("дистанционная; Очная", ["Очная", "Дистанционная"]),
        ("Очная\nДистанционная", ["Очная", "Дистанционная"]),
        ("Очная, Дистанционная", ["Очная", "Дистанционная"]),
        ("Очная, групповая", ["Очная, групповая"]),  # an option holding «, » is one option
        (["Очная", "очная"], ["Очная"]),
        (["Очная", "", None], ["Очная"]),
    ],
)
def test_multiple_choice_ignores_case_spaces_and_order(raw, expected):
    assert clean(question(kind=Kind.MULTIPLE_CHOICE, choices=CHOICES), raw) == (expected, None)


def test_multiple_choice_names_the_unknown_options():
    value, problem = clean(
        question(kind=Kind.MULTIPLE_CHOICE, choices=CHOICES), ["Очная", "Заочная", "Вечерняя"]
    )
    assert value is None
    assert problem == "Not among the options: Заочная; Вечерняя."


def test_text_limits():
    short, long = question(kind=Kind.TEXT), question(kind=Kind.LONG_TEXT)
    assert clean(short, "  Всё хорошо \n") == ("Всё хорошо", None)
    assert clean(short, "я" * 1000) == ("я" * 1000, None)
    assert clean(short, "я" * 1000 + "   ") == ("я" * 1000, None)  # spaces around do not count
    assert clean(short, "я" * 1001) == (None, "At most 1000 characters.")
    assert clean(long, "я" * 20000) == ("я" * 20000, None)
    assert clean(long, "я" * 20001) == (None, "At most 20000 characters.")


def test_text_question_given_a_number_keeps_it_as_text():
    assert clean(question(kind=Kind.TEXT), 12) == ("12", None)


# Required questions -------------------------------------------------------------------------------


def form():
    fields = [
        question("teachers", label="Всего учителей", min_value=Decimal(0)),
        question("diagnosed", label="Прошли диагностику", min_value=Decimal(0)),
        question("comment", kind=Kind.TEXT, required=False, label="Комментарий"),
    ]
    return fields


@pytest.mark.parametrize("blank", [None, "", "   ", [], ["", " "]])
def test_required_only_when_complete(blank):
    fields = form()
    draft = validation.check(fields, [], {"teachers": blank}, complete=False)
    assert draft.ok and draft.values == {}
    complete = validation.check(fields, [], {"teachers": blank}, complete=True)
    assert complete.errors == {
        "teachers": ["This question must be answered."],
        "diagnosed": ["This question must be answered."],
    }
    assert "comment" not in complete.errors


def test_a_draft_still_reports_what_is_filled_in_wrongly():
    result = validation.check(form(), [], {"teachers": "сорок"}, complete=False)
    assert result.errors == {"teachers": ["Enter a number."]}
    assert not result.ok


def test_messages_name_the_question_in_the_order_of_the_form():
    fields = form()
    result = validation.check(fields, [], {"diagnosed": "x"}, complete=True)
    assert result.messages(fields) == [
        "Всего учителей: This question must be answered.",
        "Прошли диагностику: Enter a number.",
    ]


def test_check_of_answers_that_are_not_a_mapping_finds_everything_missing():
    result = validation.check(form(), [], ["40", "30"], complete=True)
    assert set(result.errors) == {"teachers", "diagnosed"}


# Cross-field rules --------------------------------------------------------------------------------


def rule(kind, *codes, message=""):
    return Rule(kind=kind, fields=list(codes), message=message)


def sum_form():
    return [
        question("total", label="Всего"),
        question("boys", label="Мальчики"),
        question("girls", label="Девочки"),
        question("note", kind=Kind.TEXT, required=False, label="Примечание"),
        question("when", kind=Kind.DATE, required=False, label="Дата"),
    ]


@pytest.mark.parametrize(
    ("kind", "left", "right", "broken", "message"),
    [
        (Rule.Kind.LESS_OR_EQUAL, "31", "30", True, "«Мальчики» cannot be greater than «Девочки»."),
        (Rule.Kind.LESS_OR_EQUAL, "30", "30", False, None),
        (Rule.Kind.EQUAL, "29", "30", True, "«Мальчики» must equal «Девочки»."),
        (Rule.Kind.EQUAL, "30", "30,0", False, None),
        (Rule.Kind.GREATER_OR_EQUAL, "29", "30", True, "«Мальчики» cannot be less than «Девочки»."),
        (Rule.Kind.GREATER_OR_EQUAL, "31", "30", False, None),
    ],
)
def test_comparisons_with_their_default_message(kind, left, right, broken, message):
    result = validation.check(
        sum_form(), [rule(kind, "boys", "girls")], {"boys": left, "girls": right}, complete=False
    )
    assert result.form_errors == ([message] if broken else [])


@pytest.mark.parametrize("kind", [Rule.Kind.LESS_OR_EQUAL, Rule.Kind.EQUAL, Rule.Kind.GREATER_OR_EQUAL])
def test_comparisons_with_a_custom_message(kind):
    custom = rule(kind, "boys", "girls", message="Проверьте число мальчиков и девочек.")
    result = validation.check(sum_form(), [custom], {"boys": "1", "girls": "1000"}, complete=False)
    other = validation.check(sum_form(), [custom], {"boys": "1000", "girls": "1"}, complete=False)
    assert ["Проверьте число мальчиков и девочек."] in (result.form_errors, other.form_errors)


def test_sum_of_parts_equals_the_total():
    rules = [rule(Rule.Kind.SUM, "total", "boys", "girls")]
    ok = validation.check(sum_form(), rules, {"total": "50", "boys": "20", "girls": "30"}, complete=True)
    assert ok.ok
    broken = validation.check(
        sum_form(), rules, {"total": "5000", "boys": "20", "girls": "30"}, complete=True
    )
    assert broken.form_errors == ["«Всего» must equal the sum of «Мальчики», «Девочки» (now 50)."]
    custom = [rule(Rule.Kind.SUM, "total", "boys", "girls", message="Сумма не сходится.")]
    assert validation.check(
        sum_form(), custom, {"total": "1", "boys": "20", "girls": "30"}, complete=True
    ).form_errors == ["Сумма не сходится."]


def test_both_or_neither():
    rules = [rule(Rule.Kind.BOTH_OR_NEITHER, "note", "when")]
    assert validation.check(sum_form(), rules, {}, complete=False).form_errors == []
    assert validation.check(sum_form(), rules, {"note": "да", "when": "01.03.2026"}, complete=False).ok
    assert validation.check(sum_form(), rules, {"note": "да"}, complete=False).form_errors == [
        "«Примечание» and «Дата» are answered both or neither."
    ]
    custom = [rule(Rule.Kind.BOTH_OR_NEITHER, "note", "when", message="Укажите дату примечания.")]
    assert validation.check(sum_form(), custom, {"when": "01.03.2026"}, complete=False).form_errors == [
        "Укажите дату примечания."
    ]


def test_both_or_neither_counts_an_answer_that_does_not_check_as_given():
    rules = [rule(Rule.Kind.BOTH_OR_NEITHER, "note", "when")]
    result = validation.check(sum_form(), rules, {"note": "да", "when": "вчера"}, complete=False)
    assert result.errors == {"when": ["Enter a date as DD.MM.YYYY."]}
    assert result.form_errors == []


@pytest.mark.parametrize(
    "answers",
    [
        {"boys": "31"},  # the other is missing
        {"boys": "31", "girls": ""},
        {"boys": "31", "girls": "много"},  # the other does not check
    ],
)
@pytest.mark.parametrize("kind", [Rule.Kind.LESS_OR_EQUAL, Rule.Kind.EQUAL, Rule.Kind.GREATER_OR_EQUAL])
def test_comparisons_do_not_apply_while_a_value_is_missing(kind, answers):
    result = validation.check(sum_form(), [rule(kind, "boys", "girls")], answers, complete=False)
    assert result.form_errors == []


def test_sum_does_not_apply_while_a_part_is_missing():
    rules = [rule(Rule.Kind.SUM, "total", "boys", "girls")]
    assert validation.check(sum_form(), rules, {"total": "1", "boys": "20"}, complete=False).form_errors == []


@pytest.mark.parametrize(
    "fields",
    [["boys", "gone"], ["boys"], [], ["note", "boys"], ["when", "boys"], [["boys"], "girls"], "boys"],
)
@pytest.mark.parametrize("kind", [Rule.Kind.LESS_OR_EQUAL, Rule.Kind.SUM, "nonsense"])
def test_a_rule_that_does_not_fit_the_form_checks_nothing_and_never_raises(kind, fields):
    answers = {"boys": "3", "girls": "4", "note": "текст", "when": "01.03.2026", "total": "1"}
    broken = Rule(kind=kind, fields=fields)
    assert validation.check(sum_form(), [broken], answers, complete=True).form_errors == []


# Rule definitions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "codes", "problem"),
    [
        (Rule.Kind.LESS_OR_EQUAL, ["boys", "girls"], None),
        (Rule.Kind.EQUAL, ["boys", "girls"], None),
        (Rule.Kind.SUM, ["total", "boys", "girls"], None),
        (Rule.Kind.BOTH_OR_NEITHER, ["note", "when"], None),
        (Rule.Kind.BOTH_OR_NEITHER, ["note", "boys"], None),
        (Rule.Kind.LESS_OR_EQUAL, ["boys"], "A rule needs at least two questions."),
        (Rule.Kind.LESS_OR_EQUAL, [], "A rule needs at least two questions."),
        (Rule.Kind.LESS_OR_EQUAL, ["boys", "boys"], "A rule names each question once."),
        (Rule.Kind.LESS_OR_EQUAL, ["boys", "gone", "lost"], "No such questions in the form: gone, lost."),
        (Rule.Kind.LESS_OR_EQUAL, ["total", "boys", "girls"], "This rule compares exactly two questions."),
        (Rule.Kind.GREATER_OR_EQUAL, ["boys", "note"], "Only numeric questions can be compared."),
        (Rule.Kind.SUM, ["total", "boys", "when"], "Only numeric questions can be compared."),
        (Rule.Kind.SUM, ["total", "boys"], "A sum needs a total and at least two parts."),
        (Rule.Kind.BOTH_OR_NEITHER, ["note", "when", "boys"], "This rule compares exactly two questions."),
        ("median", ["boys", "girls"], "Choose what the rule checks."),
    ],
)
def test_rule_check_definition(kind, codes, problem):
    fields = {item.code: item for item in sum_form()}
    assert validation.rule_check_definition(kind, codes, fields) == problem


# as_text round trip -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "yes"),
        (False, "no"),
        (datetime.date(2026, 3, 1), "2026-03-01"),
        (Decimal("40"), "40"),
        (Decimal("1E+3"), "1000"),
        (Decimal("2.50"), "2.5"),
        (Decimal(10) ** 40, "1" + "0" * 40),
        (["Очная", "Дистанционная"], "Очная; Дистанционная"),
        ("текст", "текст"),
    ],
)
def test_as_text_writes_values_back_as_answers(value, text):
    assert validation.as_text(value) == text


def test_as_text_of_a_value_reads_back_as_the_same_value():
    item = question(kind=Kind.MULTIPLE_CHOICE, choices=CHOICES)
    value, _problem = clean(item, ["Очная, групповая", "Очная"])
    assert clean(item, validation.as_text(value)) == (value, None)


# Properties ---------------------------------------------------------------------------------------------


def every_kind_form() -> tuple[list[Field], list[Rule]]:
    fields = [
        question("whole", Kind.INTEGER, min_value=Decimal(0), max_value=Decimal(1000)),
        question("part", Kind.INTEGER, min_value=Decimal(0)),
        question("other", Kind.INTEGER, required=False),
        question("share", Kind.DECIMAL, max_value=Decimal("100.5")),
        question("name", Kind.TEXT),
        question("story", Kind.LONG_TEXT, required=False),
        question("format", Kind.CHOICE, choices=CHOICES),
        question("ways", Kind.MULTIPLE_CHOICE, choices=CHOICES, required=False),
        question("held_on", Kind.DATE),
        question("held", Kind.BOOLEAN),
        question("scan", Kind.FILE, required=False),
    ]
    rules = [
        rule(Rule.Kind.LESS_OR_EQUAL, "part", "whole"),
        rule(Rule.Kind.EQUAL, "part", "other"),
        rule(Rule.Kind.GREATER_OR_EQUAL, "whole", "part", message="Своё сообщение"),
        rule(Rule.Kind.SUM, "whole", "part", "other"),
        rule(Rule.Kind.BOTH_OR_NEITHER, "held_on", "held"),
        rule(Rule.Kind.BOTH_OR_NEITHER, "story", "ways"),
        # Rules the builder would refuse, but a form changed behind its back may hold.
        rule(Rule.Kind.LESS_OR_EQUAL, "name", "whole"),
        rule(Rule.Kind.SUM, "held_on", "share", "format"),
        rule(Rule.Kind.EQUAL, "held", "ways"),
    ]
    return fields, rules


FIELDS, RULES = every_kind_form()
CODES = [item.code for item in FIELDS]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(),
    st.text(alphabet="0123456789 ,.−-+'\u00a0", max_size=30),
    st.sampled_from(["да", "нет", "yes", "NO", "01.03.2026", "2026-02-30", "очная", "Очная, групповая"]),
    st.text(min_size=1, max_size=30).map(lambda s: s * (25000 // len(s) + 1)),  # huge strings
    st.just(10**5000),
    st.dates(),
    st.just("\x00\ud800"),
)
answers_strategy = st.dictionaries(
    st.one_of(st.sampled_from(CODES), st.text(max_size=5)),
    st.one_of(
        scalars, st.lists(scalars, max_size=4), st.dictionaries(st.text(max_size=3), scalars, max_size=2)
    ),
    max_size=len(CODES) + 2,
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(answers=answers_strategy, complete=st.booleans())
def test_check_never_raises(answers, complete):
    result = validation.check(FIELDS, RULES, answers, complete=complete)
    # Whatever came in, every question is either a cleaned value, a problem, or unanswered.
    assert not set(result.values) & set(result.errors)
    assert set(result.values) | set(result.errors) <= set(CODES)
    for code, value in result.values.items():
        item = next(f for f in FIELDS if f.code == code)
        if item.is_numeric:
            assert isinstance(value, Decimal) and value.is_finite() and abs(value) < validation.NUMBER_LIMIT
        # A cleaned value written back reads as the same value.
        assert validation.clean_value(item, validation.as_text(value)) == (value, None)


@settings(max_examples=500, deadline=None)
@given(raw=st.one_of(scalars, st.lists(scalars, max_size=3), st.binary(), st.complex_numbers()))
def test_parse_number_never_raises(raw):
    number = validation.parse_number(raw)
    assert number is None or (isinstance(number, Decimal) and number.is_finite())


@settings(max_examples=300, deadline=None)
@given(number=st.decimals(min_value=-(10**11), max_value=10**11, places=4))
def test_parse_number_reads_back_what_as_text_writes(number):
    assert validation.parse_number(validation.as_text(number)) == number
