"""Project groups by their regulation (seed 003, Приложение 2 and 3), by its own numbers: the leader is
member 1 (in the quorum base, present, voting); a meeting without a quorum adopts nothing and its
protocol says so for every item; repeated and unplanned meetings; the review of the roadmap with the
events' state on the meeting's date; notices with an .ics file and the protocol sent by e-mail; the
members' positions and qualifiers as written; the demo memberships as the order lists them."""

import datetime
import io

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from mcok import demo as mcok_demo
from roadmaps import demo_groups, group_mail, groups, protocol
from roadmaps.models import AgendaItem, Event, Meeting, Member, Occurrence, ProjectGroup, Roadmap
from tests.factories import make_official

TITLE = "Система оценки качества дошкольного образования в Добрянском городском округе"
DAY = datetime.date(2021, 9, 21)


def _group(world, members=8, *, leader_email="zaykova@example.ru"):
    """A group as Приложение 3 has it: the leader (member 1) and `members` others — 9 in all."""
    leader = make_official(world.municipality, full_name="Зайкова Елена Викторовна", email=leader_email)
    group = groups.group_create(
        municipality=world.municipality, title=TITLE, by=world.coordinator, leader=leader
    )
    for n in range(members):
        groups.member_add(
            group=group,
            by=world.coordinator,
            full_name=f"Членова{n} А.Б.",
            position="воспитатель",
            organization=world.school,
            email=f"member{n}@example.ru" if n % 2 == 0 else "",
        )
    return group


def _leader(group) -> Member:
    return group.members.get(is_leader=True)


def _meeting(world, group, attendees, **extra):
    return groups.meeting_create(
        group=group,
        by=world.coordinator,
        date=extra.pop("date", DAY),
        time=datetime.time(14, 30),
        place="МАДОУ «Детский сад № 11»",
        attendees=attendees,
        chair="Зайкова Е.В.",
        secretary="Членова7 А.Б.",
        **extra,
    )


def _others(group) -> list[Member]:
    return list(group.members.filter(is_leader=False).order_by("order"))


def _pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


# The leader is member 1 ---------------------------------------------------------------------------------


def test_the_leader_is_member_one_of_nine(world):
    group = _group(world)
    leader = _leader(group)
    assert leader.official == group.leader
    assert list(group.members.order_by("order"))[0] == leader
    meeting = _meeting(world, group, [leader])
    assert meeting.members_total == 9  # 8 in the portal before: the leader left out
    assert list(meeting.attendees.all()) == [leader]


def test_changing_the_leader_keeps_one_leader_row_and_cannot_remove_the_leader(world):
    group = _group(world)
    first = _leader(group)
    with pytest.raises(ValidationError):
        groups.member_remove(member=first, by=world.coordinator)
    other = make_official(world.municipality, full_name="Пермякова Нина Викторовна")
    groups.group_update(group=group, title=TITLE, by=world.coordinator, leader=other)
    assert list(group.members.filter(is_leader=True).values_list("official", flat=True)) == [other.pk]
    assert group.members.filter(pk=first.pk, is_active=True, is_leader=False).exists()
    assert group.members.filter(is_active=True).count() == 10


# Quorum and adoption by the regulation's numbers ---------------------------------------------------------


def test_four_of_nine_present_no_quorum_no_item_adopted_and_the_protocol_says_so(world):
    group = _group(world)
    meeting = _meeting(world, group, [_leader(group), *_others(group)[:3]])
    assert (meeting.members_total, meeting.attendees.count()) == (9, 4)
    for title in ("О плане контрольно-оценочных мероприятий", "О размещении рекомендаций"):
        groups.agenda_item_add(meeting=meeting, by=world.coordinator, title=title, votes_for=4)
    assert not groups.has_quorum(4, 9)
    for item in meeting.items.all():
        assert groups.passed(item, 4)  # a majority voted, and still:
        assert not groups.adopted(item, 4, 9)
    with translation.override("ru"):
        html = str(protocol.protocol_html(meeting))
        pdf_text = _pdf_text(protocol.protocol_pdf(meeting))
    assert "Решение принято." not in html
    assert html.count("Решение не принято: заседание неправомочно (нет кворума).") == 2
    assert "Решение принято." not in pdf_text
    assert pdf_text.count("Решение не принято: заседание неправомочно (нет кворума).") == 2
    data = _api_meeting(world, meeting)
    assert data["quorum"] is False and [i["passed"] for i in data["items"]] == [False, False]


