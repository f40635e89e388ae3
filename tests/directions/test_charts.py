"""The server-side bar chart: well-formed SVG, read aloud by its title and description, labels
escaped, bars proportional to the percentages."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from django.utils.safestring import SafeString

from directions.charts import bar_chart, percent_text

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def bar_widths(root: ET.Element) -> list[float]:
    return [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]


def test_chart_is_an_image_named_and_described_for_screen_readers():
    markup = bar_chart(
        [("1.1 Оценка качества", Decimal("72.3")), ("1.2 ШНОР", None)], title="Блок 1: индексы направлений"
    )

    assert isinstance(markup, SafeString)
    root = parse(markup)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert (title.get("id"), title.text) == (title_id, "Блок 1: индексы направлений")
    assert desc.get("id") == desc_id
    assert desc.text == "1.1 Оценка качества: 72,3 %; 1.2 ШНОР: —"
    # The geometry is hidden from assistive technology; the figures are read from <desc>.
    assert root.find(f"{SVG}g").get("aria-hidden") == "true"


def test_bars_are_proportional_to_the_percent_and_none_draws_no_bar():
    root = parse(
        bar_chart(
            [("a", Decimal(100)), ("b", Decimal(50)), ("c", Decimal(0)), ("d", None)],
            title="t",
        )
    )

    widths = bar_widths(root)
    assert len(widths) == 3  # «d» has no percentage: no bar, the text «—»
    assert widths[0] == 2 * widths[1]
    assert widths[2] == 0
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert "100,0 %" in texts and "50,0 %" in texts and "0,0 %" in texts and "—" in texts


def test_values_outside_the_scale_are_clipped_in_the_picture_but_read_as_they_are():
    root = parse(bar_chart([("над", Decimal("120")), ("под", Decimal("-5"))], title="t"))

    widths = bar_widths(root)
    full = parse(bar_chart([("x", Decimal(100))], title="t"))
    assert widths == [bar_widths(full)[0], 0]
    assert root.find(f"{SVG}desc").text == "над: 120,0 %; под: −5,0 %"


def test_labels_are_escaped_and_long_ones_are_shortened_in_the_picture_only():
    evil = '<script>alert("x")</script> & «кавычки»'
    long_label = "2.3 Система мониторинга качества дополнительного профессионального образования"
    markup = bar_chart([(evil, Decimal(10)), (long_label, Decimal(20))], title="<b>Блок</b>")

    assert "<script>" not in markup and "<b>" not in markup
    root = parse(markup)  # still well-formed XML
    assert root.find(f"{SVG}title").text == "<b>Блок</b>"
    shown = [text.text for text in root.iter(f"{SVG}text")]
    assert any(text.endswith("…") and long_label.startswith(text[:-1]) for text in shown)
    # The full label stays in the bar's own <title> and in the description.
    assert f"{long_label}: 20,0 %" in [title.text for title in root.iter(f"{SVG}title")]
    assert evil in root.find(f"{SVG}desc").text


def test_ids_differ_between_charts_on_one_page_and_are_stable():
    first = bar_chart([("a", Decimal(1))], title="Блок 1")
    second = bar_chart([("a", Decimal(1))], title="Блок 2")

    ids = set(re.findall(r'id="([^"]+)-title"', first + second))
    assert len(ids) == 2
    assert first == bar_chart([("a", Decimal(1))], title="Блок 1")


def test_an_empty_chart_still_describes_itself():
    root = parse(bar_chart([], title="Пусто"))

    assert root.find(f"{SVG}desc").text  # «No data.» in the active language
    assert bar_widths(root) == []


def test_percent_text_rounds_half_up_with_a_comma():
    assert percent_text(Decimal("72.25")) == "72,3 %"
    assert percent_text(Decimal("0.04")) == "0,0 %"
    assert percent_text(None) == "—"
