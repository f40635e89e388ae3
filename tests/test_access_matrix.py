"""Every URL pattern and API endpoint, tried by every kind of outsider: nothing unpublished leaks.

The victim is a school of the first municipality, with its own official and document, and the
department of that municipality, with its official and document. Each record carries a marker
in its name. Three outsiders try every named route, with every victim id in every id-like slot:
an anonymous visitor, the respondent of another school of the same municipality, and a
coordinator of another municipality. None may get a page that shows a marker it should not see,
and an id that belongs to the victim must answer exactly as an id that does not exist. A route that
answers GET with 405 (an action: save, submit, accept…) is tried with an empty POST as well, by the
same rules; and at the end every record of the victim is as it was.
"""

from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from mcok.models import Period, Role, User
from tests.factories import make_document, make_official, make_organization, make_world

# Every route × every victim id × every outsider: the module's tests grow with the portal's routes,
# so they get a longer guard than the suite's 300 s (a hang still ends; no test times anything).
pytestmark = pytest.mark.timeout(1200)

# Routes an anonymous visitor may open: the login, the password reset, the health check.
PUBLIC_ROUTES = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",
    "admin:login",
    "api:token",  # answers 405 to GET, 400 to a POST without credentials
}
ID_SLOTS = {"pk", "id", "object_id"}
ABSENT_ID = 987654321
VICTIM_IDS = range(500000, 501000)  # every record of the victim has its id here


def is_id_slot(slot: str) -> bool:
    """`pk`, `id`, and any slot named like `campaign_pk` or `form_id`."""
    return slot in ID_SLOTS or slot.endswith(("_pk", "_id"))


@dataclass
class Victim:
    school_markers: list[str]  # the school's own records
    department_markers: list[str]  # the municipality's records, readable by its schools
    school_ids: list[int]
    department_ids: list[int]
    slugs: list[str]
    page_slugs: list[str]  # the victim's pages of the public tab
    published: list[str]  # markers the operator published on purpose: the home page lists the directions

    def ids(self, who: str) -> list[int]:
        return self.school_ids if who == "another school" else self.school_ids + self.department_ids


