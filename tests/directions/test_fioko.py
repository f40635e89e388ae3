"""The FIOKO arithmetic against numbers worked out by hand, and its properties."""

import json
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from directions import fioko
from directions.fioko import Figure, PositionScore


def p(code: str, component: str, max_: int | str, score: int | str | None) -> PositionScore:
    """A position whose direction and block come from its code: «2.3.4» is in 2.3 of block 2."""
    direction = code.rsplit(".", 1)[0]
    number = Decimal(max_) if isinstance(max_, str) else max_
    points = Decimal(score) if isinstance(score, str) else score
    return PositionScore(direction.split(".")[0], direction, component, code, number, points)


# A hand-made evaluation: both blocks, a position scored 0 (1.1.2), one not yet scored (1.1.5), a
# maximum of 0 (1.2.3), decimals (2.1.4), uneven maxima, and 2.3 a partial cycle (track).
EVALUATION = [
    p("1.1.1", "goals", 2, 2),
    p("1.1.2", "goals", 1, 0),
    p("1.1.3", "indicators", 3, 2),
    p("1.1.4", "measures", 4, 3),
    p("1.1.5", "effectiveness", 2, None),
    p("1.2.1", "goals", 1, 1),
    p("1.2.2", "monitoring", 1, 1),
    p("1.2.3", "decisions", 0, 0),
    p("2.1.1", "analysis", 5, 1),
    p("2.1.2", "recommendations", 5, 4),
    p("2.1.3", "decisions", 2, 2),
    p("2.1.4", "methods", "1.5", "0.5"),
    p("2.3.1", "goals", 2, 2),  # out of scope: 2.3 is partial
    p("2.3.2", "methods", 3, 0),  # out of scope
    p("2.3.3", "measures", 2, 1),
    p("2.3.4", "effectiveness", 1, 1),
]
PARTIAL = {"2.3"}

# By hand (score / max → 100·score/max → one decimal, half up):
#   1.1 goals          2+0 = 2 / 2+1 = 3     66.666… → 66.7
#   1.1 indicators     2 / 3                 66.7
#   1.1 measures       3 / 4                 75.0
#   1.1 effectiveness  0 (unscored) / 2      0.0
#   1.1                2+2+3+0 = 7 / 3+3+4+2 = 12   58.333… → 58.3
#   1.2 goals 1/1 100.0, monitoring 1/1 100.0, decisions 0/0 → none
#   1.2                2 / 2                 100.0
#   block 1            7+2 = 9 / 12+2 = 14   64.285… → 64.3   (mean of 58.3 and 100.0: 79.2)
#   2.1 methods        0.5 / 1.5             33.333… → 33.3
#   2.1 analysis 1/5 20.0, recommendations 4/5 80.0, decisions 2/2 100.0
#   2.1                0.5+1+4+2 = 7.5 / 1.5+5+5+2 = 13.5   55.555… → 55.6
#   2.3 measures 1/2 50.0, effectiveness 1/1 100.0 (goals and methods out of scope)
#   2.3                2 / 3                 66.666… → 66.7  (with goals and methods: 4/8, 50.0)
#   block 2            7.5+2 = 9.5 / 13.5+3 = 16.5   57.575… → 57.6  (mean of 55.6 and 66.7: 61.1)
#   total              9+9.5 = 18.5 / 14+16.5 = 30.5  60.655… → 60.7
#   (mean of the four direction percents: (58.33+100+55.56+66.67)/4 = 70.1)


def fig(score: str, max_: str) -> Figure:
    return Figure(Decimal(score), Decimal(max_))


