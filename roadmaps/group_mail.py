"""Letters of a project group's meeting, as the regulation gives them to the leader (seed 003,
Приложение 2, 4.1): the notice to the members of the date, time, place and agenda, with an .ics file
for their calendars, and the signed protocol sent to the members.

A member's address is their own (`Member.email`), else their official's, else the official's active
account's. Members without an address are named in the result, never counted as written to; a letter
the mail server refused is reported as not sent. Who may send is decided by roadmaps.access (those who
keep the group).
"""

import contextlib
import datetime
import smtplib
from dataclasses import dataclass, field
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mcok import site
from mcok.models import User
from roadmaps import access
from roadmaps.models import Meeting, Member

MEETING_HOURS = 2  # the length written in the calendar file when only the start is known


@dataclass
class Sent:
    """Who got the letter, who has no address and who was not reached because the server failed."""

    sent: list[str] = field(default_factory=list)
    without_email: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """The Russian report of a sending, naming those not reached."""
        parts = []
        if self.sent:
            parts.append(
                _("Sent to %(count)s: %(names)s.") % {"count": len(self.sent), "names": ", ".join(self.sent)}
            )
        else:
            parts.append(_("No letter was sent."))
        if self.without_email:
            parts.append(
                _("Without an e-mail address, not sent: %(names)s. Add their addresses on the group's page.")
                % {"names": ", ".join(self.without_email)}
            )
        if self.failed:
            parts.append(
                _("The mail server refused the letters to: %(names)s. Try again later.")
                % {"names": ", ".join(self.failed)}
            )
        return " ".join(parts)


def member_email(member: Member) -> str:
    if member.email:
        return member.email
    official = member.official
    if official is None or not official.is_active:
        return ""
    if official.email:
        return official.email
    user = official.user
    return user.email if user is not None and user.is_active and user.email else ""


def _members(meeting: Meeting) -> list[Member]:
    return list(
        meeting.group.members.filter(is_active=True)
        .select_related("official__user")
        .order_by("order", "full_name")
    )


def _require(user: User, meeting: Meeting) -> None:
    if not access.can_manage_group(user, meeting.group):
        raise PermissionDenied(access.REFUSED_GROUP)


# The calendar file (RFC 5545) ----------------------------------------------------------------------------