def named_routes(resolver=None, namespace="", groups=()) -> list[tuple[str, tuple[str, ...]]]:
    """(name, slots) of every named route, with the slots of the prefixes it sits under."""
    resolver = resolver or get_resolver()
    routes = []
    for pattern in resolver.url_patterns:
        slots = groups + tuple(pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            routes += named_routes(pattern, inner, slots)
        elif isinstance(pattern, URLPattern) and pattern.name:
            routes.append((namespace + pattern.name, slots))
    return sorted(set(routes))


def urls_for(name: str, slots: tuple[str, ...], victim: Victim, who: str) -> list[tuple[str, bool]]:
    """Every URL of the route with the victim's ids and slugs: (url, whether it names the victim)."""
    choices: dict[str, list[tuple[str, bool]]] = {}
    for slot in slots:
        if is_id_slot(slot):
            choices[slot] = [(str(pk), True) for pk in victim.ids(who)] + [(str(ABSENT_ID), False)]
        elif slot in ("slug", "municipality"):
            slugs = [] if who == "another school" else victim.slugs
            choices[slot] = [(slug, True) for slug in slugs] + [("absent-slug", False)]
        elif slot == "page":
            choices[slot] = [(slug, True) for slug in victim.page_slugs] + [("absent-slug", False)]
        elif slot in ("report", "document"):
            choices[slot] = [(str(pk), True) for pk in victim.ids(who)] + [(str(ABSENT_ID), False)]
        elif slot == "table":
            choices[slot] = [("indicators", False)]
        elif slot == "format":
            choices[slot] = [("json", False)]
        elif slot == "name":  # a file of an open data set: its passport
            choices[slot] = [("meta.csv", False)]
        elif slot == "app_label":
            choices[slot] = [("mcok", False)]
        elif slot == "model_name":
            choices[slot] = [("organization", False)]
        else:
            choices[slot] = [("x1", False)]
    combos: list[tuple[dict, bool]] = [({}, False)]
    for slot, values in choices.items():
        combos = [
            ({**kwargs, slot: value}, named or hit) for kwargs, named in combos for value, hit in values
        ]
    urls = []
    for kwargs, names_victim in combos:
        try:
            urls.append((reverse(name, kwargs=kwargs), names_victim))
        except NoReverseMatch:
            continue
    return urls


@pytest.fixture
def victim(db) -> tuple[Victim, object]:
    world = make_world()
    marker = "ТАЙНА"
    municipality = world.municipality
    # The victim's ids are far from anything else's, so an id names one victim record only.
    school = make_organization(
        municipality, pk=500001, short_name=f"{marker}-школа", full_name=f"{marker}-ОО"
    )
    teacher = make_official(municipality, pk=500002, full_name=f"{marker}-учитель", organization=school)
    plan = make_document(municipality, pk=500003, title=f"{marker}-план-школы", organization=school)
    plan.file.save("plan.txt", ContentFile(f"{marker}-содержимое-файла".encode()))
    inspector = make_official(municipality, pk=500004, full_name=f"{marker}-инспектор")
    order = make_document(municipality, pk=500005, title=f"{marker}-приказ-управления")
    garden = make_organization(municipality, pk=500006, short_name=f"{marker}-сад", kind="kindergarten")
    world.respondent.roles.update(organization=school)
    world.school = school
    # The management cycle: the municipality's staff only, never a school.
    directions = make_directions_victim(municipality, marker)
    # A form, its open collection asking the victim school only, a draft collection and the school's
    # submission: the department and the school itself only.
    monitoring = make_monitoring_victim(municipality, school, marker)
    # The managerial half: roadmaps, groups and decisions are read by the municipality's schools too;
    # a recommendation addressed to the victim school only, and its answer, by that school alone.
    shared, addressed = make_roadmaps_victim(municipality, school, marker)
    # An analytic report with its file, a never-published page and a published home page whose draft
    # changed since: the department's staff only; the public reads the published version alone.
    reports = make_reports_victim(municipality, world.elsewhere, world.operator, marker)
    # A municipal project never published, with its participant and a role its order gives: the
    # department's staff only; the public reads a project only once published.
    projects = make_projects_victim(municipality, inspector, marker)
    # An instruction of the department's order to the inspector, with its report: the department's staff
    # and the responsible only.
    instructions = make_instructions_victim(municipality, inspector, order, marker)
    # The direction's name is the order's own word: the municipality's schools read it beside the
    # roadmaps and recommendations bound to it; every other record of the direction is staff-only.
    direction_name = directions.markers.pop(0)
    return (
        Victim(
            school_markers=[
                school.short_name,
                school.full_name,
                teacher.full_name,
                plan.title,
                f"{marker}-содержимое",
                *directions.markers,
                *monitoring.markers,
                *addressed.markers,
                *reports.markers,
                *projects.markers,
                *instructions.markers,
            ],
            department_markers=[
                inspector.full_name,
                order.title,
                garden.short_name,
                direction_name,
                *shared.markers,
            ],
            school_ids=[
                school.pk,
                teacher.pk,
                plan.pk,
                *directions.ids,
                *monitoring.ids,
                *addressed.ids,
                *reports.ids,
                *projects.ids,
                *instructions.ids,
            ],
            department_ids=[inspector.pk, order.pk, garden.pk, *shared.ids],
            slugs=[municipality.slug],
            page_slugs=["home", "taynaya-stranitsa"],
            published=[f"{marker}-направление"],
        ),
        world,
    )


@dataclass
class Records:
    markers: list[str]
    ids: list[int]


def make_directions_victim(municipality, marker: str) -> Records:
    """A direction with its cycle, a position and an evaluation, every id in the victim's range."""
    from directions.models import Block, Cycle, CycleComponent, Direction, Evaluation, Position, Score
    from indicators.models import Indicator
    from mcok.services import periods_ensure

    periods_ensure(year=2025)
    period = Period.objects.get(code="2025")
    block, _created = Block.objects.get_or_create(code="1", defaults={"name": "Блок 1"})
    direction = Direction.objects.create(
        pk=500011,
        municipality=municipality,
        block=block,
        code="1.1",
        name=f"{marker}-направление",
        goal=f"{marker}-цель",
        valid_from=period,
    )
    cycle = Cycle.objects.create(pk=500012, direction=direction, period=period)
    component = CycleComponent.objects.create(
        pk=500013, cycle=cycle, component="goals", content=f"{marker}-содержание-цели"
    )
    position = Position.objects.create(
        pk=500014,
        municipality=municipality,
        period=period,
        direction=direction,
        component="goals",
        code="Ц.1",
        text=f"{marker}-позиция",
        max_score=2,
    )
    evaluation = Evaluation.objects.create(
        pk=500015,
        municipality=municipality,
        period=period,
        created_by=User.objects.filter(is_superuser=False).first(),
        results={"total": {"score": 1, "max": 2, "percent": 50.0}},
    )
    score = Score.objects.create(
        pk=500016, evaluation=evaluation, position=position, score=1, comment=f"{marker}-балл"
    )
    indicator = Indicator.objects.create(
        pk=500017,
        municipality=municipality,
        direction=direction,
        code="П-ТАЙНА",
        name=f"{marker}-показатель",
        numerator="a",
        denominator="b",
    )
    return Records(
        markers=[
            direction.name,
            direction.goal,
            component.content,
            position.text,
            score.comment,
            indicator.name,
        ],
        ids=[direction.pk, cycle.pk, component.pk, position.pk, evaluation.pk, score.pk, indicator.pk],
    )


def make_monitoring_victim(municipality, school, marker: str) -> Records:
    """A form with a section, two questions and a rule; an open collection of it asking the victim
    school only and a draft one; the school's submission with a marked answer and a file."""
    import datetime

    from monitoring.models import Campaign, Field, Form, Rule, Section, Submission, SubmissionFile

    period = Period.objects.get(code="2025")
    form = Form.objects.create(
        pk=500021, municipality=municipality, direction_id=500011, title=f"{marker}-форма"
    )
    section = Section.objects.create(pk=500022, form=form, title=f"{marker}-раздел")
    number = Field.objects.create(
        pk=500023, form=form, section=section, code="secret_total", label=f"{marker}-вопрос", kind="integer"
    )
    text = Field.objects.create(
        pk=500024, form=form, section=section, code="secret", label=f"{marker}-текст", kind="text", order=1
    )
    rule = Rule.objects.create(
        pk=500025, form=form, kind="both", fields=["secret_total", "secret"], message=f"{marker}-правило"
    )
    today = datetime.date(2025, 3, 1)
    dates = {"opens_on": today, "deadline": today + datetime.timedelta(days=30)}
    collection = Campaign.objects.create(
        pk=500026,
        municipality=municipality,
        form=form,
        period=period,
        title=f"{marker}-сбор",
        state="open",
        **dates,
    )
    draft = Campaign.objects.create(
        pk=500027, municipality=municipality, form=form, period=period, title=f"{marker}-черновик", **dates
    )
    for campaign in (collection, draft):
        campaign.organizations.set([school])
    submission = Submission.objects.create(
        pk=500028,
        campaign=collection,
        organization=school,
        answers={"secret_total": "7", "secret": f"{marker}-ответ"},
        revision=1,
    )
    attached = SubmissionFile(
        pk=500029, submission=submission, field_code="secret", name=f"{marker}-файл.txt"
    )
    attached.file.save("answer.txt", ContentFile(f"{marker}-вложение".encode()))
    return Records(
        markers=[
            form.title,
            section.title,
            number.label,
            text.label,
            rule.message,
            collection.title,
            draft.title,
            submission.answers["secret"],
            attached.name,
            f"{marker}-вложение",
        ],
        ids=[
            form.pk,
            section.pk,
            number.pk,
            text.pk,
            rule.pk,
            collection.pk,
            draft.pk,
            submission.pk,
            attached.pk,
        ],
    )


def make_roadmaps_victim(municipality, school, marker: str) -> tuple[Records, Records]:
    """A roadmap with a section, an event and its instance; a project group with a member, a meeting
    and an agenda item; a decision (all the department's); an issued recommendation addressed to
    the victim school only, with the school's answer."""
    import datetime

    from roadmaps.models import (
        AgendaItem,
        Decision,
        Event,
        Meeting,
        Member,
        Occurrence,
        ProjectGroup,
        Recommendation,
        Response,
        Roadmap,
        Section,
    )

    roadmap = Roadmap.objects.create(
        pk=500031,
        municipality=municipality,
        direction_id=500011,
        title=f"{marker}-ДК-карта",
        start_year=2025,
        end_year=2026,
    )
    section = Section.objects.create(pk=500032, roadmap=roadmap, title=f"{marker}-ДК-раздел")
    event = Event.objects.create(
        pk=500033, roadmap=roadmap, section=section, content=f"{marker}-ДК-мероприятие", deadline_text="2025"
    )
    occurrence = Occurrence.objects.create(
        pk=500034,
        event=event,
        starts_on=datetime.date(2025, 1, 1),
        due_on=datetime.date(2025, 12, 31),
        report=f"{marker}-ДК-отчёт",
    )
    group = ProjectGroup.objects.create(pk=500035, municipality=municipality, title=f"{marker}-ДК-группа")
    member = Member.objects.create(pk=500036, group=group, full_name=f"{marker}-ДК-участник")
    meeting = Meeting.objects.create(
        pk=500037, group=group, date=datetime.date(2025, 3, 1), place=f"{marker}-ДК-место"
    )
    item = AgendaItem.objects.create(pk=500038, meeting=meeting, title=f"{marker}-ДК-пункт")
    decision = Decision.objects.create(
        pk=500039, municipality=municipality, direction_id=500011, title=f"{marker}-ДК-решение"
    )
    recommendation = Recommendation.objects.create(
        pk=500040,
        municipality=municipality,
        direction_id=500011,
        title=f"{marker}-ДК-рекомендация",
        text=f"{marker}-ДК-текст",
        state=Recommendation.State.ISSUED,
    )
    recommendation.organizations.set([school])
    response = Response.objects.create(
        pk=500041, recommendation=recommendation, organization=school, text=f"{marker}-ДК-ответ"
    )
    shared = Records(
        markers=[
            roadmap.title,
            section.title,
            event.content,
            occurrence.report,
            group.title,
            member.full_name,
            meeting.place,
            item.title,
            decision.title,
        ],
        ids=[
            roadmap.pk,
            section.pk,
            event.pk,
            occurrence.pk,
            group.pk,
            member.pk,
            meeting.pk,
            item.pk,
            decision.pk,
        ],
    )
    addressed = Records(
        markers=[recommendation.title, recommendation.text, response.text],
        ids=[recommendation.pk, response.pk],
    )
    return shared, addressed


def make_reports_victim(municipality, elsewhere, operator, marker: str) -> Records:
    """A report of the victim direction with a made PDF; a free page never published; the home page
    published, then its draft changed."""
    from reports import public
    from reports.models import PublicPage, Report, ReportJob

    # The outsider's own pages exist before the victim's ids are taken (the list page makes them).
    public.pages_ensure(elsewhere)

    report = Report.objects.create(
        pk=500051,
        municipality=municipality,
        direction_id=500011,
        period=Period.objects.get(code="2025"),
        title=f"{marker}-ОТ-справка",
        conclusions=f"{marker}-ОТ-выводы",
        created_by=operator,
    )
    job = ReportJob(
        pk=500052, report=report, format="pdf", status="done", progress=100, requested_by=operator
    )
    job.file.save("report.pdf", ContentFile(f"%PDF-1.7 {marker}-ОТ-файл".encode()))
    draft = PublicPage.objects.create(
        pk=500053,
        municipality=municipality,
        kind="free",
        slug="taynaya-stranitsa",
        title=f"{marker}-ОТ-черновик",
        body=f"<p>{marker}-ОТ-текст</p>",
    )
    home = PublicPage.objects.create(
        pk=500054, municipality=municipality, kind="home", slug="home", title="Открытая вкладка"
    )
    public.publish(home, user=operator)
    public.page_save(home, user=operator, title=f"{marker}-ОТ-заголовок", body=f"<p>{marker}-ОТ-правка</p>")
    # A version of the free page published once and withdrawn: its own page (site-version) and its
    # restoration are the staff's, like the page.
    from django.utils import timezone

    from reports.models import PublicVersion

    withdrawn = PublicVersion.objects.create(
        pk=500055,
        page=draft,
        number=1,
        title=f"{marker}-ОТ-версия",
        body=f"<p>{marker}-ОТ-старый-текст</p>",
        published_by=operator,
        withdrawn_by=operator,
        withdrawn_at=timezone.now(),
    )
    return Records(
        markers=[
            report.title,
            report.conclusions,
            f"{marker}-ОТ-файл",
            draft.title,
            f"{marker}-ОТ-текст",
            f"{marker}-ОТ-заголовок",
            f"{marker}-ОТ-правка",
            withdrawn.title,
            f"{marker}-ОТ-старый-текст",
        ],
        ids=[report.pk, job.pk, draft.pk, withdrawn.pk],
    )


def make_projects_victim(municipality, inspector, marker: str) -> Records:
    """A municipal project serving the victim direction, never published, with a participant and a
    role its order gives; the regional project it answers to."""
    from roadmaps.models import DesignatedRole, MunicipalProject, ProjectParticipant, RegionalProject

    # A reference list of the region, not the victim's: its id stays outside the victim's range.
    regional = RegionalProject.objects.create(region=municipality.region, name="500+")
    project = MunicipalProject.objects.create(
        pk=500062,
        municipality=municipality,
        title=f"{marker}-МП-проект",
        goal=f"{marker}-МП-цель",
        tasks=[f"{marker}-МП-задача"],
        regional_project=regional,
    )
    project.directions.set([500011])
    participant = ProjectParticipant.objects.create(
        pk=500063, project=project, role="executor", official=inspector, text=f"{marker}-МП-исполнитель"
    )
    role = DesignatedRole.objects.create(
        pk=500064, municipality=municipality, official=inspector, project=project, title=f"{marker}-МП-роль"
    )
    return Records(
        markers=[project.title, project.goal, project.tasks[0], participant.text, role.title],
        ids=[project.pk, participant.pk, role.pk],
    )


def make_instructions_victim(municipality, inspector, order, marker: str) -> Records:
    """An instruction of the victim order with its responsible official and its report."""
    from roadmaps.models import Instruction, InstructionResponsible

    instruction = Instruction.objects.create(
        pk=500070,
        municipality=municipality,
        document=order,
        text=f"{marker}-ПР-поручение",
        responsible_text=f"{marker}-ПР-ответственный",
        deadline_text="в срок до 01.09.2021",
        report=f"{marker}-ПР-отчет",
    )
    row = InstructionResponsible.objects.create(
        pk=500071, instruction=instruction, official=inspector, text=f"{marker}-ПР-исполнитель"
    )
    return Records(
        markers=[instruction.text, instruction.responsible_text, instruction.report, row.text],
        ids=[instruction.pk, row.pk],
    )


def victim_rows() -> dict[str, list[dict]]:
    """Every stored row of the victim, to compare before and after the outsiders' tries."""
    from django.apps import apps

    rows = {}
    for model in apps.get_models():
        if (
            model._meta.app_label in ("mcok", "directions", "indicators", "monitoring", "roadmaps", "reports")
            and model._meta.pk.name == "id"
        ):
            found = list(model.objects.filter(pk__in=VICTIM_IDS).order_by("pk").values())
            if found:
                rows[model._meta.label] = found
    return rows


def outsiders(world) -> dict[str, object]:
    return {
        "anonymous": None,
        "another school": world.other_respondent,
        "another municipality": world.outsider,
        "another municipality's school": world.outsider_school,
    }


def test_the_matrix_covers_every_route():
    names = {name for name, _slots in named_routes()}
    for expected in (
        "mcok:organization",
        "mcok:official",
        "mcok:document_file",
        "api:organization-detail",
        "api:municipality-detail",
        "admin:mcok_organization_change",
        "api:schema",
        "api:form-detail",
        "api:campaign-detail",
        "api:submission-detail",
        "api:submission-save",
        "api:submission-accept",
        "roadmaps:direction_effectiveness",
        "roadmaps:direction_effectiveness_draft",
        "directions:proposal_accept",
        "directions:proposals_accept_all",
        "directions:position_rule",
        "directions:evaluation_results_xlsx",
        "mcok:second_factor",
        "mcok:second_factor_setup",
        "mcok:second_factor_verify",
        "mcok:second_factor_codes",
        "mcok:second_factor_disable",
        "admin:mcok_user_second_factor_reset",
        "admin:mcok_user_unlock",
        "roadmaps:project",
        "roadmaps:project_edit",
        "roadmaps:project_publish",
        "roadmaps:project_pdf",
        "api:municipal-project-detail",
        "open:project",
        "roadmaps:instructions",
        "roadmaps:instruction",
        "roadmaps:instruction_edit",
        "roadmaps:instruction_execute",
        "roadmaps:instruction_withdraw",
        "api:instruction-detail",
    ):
        assert expected in names
    assert len(names) > 40


@pytest.mark.parametrize(
    "who", ["anonymous", "another school", "another municipality", "another municipality's school"]
)
def test_no_route_leaks_to_an_outsider(client, victim, who):
    victim, world = victim
    user = outsiders(world)[who]
    if user is not None:
        client.force_login(user)
    # The other school of the same municipality may read the department's records; nobody else may.
    forbidden = victim.school_markers + ([] if who == "another school" else victim.department_markers)
    before = victim_rows()
    tried = 0

    def check(response, url: str) -> str:
        assert response.status_code < 500, (who, url)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        body = content.decode(errors="replace")
        for marker in forbidden:
            if url.startswith("/open/") and marker in victim.published:
                continue
            assert marker not in body, (who, url, marker)
        if user is None and not url.startswith("/open/"):
            assert response.status_code in (302, 401, 403, 404, 405), (who, url, response.status_code)
            if response.status_code == 302:
                assert "login" in response.url or response.url == "/admin/", (who, url, response.url)
        return body

    for name, slots in named_routes():
        if user is None and name in PUBLIC_ROUTES:
            continue
        # The public tab answers everyone: what it shows is checked, and a published page answers 200
        # where an absent one answers 404.
        public_tab = name.startswith("open:")
        answers = {}
        for url, names_victim in urls_for(name, slots, victim, who):
            response = client.get(url)
            tried += 1
            check(response, url)
            answers.setdefault(("GET", names_victim), set()).add(response.status_code)
            if response.status_code == 405:
                # An action: the same rules for the POST it takes (with nothing in it).
                response = client.post(url)
                check(response, url)
                answers.setdefault(("POST", names_victim), set()).add(response.status_code)
                if user is not None and "_auth_user_id" not in client.session:
                    client.force_login(user)  # the POST was a sign-out
        # "Not yours" answers exactly like "absent".
        for method in ("GET", "POST"):
            if not public_tab and (method, True) in answers and (method, False) in answers:
                assert answers[method, True] == answers[method, False], (who, name, method, answers)
    assert tried > 100
    assert victim_rows() == before, who


def test_the_victims_own_school_reads_its_records(client, victim):
    victim, world = victim
    client.force_login(world.respondent)
    body = client.get(reverse("mcok:organizations")).content.decode()
    assert victim.school_markers[0] in body
    body = client.get(reverse("mcok:documents")).content.decode()
    assert victim.school_markers[3] in body
    assert victim.department_markers[1] in body
    # Its own collection and submission, the marked answer included; never the draft collection.
    response = client.get(reverse("api:submission-detail", args=[500028]))
    assert response.status_code == 200
    assert response.json()["answers"]["secret"] == "ТАЙНА-ответ"
    assert client.get(reverse("api:campaign-detail", args=[500026])).status_code == 200
    assert client.get(reverse("api:campaign-detail", args=[500027])).status_code == 404


def test_the_public_reads_the_published_home_page_only(client, victim):
    victim, world = victim
    response = client.get(reverse("open:home", args=[world.municipality.slug]))
    assert response.status_code == 200
    assert "Открытая вкладка" in response.content.decode()
    for slug in victim.page_slugs[1:]:
        assert client.get(reverse("open:page", args=[world.municipality.slug, slug])).status_code == 404


def test_roles_cover_the_domain():
    assert set(Role.Kind.values) == {
        "administrator",
        "department_head",
        "coordinator",
        "executor",
        "operator",
        "expert",
        "respondent",
        "school_head",
    }


# The victim's records bound to its direction (the direction 500011 itself, its cycle and component,
# its indicator, its form with the form's parts and collections, its roadmap with the section, event
# and instance, its decision and recommendation, its report): a write on any of them belongs to the
# people assigned to that direction.
DIRECTION_BOUND_IDS = {
    500011, 500012, 500013, 500017,
    500021, 500022, 500023, 500024, 500025, 500026, 500027,
    500031, 500032, 500033, 500034, 500039, 500040, 500051,
}  # fmt: skip
# Routes whose POST checks what was typed and saves nothing, for anyone who reads the record.
DRY_RUNS = {"monitoring:form_preview"}


def test_the_coordinator_of_another_direction_writes_nothing_of_this_one(client, victim):
    """The coordinator of 2.3 reads the victim direction's work (staff read the whole municipality),
    and a POST to any route that names a record bound to it answers 403 (or 405 where the route only
    reads); nothing changes."""
    from reports import public

    victim, world = victim
    user = world.other_coordinator
    client.force_login(user)
    public.pages_ensure(world.municipality)  # the public tab's list page makes them when first read
    before = victim_rows()
    refused, tried = [], 0
    for name, slots in named_routes():
        if name.startswith(("admin:", "open:")) or name in PUBLIC_ROUTES | DRY_RUNS or name == "logout":
            continue
        urls = urls_for(name, slots, victim, "another direction")
        # An id that is not a record of this route (a direction's id in a component's slot) answers
        # as an absent one: 404. Only the ids the route really names must be refused with 403.
        absent = {client.post(url).status_code for url, names_victim in urls if not names_victim}
        for url, names_victim in urls:
            if not names_victim:
                continue
            assert client.get(url).status_code < 500, (name, url)
            if not {int(part) for part in url.split("/") if part.isdigit()} & DIRECTION_BOUND_IDS:
                continue
            response = client.post(url)
            tried += 1
            if response.status_code == 404 and absent == {404}:
                continue
            if response.status_code not in (403, 405):
                refused.append((name, url, response.status_code))
            if "_auth_user_id" not in client.session:
                client.force_login(user)
    assert refused == [], "writes on another direction's records not refused with 403:\n" + "\n".join(
        map(str, refused)
    )
    assert tried > 20
    assert victim_rows() == before


def test_the_head_of_the_department_reads_and_approves_any_direction(client, victim):
    victim, world = victim
    from directions.models import CycleComponent

    client.force_login(world.chief)
    for url in (
        reverse("directions:direction", args=[500011]),
        reverse("directions:component", args=[500013]),
        reverse("api:cycle-component-detail", args=[500013]),
        reverse("api:indicator-detail", args=[500017]),
        reverse("api:form-detail", args=[500021]),
        reverse("roadmaps:recommendation", args=[500040]),
        reverse("roadmaps:decision", args=[500039]),
        reverse("roadmaps:direction_effectiveness", args=[500011]) + "?period=2025",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "ТАЙНА" in response.content.decode(), url
    CycleComponent.objects.filter(pk=500013).update(state=CycleComponent.State.DRAFTED)
    response = client.post(
        reverse("api:cycle-component-move", args=[500013]),
        {"to": "approved"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert CycleComponent.objects.get(pk=500013).state == CycleComponent.State.APPROVED