def test_every_figure_of_the_hand_made_evaluation():
    indices = fioko.compute(EVALUATION, partial=PARTIAL)

    assert indices.components == {
        "1.1": {
            "goals": fig("2", "3"),
            "indicators": fig("2", "3"),
            "measures": fig("3", "4"),
            "effectiveness": fig("0", "2"),
        },
        "1.2": {"goals": fig("1", "1"), "monitoring": fig("1", "1"), "decisions": fig("0", "0")},
        "2.1": {
            "methods": fig("0.5", "1.5"),
            "analysis": fig("1", "5"),
            "recommendations": fig("4", "5"),
            "decisions": fig("2", "2"),
        },
        "2.3": {"measures": fig("1", "2"), "effectiveness": fig("1", "1")},
    }
    percents = {
        direction: {component: figure.percent for component, figure in figures.items()}
        for direction, figures in indices.components.items()
    }
    assert percents == {
        "1.1": {
            "goals": Decimal("66.7"),
            "indicators": Decimal("66.7"),
            "measures": Decimal("75.0"),
            "effectiveness": Decimal("0.0"),
        },
        "1.2": {"goals": Decimal("100.0"), "monitoring": Decimal("100.0"), "decisions": None},
        "2.1": {
            "methods": Decimal("33.3"),
            "analysis": Decimal("20.0"),
            "recommendations": Decimal("80.0"),
            "decisions": Decimal("100.0"),
        },
        "2.3": {"measures": Decimal("50.0"), "effectiveness": Decimal("100.0")},
    }
    assert indices.directions == {
        "1.1": fig("7", "12"),
        "1.2": fig("2", "2"),
        "2.1": fig("7.5", "13.5"),
        "2.3": fig("2", "3"),
    }
    assert [f.percent for f in indices.directions.values()] == [
        Decimal("58.3"),
        Decimal("100.0"),
        Decimal("55.6"),
        Decimal("66.7"),
    ]
    assert indices.blocks == {"1": fig("9", "14"), "2": fig("9.5", "16.5")}
    assert [f.percent for f in indices.blocks.values()] == [Decimal("64.3"), Decimal("57.6")]
    assert indices.total == fig("18.5", "30.5")
    assert indices.total.percent == Decimal("60.7")
    assert indices.total.lost == Decimal("12")


def test_components_keep_the_cycle_order_whatever_the_order_of_positions():
    indices = fioko.compute(reversed(EVALUATION), partial=PARTIAL)
    assert list(indices.components["2.1"]) == ["methods", "analysis", "recommendations", "decisions"]
    assert list(indices.directions) == ["1.1", "1.2", "2.1", "2.3"]


def test_block_index_is_a_ratio_of_sums_not_a_mean_of_direction_percents():
    indices = fioko.compute(EVALUATION, partial=PARTIAL)
    block_1 = [indices.directions["1.1"], indices.directions["1.2"]]
    mean = sum(Fraction(f.score) / Fraction(f.max) * 100 for f in block_1) / 2
    # (7/12 + 2/2) / 2 · 100 = 79.17, while 9/14 · 100 = 64.29: fifteen points apart.
    assert round(float(mean), 2) == 79.17
    assert indices.blocks["1"].percent == Decimal("64.3")
    block_2 = [indices.directions["2.1"], indices.directions["2.3"]]
    mean = sum(Fraction(f.score) / Fraction(f.max) * 100 for f in block_2) / 2
    # (7.5/13.5 + 2/3) / 2 · 100 = 61.11, while 9.5/16.5 · 100 = 57.58.
    assert round(float(mean), 2) == 61.11
    assert indices.blocks["2"].percent == Decimal("57.6")


def test_a_partial_cycle_counts_only_the_managerial_components():
    full = fioko.compute(EVALUATION)
    partial = fioko.compute(EVALUATION, partial=PARTIAL)
    # As a full cycle 2.3 is 2+0+1+1 = 4 of 2+3+2+1 = 8.
    assert full.directions["2.3"] == fig("4", "8")
    assert full.directions["2.3"].percent == Decimal("50.0")
    assert list(full.components["2.3"]) == ["goals", "methods", "measures", "effectiveness"]
    assert partial.directions["2.3"] == fig("2", "3")
    assert list(partial.components["2.3"]) == ["measures", "effectiveness"]
    # The other directions do not move.
    assert {d: f for d, f in full.directions.items() if d != "2.3"} == {
        d: f for d, f in partial.directions.items() if d != "2.3"
    }


def test_a_partial_direction_without_managerial_positions_stays_at_nothing_of_nothing():
    indices = fioko.compute([p("2.4.1", "goals", 2, 1), p("2.5.1", "measures", 2, 1)], partial={"2.4"})
    assert indices.components == {"2.4": {}, "2.5": {"measures": fig("1", "2")}}
    assert indices.directions["2.4"] == fig("0", "0")
    assert indices.directions["2.4"].percent is None
    assert indices.total == fig("1", "2")