def test_five_of_nine_present_three_for_adopted(world):
    group = _group(world)
    meeting = _meeting(world, group, [_leader(group), *_others(group)[:4]])
    item = groups.agenda_item_add(
        meeting=meeting,
        by=world.coordinator,
        title="О плане",
        votes_for=3,
        votes_against=1,
        votes_abstained=1,
    )
    assert groups.adopted(item, 5, 9)
    with translation.override("ru"):
        html = str(protocol.protocol_html(meeting))
    assert "Решение принято." in html and "неправомочно" not in html
    assert _api_meeting(world, meeting)["items"][0]["passed"] is True


def test_the_leaders_presence_and_vote_count(world):
    group = _group(world)
    # without the leader, four others of nine: no quorum
    others_only = _meeting(world, group, _others(group)[:4])
    assert not groups.has_quorum(others_only.attendees.count(), others_only.members_total)
    with pytest.raises(ValidationError):  # five votes among four present
        groups.agenda_item_add(
            meeting=others_only, by=world.coordinator, title="О плане", votes_for=3, votes_against=2
        )
    # with the leader present the same four make a quorum, and the leader's is the fifth vote
    meeting = _meeting(
        world, group, [_leader(group), *_others(group)[:4]], date=DAY + datetime.timedelta(days=1)
    )
    item = groups.agenda_item_add(
        meeting=meeting, by=world.coordinator, title="О плане", votes_for=3, votes_against=2
    )
    assert groups.adopted(item, 5, 9)


# Repeated and unplanned meetings ----------------------------------------------------------------------


def test_a_repeated_meeting_holds_the_one_without_a_quorum(world):
    group = _group(world)
    failed = _meeting(world, group, _others(group)[:3])
    held = _meeting(world, group, [_leader(group), *_others(group)[:5]])
    later = DAY + datetime.timedelta(days=7)
    with pytest.raises(ValidationError):  # a quorate meeting is not repeated
        _meeting(world, group, _others(group), date=later, kind=Meeting.Kind.REPEATED, repeats=held)
    with pytest.raises(ValidationError):  # a repeated meeting names the one it repeats
        _meeting(world, group, _others(group), date=later, kind=Meeting.Kind.REPEATED)
    with pytest.raises(ValidationError):  # not before it
        _meeting(world, group, _others(group), date=DAY - datetime.timedelta(days=1), repeats=failed)
    elsewhere = groups.group_create(municipality=world.municipality, title="Другая", by=world.coordinator)
    with pytest.raises(ValidationError):  # not another group's
        groups.meeting_create(group=elsewhere, by=world.coordinator, date=later, repeats=failed)
    repeated = _meeting(world, group, _others(group), date=later, repeats=failed)
    assert repeated.kind == Meeting.Kind.REPEATED and repeated.repeats == failed
    assert list(failed.repeated_by.all()) == [repeated]
    with translation.override("ru"):
        html = str(protocol.protocol_html(repeated))
    assert "Повторное заседание" in html
    assert f"вместо заседания № {failed.number} от 21.09.2021" in html


def test_an_unplanned_meeting_is_printed_as_such(world):
    group = _group(world)
    meeting = _meeting(world, group, _others(group), kind=Meeting.Kind.UNPLANNED)
    assert meeting.kind == Meeting.Kind.UNPLANNED and meeting.repeats is None
    with translation.override("ru"):
        assert "Внеплановое заседание" in str(protocol.protocol_html(meeting))


# The review of the roadmap (3.6) --------------------------------------------------------------------------


