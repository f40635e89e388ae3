"""The demo roadmaps: the Amur roadmap of seed 001 and the eight Dobryanka roadmaps of seed 003, with
their sections, events, directions, matched responsible people and plausible states."""

import pytest

from directions import demo as directions_demo
from mcok import demo as mcok_demo
from roadmaps import demo_roadmaps
from roadmaps.models import Event, Occurrence, Roadmap, Section

# (sections, events) of each roadmap in the order of the seeds.
AMURSK = [(1, 10), (2, 6), (3, 6), (4, 9), (5, 5), (6, 2)]
DOBRYANKA = {
    "1.1": [5, 9, 4],
    "1.2": [3, 5, 3],
    "1.4": [6, 7, 2],
    "2.1": [3, 5, 1],
    "2.2": [5, 4, 4],
    "2.3": [5, 8, 5],
    "2.4": [6, 5, 2],
    "2.5": [5, 8, 4],
}


@pytest.fixture
def demo(db):
    mcok_demo.load()
    directions_demo.load()
    demo_roadmaps.load()


def _events_per_section(roadmap: Roadmap) -> list[int]:
    return [section.events.count() for section in roadmap.sections.order_by("order")]


def test_the_amur_roadmap_has_its_six_sections_and_38_events(demo):
    roadmap = Roadmap.objects.get(municipality__slug="amursk")
    assert roadmap.title.startswith("«Дорожная карта» муниципального проекта")
    assert (roadmap.start_year, roadmap.end_year) == (2022, 2024)
    assert [int(s.number) for s in roadmap.sections.order_by("order")] == [n for n, _count in AMURSK]
    assert _events_per_section(roadmap) == [count for _n, count in AMURSK]
    assert roadmap.events.count() == 38
    event = roadmap.events.get(number="1.5")
    assert event.deadline_text == "В соответствии с расписанием проведения ГИА"
    assert {o.full_name for o in event.responsible_officials.all()} == {
        "Лёзина М.А.", "Максимова М.П.", "Буханцева М.Ю."
    }  # fmt: skip
    assert "руководители ОУ" in event.responsible_text
    assert {o.short_name for o in roadmap.events.get(number="1.3").responsible_organizations.all()} == {
        "МКУ ИМЦ"
    }


def test_the_eight_dobryanka_roadmaps_with_their_directions_criteria_and_events(demo):
    roadmaps = Roadmap.objects.filter(municipality__slug="dobryanka").select_related("direction")
    assert roadmaps.count() == 8
    by_code = {roadmap.direction.code: roadmap for roadmap in roadmaps}
    assert set(by_code) == set(DOBRYANKA)
    for code, counts in DOBRYANKA.items():
        roadmap = by_code[code]
        assert _events_per_section(roadmap) == counts, code
        assert roadmap.criteria, code
        assert roadmap.start_year == 2021
    quality = by_code["1.1"]
    assert len(quality.criteria) == 5
    assert quality.criteria[-1] == "по оценке функциональной грамотности"
    publication = quality.events.get(number="2.4")
    assert publication.deadline_text == "Ежегодно (сентябрь)"
    assert publication.result == "Опубликованы результаты мониторинга"
    assert [o.short_name for o in publication.responsible_organizations.all()] == ["МБУ ДПО «ИМЦ»"]
    assert [s.title for s in quality.sections.order_by("order")] == [
        "Нормативно-правовое обеспечение",
        "Общесистемные мероприятия",
        "Мониторинг управления ходом реализации Плана",
    ]


def test_the_instances_show_real_tracking(demo):
    states = set(Occurrence.objects.values_list("state", flat=True))
    assert {Occurrence.State.DONE, Occurrence.State.IN_PROGRESS, Occurrence.State.PLANNED} <= states
    assert Occurrence.objects.overdue().exists()
    done = Occurrence.objects.filter(state=Occurrence.State.DONE)
    assert not done.filter(report="").exists()
    assert not done.filter(done_on=None).exists()
    assert (
        Occurrence.objects.filter(state=Occurrence.State.DONE).count() > Occurrence.objects.overdue().count()
    )


def test_loading_twice_changes_nothing(demo):
    models = (Roadmap, Section, Event, Occurrence)
    before = [(model.objects.count(), sorted(model.objects.values_list("pk", flat=True))) for model in models]
    states = list(Occurrence.objects.order_by("pk").values_list("state", "report"))
    demo_roadmaps.load()
    assert [(m.objects.count(), sorted(m.objects.values_list("pk", flat=True))) for m in models] == before
    assert list(Occurrence.objects.order_by("pk").values_list("state", "report")) == states