def test_as_json_gives_ints_floats_and_none_in_display_order():
    data = fioko.compute(EVALUATION, partial=PARTIAL).as_json()
    assert list(data) == ["components", "directions", "blocks", "total"]
    assert data["components"]["1.1"]["goals"] == {"score": 2, "max": 3, "percent": 66.7}
    assert data["components"]["2.1"]["methods"] == {"score": 0.5, "max": 1.5, "percent": 33.3}
    assert data["components"]["1.2"]["decisions"] == {"score": 0, "max": 0, "percent": None}
    assert data["directions"]["1.2"] == {"score": 2, "max": 2, "percent": 100.0}
    assert data["blocks"] == {
        "1": {"score": 9, "max": 14, "percent": 64.3},
        "2": {"score": 9.5, "max": 16.5, "percent": 57.6},
    }
    assert data["total"] == {"score": 18.5, "max": 30.5, "percent": 60.7}
    assert type(data["total"]["percent"]) is float and type(data["blocks"]["1"]["score"]) is int
    assert json.loads(json.dumps(data)) == data


def test_directions_sort_by_their_numbers():
    positions = [p(f"{d}.1", "goals", 1, 1) for d in ("2.1", "1.10", "1.9", "1.2", "10.1", "1.1")]
    indices = fioko.compute(positions)
    assert list(indices.directions) == ["1.1", "1.2", "1.9", "1.10", "2.1", "10.1"]
    assert list(indices.components) == list(indices.directions)
    assert list(indices.blocks) == ["1", "2", "10"]


@pytest.mark.parametrize(
    ("score", "maximum", "percent", "naive"),
    [
        ("1", "6", "16.7", None),  # 16.666…
        ("2", "3", "66.7", None),
        ("5", "6", "83.3", None),
        ("1", "8", "12.5", None),  # exact, nothing to round
        ("0.125", "1", "12.5", None),
        ("1", "400", "0.3", 0.2),  # 0.25: float round() goes to the even 0.2
        ("1", "16", "6.3", 6.2),  # 6.25, the same
        ("7", "2000", "0.4", 0.3),  # 0.35 is 0.34999… as a float
        ("1.15", "100", "1.2", 1.1),  # 1.15 is 1.14999… as a float (the 2.675 case)
        ("0", "5", "0.0", None),
        ("5", "5", "100.0", None),
    ],
)
def test_percent_is_rounded_half_up_to_one_decimal(score, maximum, percent, naive):
    figure = fig(score, maximum)
    assert figure.percent == Decimal(percent)
    assert str(figure.percent) == percent
    if naive is not None:
        # Where float arithmetic would give another figure, ours is the half-up one.
        assert round(100 * float(score) / float(maximum), 1) == naive != float(percent)


def test_a_maximum_of_zero_has_no_percent():
    assert fig("0", "0").percent is None
    assert fig("0", "0").as_json() == {"score": 0, "max": 0, "percent": None}
    assert fig("0", "0").lost == 0


def test_explain_lists_the_positions_that_lost_points_most_first():
    indices = fioko.compute(EVALUATION, partial=PARTIAL)
    shortfalls = fioko.explain(indices, EVALUATION)
    # Lost per position: 1.1.2 1, 1.1.3 1, 1.1.4 1, 1.1.5 2 (unscored), 2.1.1 4, 2.1.2 1, 2.1.4 1,
    # 2.3.3 1; 2.3.1 and 2.3.2 are out of scope; 1.2.3 (0 of 0) lost nothing.
    assert [(s.direction, s.component, s.lost, [x.code for x in s.positions]) for s in shortfalls] == [
        ("2.1", "analysis", Decimal(4), ["2.1.1"]),
        ("1.1", "effectiveness", Decimal(2), ["1.1.5"]),
        ("1.1", "goals", Decimal(1), ["1.1.2"]),
        ("1.1", "indicators", Decimal(1), ["1.1.3"]),
        ("1.1", "measures", Decimal(1), ["1.1.4"]),
        ("2.1", "methods", Decimal(1), ["2.1.4"]),
        ("2.1", "recommendations", Decimal(1), ["2.1.2"]),
        ("2.3", "measures", Decimal(1), ["2.3.3"]),
    ]
    # Each group's loss is its component's: the figure is explained by its positions.
    assert all(s.lost == s.figure.lost for s in shortfalls)
    assert sum(s.lost for s in shortfalls) == indices.total.lost == 12


