import datetime

from roadmaps import reminders, tasks
from roadmaps.models import Meeting, ProjectGroup
from tests.factories import make_official


def test_groups_without_a_meeting_this_month_are_reminded_once(world, mailoutbox):
    leader = make_official(world.municipality, email="leader@example.org")
    curator = make_official(world.municipality, email="curator@example.org")
    quiet = ProjectGroup.objects.create(municipality=world.municipality, title="Воспитание", leader=leader)
    quiet.curators.set([curator])
    busy = ProjectGroup.objects.create(municipality=world.municipality, title="ШНОР", leader=leader)
    Meeting.objects.create(group=busy, date=datetime.date(2026, 11, 5))

    assert reminders.meeting_remind(today=datetime.date(2026, 11, 10)) == 0  # before the 20th
    assert reminders.meeting_remind(today=datetime.date(2026, 11, 20)) == 1
    assert len(mailoutbox) == 1
    assert sorted(mailoutbox[0].to) == ["curator@example.org", "leader@example.org"]
    assert "Воспитание" in mailoutbox[0].subject
    assert tasks.meeting_remind("2026-11-25") == 0  # once a month
    assert len(mailoutbox) == 1

    assert reminders.meeting_remind(today=datetime.date(2026, 12, 21)) == 2  # a new month, both quiet
    quiet.refresh_from_db()
    assert quiet.reminded_month == "2026-12"