def test_the_roadmap_review_takes_the_events_state_on_the_meetings_date(world):
    group = _group(world)
    group.direction = world.direction
    group.save()
    roadmap = Roadmap.objects.create(
        municipality=world.municipality, direction=world.direction, title="Дорожная карта МСОКО ДОО"
    )
    event = Event.objects.create(
        roadmap=roadmap,
        number="1.1",
        content="Мониторинг качества дошкольного образования",
        deadline_text="до 01.10.2021",
    )
    other = Roadmap.objects.create(
        municipality=world.municipality, direction=world.other_direction, title="Чужая"
    )
    Event.objects.create(roadmap=other, number="9", content="Чужое мероприятие")
    with time_machine.travel(datetime.datetime(2021, 9, 1, 10, 0, tzinfo=datetime.UTC), tick=False):
        occurrence = Occurrence.objects.create(
            event=event, starts_on=datetime.date(2021, 9, 1), due_on=datetime.date(2021, 10, 1)
        )
    with time_machine.travel(datetime.datetime(2021, 10, 15, 10, 0, tzinfo=datetime.UTC), tick=False):
        occurrence.state = Occurrence.State.DONE
        occurrence.done_on = datetime.date(2021, 10, 14)
        occurrence.save()
    before = _meeting(world, group, _others(group), date=datetime.date(2021, 10, 12))
    after = _meeting(world, group, _others(group), date=datetime.date(2021, 10, 20))
    for meeting in (before, after):
        groups.agenda_item_add(
            meeting=meeting, by=world.coordinator, title="", kind=AgendaItem.Kind.ROADMAP_REVIEW
        )
    item_before, item_after = before.items.get(), after.items.get()
    assert [(r["number"], r["state"], r["overdue"]) for r in item_before.roadmap_state] == [
        ("1.1", "planned", True)
    ]
    assert [(r["number"], r["state"], r["overdue"]) for r in item_after.roadmap_state] == [
        ("1.1", "done", False)
    ]
    with translation.override("ru"):
        html = str(protocol.protocol_html(before))
        pdf_text = _pdf_text(protocol.protocol_pdf(before))
    assert "Рассмотрение хода реализации дорожной карты" in html
    assert "Мониторинг качества дошкольного образования" in html and "просрочено" in html
    assert "Чужое мероприятие" not in html
    assert "Мониторинг качества дошкольного образования" in pdf_text
    # the meeting moved to after the event was done: the review is taken again
    groups.meeting_update(
        meeting=before, by=world.coordinator, date=datetime.date(2021, 10, 25), attendees=_others(group)
    )
    assert before.items.get().roadmap_state[0]["state"] == "done"


# Members as written -------------------------------------------------------------------------------------


def test_positions_and_qualifiers_are_kept_and_printed(world):
    group = _group(world, members=0)
    katayeva = groups.member_add(
        group=group,
        by=world.coordinator,
        full_name="Катаева Ирина Юрьевна",
        position="старший воспитатель",
        organization=world.school,
    )
    markova = groups.member_add(
        group=group,
        by=world.coordinator,
        full_name="Маркова Надежда Григорьевна",
        organization=world.school,
        qualifier="корпус «Голубятская ООШ»",
    )
    sidorova = groups.member_add(
        group=group,
        by=world.coordinator,
        full_name="Сидорова Наталья Юрьевна",
        organization=world.school,
        qualifier="(КШ)",
    )
    meeting = _meeting(world, group, [katayeva, markova, sidorova])
    html = str(protocol.protocol_html(meeting))
    school = world.school.short_name
    assert "Катаева Ирина Юрьевна, старший воспитатель" in html
    assert f"({school}, корпус «Голубятская ООШ»)" in html
    assert f"({school} (КШ))" in html


# Letters --------------------------------------------------------------------------------------------------