def test_explain_puts_the_position_that_lost_most_first_within_a_component():
    positions = [
        p("1.1.1", "goals", 2, 1),
        p("1.1.2", "goals", 5, 1),
        p("1.1.3", "goals", 3, 3),
        p("1.1.10", "goals", 1, None),
        p("1.1.9", "goals", 1, 0),
    ]
    indices = fioko.compute(positions)
    [shortfall] = fioko.explain(indices, positions)
    assert [x.code for x in shortfall.positions] == ["1.1.2", "1.1.1", "1.1.9", "1.1.10"]
    assert shortfall.lost == 4 + 1 + 1 + 1


def test_explain_shows_an_unscored_position_even_with_nothing_to_lose():
    positions = [p("1.1.1", "goals", 0, None)]
    [shortfall] = fioko.explain(fioko.compute(positions), positions)
    assert shortfall.lost == 0 and shortfall.positions == tuple(positions)


@pytest.mark.parametrize(
    ("percent", "label"),
    [(None, None), ("0.0", "low"), ("49.9", "low"), ("50.0", "medium"), ("79.9", "medium"), ("80", "high")],
)
def test_level_takes_the_highest_band_reached(percent, label):
    bands = [(80, "high"), (0, "low"), (Decimal("50"), "medium")]
    assert fioko.level(None if percent is None else Decimal(percent), bands) == label


def test_level_without_bands_or_below_them_is_none():
    assert fioko.level(Decimal("75.0"), []) is None
    assert fioko.level(Decimal("10.0"), [(20, "low")]) is None


def messages(positions: list[PositionScore]) -> list[str]:
    with translation.override("en"), pytest.raises(ValidationError) as error:
        fioko.check_positions(positions)
    return error.value.messages


@pytest.mark.parametrize(
    ("position", "message"),
    [
        (p("1.1.1", "goal", 2, 1), "Position 1.1.1: unknown component «goal»; use one of goals, indicators,"),
        (p("1.1.1", "goals", 2, 3), "Position 1.1.1: the score 3 is above the maximum 2."),
        (p("1.1.1", "goals", "1.5", "1.75"), "Position 1.1.1: the score 1,75 is above the maximum 1,5."),
        (p("1.1.1", "goals", -1, None), "Position 1.1.1: the maximum −1 is negative."),
        (p("1.1.1", "goals", 2, -1), "Position 1.1.1: the score −1 is negative."),
        (p("1.1.1", "goals", "NaN", 1), "Position 1.1.1: the maximum «NaN» is not a number"),
        (p("1.1.1", "goals", 10**9, 1), "Position 1.1.1: the maximum «1000000000» is not a number"),
        (p("1.1.1", "goals", 1, "0.0000001"), "Position 1.1.1: the score «1E-7» is not a number"),
        (PositionScore("1", "1.1", "goals", "1.1.1", 2, 1.0), "Position 1.1.1: the score «1.0» is not"),
        (
            PositionScore("1", "1.1", "goals", " ", 2, 1),
            "the block, the direction and the code are required.",
        ),
    ],
)
def test_check_positions_names_the_position_and_the_problem(position, message):
    [problem] = messages([p("1.1.0", "goals", 1, 1), position])
    assert message in problem


def test_check_positions_refuses_a_code_twice_in_a_direction_but_not_in_two():
    assert messages([p("1.1.1", "goals", 2, 1), p("1.1.1", "methods", 1, 1)]) == [
        "Position 1.1.1: code 1.1.1 appears twice in direction 1.1."
    ]
    fioko.check_positions([p("1.1.1", "goals", 2, 1), PositionScore("1", "1.2", "goals", "1.1.1", 1, 1)])


