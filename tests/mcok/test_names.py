"""The one name matcher (mcok.names) on the names the seeds write."""

from dataclasses import dataclass

import pytest

from mcok import names


@dataclass(frozen=True)
class Org:
    short_name: str
    full_name: str = ""
    kind: str = "school"


@dataclass(frozen=True)
class Person:
    full_name: str


@pytest.mark.parametrize(
    "written",
    [
        "МБОУ «СОШ № 1»",
        'МБОУ "СОШ №1"',
        "мбоу сош N 1",
        "СОШ №1",
        "муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 1»",
        "МОБУ СОШ № 1",
    ],
)
def test_one_school_in_its_spellings(written):
    assert names.organization_core(written) == "сош№1"


def test_the_legal_form_in_full_and_abbreviated():
    assert (
        names.legal_form("муниципальное автономное дошкольное образовательное учреждение «ДДС № 15»")
        == "мадоу"
    )
    assert names.legal_form("МБУ ДО «ДШИ»") == "мбу до"
    assert names.legal_form("ГАУ ДПО «ЦОПП РБ»") == "гау дпо"
    assert names.organization_key("муниципальное бюджетное учреждение дополнительного образования «ДШИ»") == (
        names.organization_key("МБУ ДО «ДШИ»")
    )
    assert names.organization_key("МБОУ «СОШ № 1»") != names.organization_key("МАОУ «СОШ № 1»")


def test_the_dobryanka_schools_of_the_order():
    schools = [Org("МБОУ «ДООШ № 1»"), Org("МАОУ «ПСОШ № 1»"), Org("МБОУ «ДСОШ № 3»"), Org("МБОУ «ДСОШ № 2»")]
    assert names.best_organization("МБОУ «ПСОШ №1»", schools) == schools[1]
    assert names.best_organization("МБОУ «ДСОШ № 3»", schools) == schools[2]
    assert names.best_organization("ПСОШ №1", schools[:1] + schools[2:]) is None  # never «ДООШ № 1»
    assert names.best_organization("СОШ №1", [Org("СОШ №11"), Org("СОШ №12")]) is None
    assert names.best_organization("ДСОШ № 1", schools) is None


def test_a_kindergarten_by_its_number_and_kind():
    gardens = [Org("МАДОУ «ДДС № 15»", kind="kindergarten"), Org("МБОУ «СОШ № 15»")]
    assert names.best_organization("Детский сад № 15", gardens) == gardens[0]
    assert names.best_organization("ЦРР «ДДС № 15»", gardens) == gardens[0]
    gardens.append(Org("МБДОУ «Детский сад № 15 «Радуга»»", kind="kindergarten"))
    assert names.best_organization("Детский сад №15", gardens) is None  # two of that number: refused


def test_an_ambiguous_name_is_refused():
    same = [Org("МБОУ «СОШ № 1»"), Org("МАОУ «СОШ № 1»")]
    assert names.best_organization("СОШ №1", same) is None
    assert names.best_organization("МАОУ «СОШ № 1»", same) == same[1]  # the legal form decides


def test_full_names_and_the_dpo_bodies():
    bodies = [
        Org(
            "ГАУ ДПО ИРО РБ",
            "Государственное автономное учреждение дополнительного профессионального образования Институт развития образования Республики Башкортостан",  # noqa: E501
            "other",
        ),
        Org("ГАУ ДПО «ЦОПП РБ»", kind="other"),
    ]
    assert names.best_organization("ГАУ ДПО «ЦОПП РБ»", bodies) == bodies[1]
    assert names.best_organization("ГАУ ДПО ИРО РБ", bodies) == bodies[0]
    assert names.organization_at_start("ГАУ ДПО ИРО РБ совместно с ГАУ ДПО «ЦОПП РБ»", bodies) == bodies[0]
    assert names.organization_at_start("СОШ №12, директор", [Org("СОШ №1")]) is None
    assert names.organization_at_start("МБОУ СОШ № 1, директор", [Org("СОШ №1")]).short_name == "СОШ №1"


def test_officials_by_surname_and_initials():
    people = [
        Person("Мастрюкова Людмила Ивановна"),
        Person("Мастрюкова Лидия Викторовна"),
        Person("Лазарева Светлана Анатольевна"),
    ]
    assert names.person_key("Мастрюкова Л.И.") == ("мастрюкова", "ли")
    assert names.person_key("Л. И. Мастрюкова, методист") == ("мастрюкова", "ли")
    assert names.person_key("МБОУ «СОШ № 1»") is None
    assert names.best_official("Мастрюкова Л.И.", people) == people[0]
    assert names.best_official("Мастрюкова Людмила Ивановна", people) == people[0]
    assert names.best_official("Мастрюкова Л.", people) is None  # two agree: refused
    assert (
        names.best_official("Лазарёва С.А.", people) is None
        or names.person_key("Лазарёва С.А.")[0] == "лазарева"
    )
    assert names.best_official("Лазарева С.А.", people) == people[2]
    assert names.same_person("Мастрюкова Л.И.", "Мастрюкова Людмила Ивановна")
    assert not names.same_person("Мастрюкова Л.В.", "Мастрюкова Людмила Ивановна")


def test_the_dobryanka_members_land_in_the_schools_the_order_names(db):
    from mcok import demo as mcok_demo
    from roadmaps import demo_groups
    from roadmaps.models import Member

    mcok_demo.load()
    demo_groups.load()
    lazareva = Member.objects.get(full_name="Лазарева Светлана Анатольевна")
    assert names.organization_core(lazareva.organization.short_name) == "псош№1"
    for group in demo_groups.GROUPS:
        for line, written in group[3]:
            if not written:
                continue
            member = Member.objects.get(group__title=group[0], full_name=demo_groups.split_member(line)[0])
            if member.organization is None:
                continue
            organization, _qualifier = demo_groups.split_organization(written)
            core = names.organization_core(demo_groups._as_usual(organization))
            held = names.organization_core(demo_groups._as_usual(member.organization.short_name))
            assert names._DIGITS.findall(core) == names._DIGITS.findall(held), (line, written, held)