def test_the_notice_goes_with_an_ics_and_names_those_without_an_address(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    group = _group(world, members=4)
    meeting = _meeting(world, group, [], date=timezone.localdate() + datetime.timedelta(days=3))
    groups.agenda_item_add(meeting=meeting, by=world.coordinator, title="О плане мероприятий")
    with translation.override("ru"):
        result = group_mail.meeting_notify(meeting=meeting, by=world.coordinator)
        summary = result.summary()
    # the leader and members 0 and 2 have addresses; members 1 and 3 have none
    assert sorted(result.sent) == ["Зайкова Елена Викторовна", "Членова0 А.Б.", "Членова2 А.Б."]
    assert result.without_email == ["Членова1 А.Б.", "Членова3 А.Б."]
    assert len(mail.outbox) == 3
    assert "Членова1 А.Б., Членова3 А.Б." in summary and "нет адреса" in summary.lower()
    letter = mail.outbox[0]
    assert "О плане мероприятий" in letter.body and "МАДОУ «Детский сад № 11»" in letter.body
    name, content, mimetype = letter.attachments[0]
    assert name.endswith(".ics") and mimetype.startswith("text/calendar")
    assert "BEGIN:VEVENT" in content and "DTSTART:" in content and "LOCATION:" in content
    assert "\r\n" in content
    assert Meeting.objects.get(pk=meeting.pk).notified_at is not None


def test_nobody_with_an_address_nothing_is_claimed_sent(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    group = _group(world, members=1, leader_email="")
    group.members.update(email="")
    meeting = _meeting(world, group, [], date=timezone.localdate())
    with translation.override("ru"):
        result = group_mail.meeting_notify(meeting=meeting, by=world.coordinator)
        summary = result.summary()
    assert result.sent == [] and len(mail.outbox) == 0
    assert "Ни одно письмо не отправлено" in summary
    assert Meeting.objects.get(pk=meeting.pk).notified_at is None


def test_the_signed_protocol_is_sent_as_a_pdf(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    group = _group(world, members=2)
    meeting = _meeting(world, group, [_leader(group), *_others(group)])
    result = group_mail.protocol_send(meeting=meeting, by=world.coordinator)
    assert len(result.sent) == 2 and result.without_email == ["Членова1 А.Б."]
    name, content, mimetype = mail.outbox[0].attachments[0]
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    unsigned = _meeting(world, group, [], date=DAY + datetime.timedelta(days=1))
    unsigned.secretary = ""
    unsigned.save()
    with pytest.raises(ValidationError):
        group_mail.protocol_send(meeting=unsigned, by=world.coordinator)
    assert len(mail.outbox) == 2


def test_letters_by_page_post_only_for_those_who_keep_the_group(client, world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    group = _group(world, members=2)
    meeting = _meeting(world, group, [], date=timezone.localdate() + datetime.timedelta(days=1))
    url = reverse("roadmaps:meeting_notify", args=[meeting.pk])
    client.force_login(world.respondent)  # reads the group, does not keep it
    assert client.post(url).status_code == 403
    client.force_login(world.outsider)
    assert client.post(url).status_code == 404
    client.force_login(world.coordinator)
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert response.status_code == 200 and len(mail.outbox) == 2
    shown = " ".join(str(m) for m in response.context["messages"])
    assert "Членова1 А.Б." in shown
    ics = client.get(reverse("roadmaps:meeting_ics", args=[meeting.pk]))
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")


# The API ------------------------------------------------------------------------------------------------


def _api_meeting(world, meeting) -> dict:
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(world.coordinator)
    response = api.get(reverse("api:meeting-detail", args=[meeting.pk]))
    assert response.status_code == 200, response.content
    return response.json()


# The demo as Приложение 3 lists it ------------------------------------------------------------------------

# Every organization as the order writes it → the demo organization it names.
NAMED = {
    "МАДОУ «ДДС №15»": "МАДОУ «ЦРР «ДДС № 15»»",
    "МАДОУ «Детский сад №11»": "МАДОУ «Детский сад № 11»",
    "МАДОУ «Детский сад №15»": "МАДОУ «ЦРР «ДДС № 15»»",
    "МАДОУ «ПДС №7»": "МБДОУ «ПДС № 7»",
    "МАДОУ «ЦРР «ДДС № 15»": "МАДОУ «ЦРР «ДДС № 15»»",
    "МАДОУ ЦРР «ДДС № 16 «Берёзка»": "МАДОУ ЦРР «ДДС № 16 «Березка»»",
    "МАДОУ ЦРР «ДДС №16 «Березка»": "МАДОУ ЦРР «ДДС № 16 «Березка»»",
    "МАДОУ первой категории «ЦРР «ДДС № 16 «Березка»": "МАДОУ ЦРР «ДДС № 16 «Березка»»",
    "МАОУ «ПСОШ № 1»": "МАОУ «ПСОШ № 1»",
    "МАОУ «ПСОШ№1»": "МАОУ «ПСОШ № 1»",
    "МАОУ «Полазненская СОШ №1»": "МАОУ «ПСОШ № 1»",
    "МАУДО «ПЦДОД «Школа технического резерва»": "МАУДО «ПЦДОД «Школа технического резерва»»",
    "МБДОУ «Добрянский детский сад №21»": "МБДОУ «Добрянский детский сад № 21»",
    "МБДОУ «ПДС №7»": "МБДОУ «ПДС № 7»",
    "МБОУ «Вильвенская СОШ»": "МБОУ «Вильвенская СОШ»",
    "МБОУ «Вильвинская СОШ»": "МБОУ «Вильвенская СОШ»",
    "МБОУ «ДООШ №1»": "МБОУ «ДООШ № 1»",
    "МБОУ «ДООШ №1» (КШ)": "МБОУ «ДООШ № 1»",
    "МБОУ «ДООШ№5»": "МБОУ «ДООШ № 5»",
    "МБОУ «ДСОШ № 3»": "МБОУ «ДСОШ № 3»",
    "МБОУ «ДСОШ № 5»": "МБОУ «ДСОШ № 5»",
    "МБОУ «ДСОШ № 5», корпус «Голубятская ООШ»": "МБОУ «ДСОШ № 5»",
    "МБОУ «ДСОШ №2»": "МБОУ «ДСОШ № 2»",
    "МБОУ «ДСОШ №3»": "МБОУ «ДСОШ № 3»",
    "МБОУ «ДСОШ №5»": "МБОУ «ДСОШ № 5»",
    "МБОУ «ДСОШ№3": "МБОУ «ДСОШ № 3»",
    "МБОУ «ДСОШ№3»": "МБОУ «ДСОШ № 3»",
    "МБОУ «ДСОШ№5»": "МБОУ «ДСОШ № 5»",
    "МБОУ «Дивьинская СОШ»": "МБОУ «Дивьинская СОШ»",
    "МБОУ «ПСОШ № 3»": "МБОУ «ПСОШ № 3»",
    "МБОУ «ПСОШ №1»": "МАОУ «ПСОШ № 1»",
    "МБОУ «ПСОШ №3»": "МБОУ «ПСОШ № 3»",
    "МБОУ «ПСОШ№3»": "МБОУ «ПСОШ № 3»",
    "МБОУ «Полазненская СОШ №3»": "МБОУ «ПСОШ № 3»",
    "МБОУ «Сенькинская СОШ»": "МБОУ «Сенькинская СОШ»",
    "МБОУ» ДСОШ № 2»": "МБОУ «ДСОШ № 2»",
    "МБУ ДО «ЦДОД «Логос»": "МБУ ДО «ЦДОД «Логос»»",
}


def test_dobryanka_members_are_in_the_schools_the_order_names(db):
    mcok_demo.load()
    demo_groups.load()
    demo_groups.load()  # a rerun changes nothing
    checked = 0
    for title, _curators, leader_name, members in demo_groups.GROUPS:
        group = ProjectGroup.objects.get(municipality__slug="dobryanka", title=title)
        rows = {m.full_name: m for m in group.members.filter(is_active=True).select_related("organization")}
        assert len(rows) == len(members) + (1 if leader_name else 0)
        if leader_name:
            assert rows[leader_name].is_leader and rows[leader_name].order == 1
        for line, written in members:
            name, _position = demo_groups.split_member(line)
            member = rows[name]
            if not written:
                continue
            assert member.organization is not None, f"{name}: {written}"
            assert member.organization.short_name == NAMED[written], f"{name}: {written}"
            checked += 1
    assert checked == sum(1 for g in demo_groups.GROUPS for _line, written in g[3] if written)
    lazareva = Member.objects.get(full_name="Лазарева Светлана Анатольевна")
    assert lazareva.organization.short_name == "МАОУ «ПСОШ № 1»"
    katayeva = Member.objects.get(full_name="Катаева Ирина Юрьевна")
    assert katayeva.position == "старший воспитатель"
    assert Member.objects.get(full_name="Иванова Надежда Дмитриевна").position == "воспитатель"
    assert Member.objects.get(full_name="Сидорова Наталья Юрьевна").qualifier == "(КШ)"
    assert Member.objects.get(full_name="Маркова Надежда Григорьевна").qualifier == "корпус «Голубятская ООШ»"


def test_dobryanka_demo_meetings_by_the_regulation(db):
    mcok_demo.load()
    demo_groups.load()
    group = ProjectGroup.objects.get(municipality__slug="dobryanka", title__startswith="Система воспитания")
    failed = group.meetings.get(number="2")
    assert (failed.attendees.count(), failed.members_total) == (5, 14)
    assert not groups.has_quorum(5, 14)
    with translation.override("ru"):
        html = str(protocol.protocol_html(failed))
    assert "Решение принято." not in html and "заседание неправомочно (нет кворума)" in html
    repeated = group.meetings.get(number="3")
    assert repeated.kind == Meeting.Kind.REPEATED and repeated.repeats == failed
    assert repeated.items.filter(kind=AgendaItem.Kind.ROADMAP_REVIEW).exists()


def test_the_match_of_a_school_is_never_another_numbered_school():
    class Org:
        def __init__(self, short_name, kind="school"):
            self.short_name, self.kind = short_name, kind

    organizations = [Org(name) for name in ("МБОУ «ДООШ № 1»", "МАОУ «ПСОШ № 1»", "МБОУ «ДСОШ № 2»")]
    assert demo_groups._organization(organizations, "МБОУ «ПСОШ №1»").short_name == "МАОУ «ПСОШ № 1»"
    del organizations[1]
    assert demo_groups._organization(organizations, "МБОУ «ПСОШ №1»") is None  # not «ДООШ № 1»
    assert demo_groups._organization(organizations, "МБОУ «ДСОШ №1»") is None


def test_pages_record_an_unplanned_meeting_and_a_roadmap_review_without_a_title(client, world):
    group = _group(world, members=2)
    client.force_login(world.coordinator)
    leader = _leader(group)
    response = client.post(
        reverse("roadmaps:meeting_new", args=[group.pk]),
        {"kind": "unplanned", "date": "2021-09-21", "time": "14:30", "attendees": [leader.pk]},
    )
    meeting = group.meetings.get()
    assert response.status_code == 302 and meeting.kind == Meeting.Kind.UNPLANNED
    edit = reverse("roadmaps:meeting_edit", args=[meeting.pk])
    response = client.post(
        edit,
        {
            "action": "item_add",
            "new-kind": "roadmap",
            "new-title": "",
            "new-votes_for": 1,
            "new-votes_against": 0,
            "new-votes_abstained": 0,
        },
    )
    assert response.status_code == 302
    item = meeting.items.get()
    assert item.kind == AgendaItem.Kind.ROADMAP_REVIEW and item.title
    # saving the meeting again keeps its kind
    groups.meeting_update(meeting=meeting, by=world.coordinator, date=meeting.date, attendees=[leader])
    assert Meeting.objects.get(pk=meeting.pk).kind == Meeting.Kind.UNPLANNED
    assert client.get(edit).status_code == 200
    assert client.get(reverse("roadmaps:group_edit", args=[group.pk])).status_code == 200
    page = client.get(reverse("roadmaps:meeting", args=[meeting.pk]))
    assert page.status_code == 200 and "Членова1 А.Б." in page.content.decode()  # no e-mail address