def test_check_positions_refuses_a_direction_under_two_blocks():
    positions = [p("1.1.1", "goals", 2, 1), PositionScore("2", "1.1", "goals", "1.1.2", 1, 1)]
    assert messages(positions) == [
        "Position 1.1.2: direction 1.1 is put under block 2, but position 1.1.1 puts it under block 1."
    ]


def test_check_positions_lists_every_problem_and_uses_the_names_given():
    positions = [p("1.1.1", "goal", 2, 3), p("1.1.2", "goals", 1, 2)]
    with translation.override("en"), pytest.raises(ValidationError) as error:
        fioko.check_positions(positions, names=["Row 2 (position 1.1.1)", "Row 3 (position 1.1.2)"])
    assert [m.split(":")[0] for m in error.value.messages] == [
        "Row 2 (position 1.1.1)",
        "Row 2 (position 1.1.1)",
        "Row 3 (position 1.1.2)",
    ]


def test_compute_refuses_wrong_positions():
    with pytest.raises(ValidationError):
        fioko.compute([p("1.1.1", "goals", 1, 2)])


def test_hand_made_evaluation_passes_the_checks():
    fioko.check_positions(EVALUATION)


# Properties, on generated evaluations of consistent positions.
DIRECTIONS = ["1.1", "1.2", "1.9", "1.10", "2.1", "2.3", "2.4"]
amounts = st.one_of(
    st.integers(0, 20),
    st.decimals(min_value=0, max_value=20, places=2, allow_nan=False, allow_infinity=False),
)


@st.composite
def evaluations(draw):
    rows = draw(
        st.lists(
            st.tuples(st.sampled_from(DIRECTIONS), st.sampled_from(fioko.COMPONENTS), amounts), max_size=40
        )
    )
    positions = []
    for number, (direction, component, maximum) in enumerate(rows):
        score = draw(
            st.one_of(
                st.none(),
                st.integers(0, int(maximum)),
                st.decimals(min_value=0, max_value=maximum, places=2, allow_nan=False, allow_infinity=False),
            )
        )
        block = direction.split(".")[0]
        positions.append(PositionScore(block, direction, component, f"{direction}.{number}", maximum, score))
    partial = draw(st.sets(st.sampled_from(DIRECTIONS)))
    return positions, partial


@given(evaluations())
def test_total_percent_is_between_0_and_100(evaluation):
    positions, partial = evaluation
    total = fioko.compute(positions, partial=partial).total
    assert total.percent is None or 0 <= total.percent <= 100
    assert (total.percent is None) == (total.max == 0)


@given(evaluations())
def test_sums_add_up_at_every_level(evaluation):
    positions, partial = evaluation
    indices = fioko.compute(positions, partial=partial)
    assert indices.total.score == sum(f.score for f in indices.directions.values())
    assert indices.total.max == sum(f.max for f in indices.directions.values())
    assert indices.total.score == sum(f.score for f in indices.blocks.values())
    for direction, figures in indices.components.items():
        assert indices.directions[direction].score == sum(f.score for f in figures.values())
        assert indices.directions[direction].max == sum(f.max for f in figures.values())
    in_scope = [x for x in positions if fioko.in_scope(x, partial)]
    assert indices.total.max == sum(Decimal(x.max) for x in in_scope)
    assert indices.total.score == sum(Decimal(x.score or 0) for x in in_scope)


@given(evaluations(), st.randoms(use_true_random=False))
def test_the_order_of_positions_changes_nothing(evaluation, rng: random.Random):
    positions, partial = evaluation
    shuffled = positions[:]
    rng.shuffle(shuffled)
    before = fioko.compute(positions, partial=partial)
    after = fioko.compute(shuffled, partial=partial)
    assert after == before
    assert json.dumps(after.as_json()) == json.dumps(before.as_json())
    assert fioko.explain(after, shuffled) == fioko.explain(before, positions)


@given(st.integers(0, 10**6), st.integers(1, 10**6))
def test_percent_matches_exact_half_up_rounding(score, maximum):
    exact = Fraction(100 * score, maximum) * 10  # tenths of a percent
    tenths = int(exact + Fraction(1, 2))  # floor(x + ½): half up for x ≥ 0
    assert Figure(Decimal(score), Decimal(maximum)).percent == Decimal(tenths) / 10