def _ics_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with a space (RFC 5545, 3.1)."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    out.append(current)
    return "\r\n".join(out)


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def meeting_ics(meeting: Meeting) -> str:
    """The meeting as a calendar event: the date (and time, in the portal's zone), place and agenda."""
    group = meeting.group
    agenda = "\n".join(f"{n}. {item.title}" for n, item in enumerate(meeting.items.all(), start=1))
    summary = _("Meeting of the project group «%(group)s»") % {"group": group.title}
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//MCOK portal//project groups//RU",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.pk}@{urlparse(site.base_url()).hostname or 'mcok'}",
        f"DTSTAMP:{_utc(timezone.now())}",
    ]
    if meeting.time is not None:
        start = datetime.datetime.combine(meeting.date, meeting.time, tzinfo=timezone.get_current_timezone())
        lines += [f"DTSTART:{_utc(start)}", f"DTEND:{_utc(start + datetime.timedelta(hours=MEETING_HOURS))}"]
    else:
        lines += [
            f"DTSTART;VALUE=DATE:{meeting.date:%Y%m%d}",
            f"DTEND;VALUE=DATE:{meeting.date + datetime.timedelta(days=1):%Y%m%d}",
        ]
    lines += [f"SUMMARY:{_ics_text(summary)}"]
    if meeting.place:
        lines.append(f"LOCATION:{_ics_text(meeting.place)}")
    if agenda:
        lines.append(f"DESCRIPTION:{_ics_text(_('Agenda:') + chr(10) + agenda)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


# Sending ----------------------------------------------------------------------------------------------


def _send(meeting: Meeting, make_message) -> Sent:
    result = Sent()
    messages = []
    for member in _members(meeting):
        address = member_email(member)
        if not address:
            result.without_email.append(member.full_name)
            continue
        messages.append((member.full_name, make_message(address)))
    if not messages:
        return result
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
        for name, message in messages:
            message.connection = connection
            try:
                sent = message.send(fail_silently=False)
            except (smtplib.SMTPException, OSError):
                sent = 0
            (result.sent if sent else result.failed).append(name)
    except (smtplib.SMTPException, OSError):
        result.failed += [name for name, _message in messages if name not in result.sent]
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()
    return result


def _when(meeting: Meeting) -> str:
    when = meeting.date.strftime("%d.%m.%Y")
    return f"{when}, {meeting.time:%H:%M}" if meeting.time else when


def meeting_notify(*, meeting: Meeting, by: User) -> Sent:
    """Tell the members the date, time, place and agenda of the meeting, with an .ics file."""
    _require(by, meeting)
    if meeting.date < timezone.localdate():
        raise ValidationError(_("The meeting has already taken place: a notice is sent before it."))
    with translation.override(settings.LANGUAGE_CODE):
        group = meeting.group
        items = list(meeting.items.all())
        agenda = "\n".join(f"{n}. {item.title}" for n, item in enumerate(items, start=1)) or _(
            "The agenda will be sent later."
        )
        subject = _("Meeting of the project group «%(group)s» on %(when)s") % {
            "group": group.title[:150],
            "when": _when(meeting),
        }
        body = _(
            "The project group «%(group)s» meets.\n"
            "Date and time: %(when)s.\n"
            "Place: %(place)s.\n"
            "Agenda:\n%(agenda)s\n\n"
            "The meeting on the portal: %(url)s\n"
        ) % {
            "group": group.title,
            "when": _when(meeting),
            "place": meeting.place or "—",
            "agenda": agenda,
            "url": site.absolute(reverse("roadmaps:meeting", args=[meeting.pk])),
        }
        ics = meeting_ics(meeting)

        def make(address: str) -> EmailMessage:
            message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
            message.attach(f"meeting-{meeting.pk}.ics", ics, "text/calendar; charset=utf-8; method=PUBLISH")
            return message

        result = _send(meeting, make)
    if result.sent:
        Meeting.objects.filter(pk=meeting.pk).update(notified_at=timezone.now())
    return result


def protocol_send(*, meeting: Meeting, by: User) -> Sent:
    """Send the protocol, signed by the chair and the secretary, to the members as a PDF."""
    from roadmaps import protocol  # WeasyPrint is loaded only when a protocol is made

    _require(by, meeting)
    if not (meeting.chair and meeting.secretary):
        raise ValidationError(
            _("Name the chair and the secretary who sign the protocol before sending it to the members.")
        )
    with translation.override(settings.LANGUAGE_CODE):
        pdf = protocol.protocol_pdf(meeting)
        subject = _("Protocol No. %(number)s of the meeting of the project group «%(group)s» of %(date)s") % {
            "number": meeting.number,
            "group": meeting.group.title[:150],
            "date": meeting.date.strftime("%d.%m.%Y"),
        }
        body = _(
            "The protocol of the meeting of %(date)s, signed by the chair %(chair)s and the secretary "
            "%(secretary)s, is attached.\nThe meeting on the portal: %(url)s\n"
        ) % {
            "date": meeting.date.strftime("%d.%m.%Y"),
            "chair": meeting.chair,
            "secretary": meeting.secretary,
            "url": site.absolute(reverse("roadmaps:meeting", args=[meeting.pk])),
        }
        filename = f"protocol-{meeting.number or meeting.pk}-{meeting.date:%Y%m%d}.pdf"

        def make(address: str) -> EmailMessage:
            message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
            message.attach(filename, pdf, "application/pdf")
            return message

        result = _send(meeting, make)
    if result.sent:
        Meeting.objects.filter(pk=meeting.pk).update(protocol_sent_at=timezone.now())
    return result
