"""The portal proposes the self-assessment: a rule per position (its own, else its component's
default), the evidence each app holds, the proposal with its links and words; the coordinator
accepts it or changes it with a comment; the expert sees the self-assessment beside each position."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directions import proposals, services
from directions.models import (
    Cycle,
    CycleComponent,
    Evaluation,
    Position,
    ProposalRule,
    RuleKind,
    Score,
)
from indicators.models import Indicator, IndicatorValue, Target
from monitoring.models import Campaign, Form, Submission
from roadmaps.models import Decision, Event, Occurrence, Recommendation, Response, Roadmap
from tests.factories import make_direction, make_document, make_year


@pytest.fixture
def period(world):
    return make_year(2025)


def make_position(direction, period, code="Ц.1", component="goals", maximum=2) -> Position:
    return Position.objects.create(
        municipality=direction.municipality,
        period=period,
        direction=direction,
        component=component,
        code=code,
        text=f"Позиция {code}",
        max_score=Decimal(maximum),
    )


def proposal_of(position: Position, period):
    position = Position.objects.select_related("direction").get(pk=position.pk)
    return proposals.propose([position], period)[position.pk]


def make_component(direction, period, component="goals", state=CycleComponent.State.APPROVED, documents=1):
    cycle, _created = Cycle.objects.get_or_create(direction=direction, period=period)
    item = CycleComponent.objects.create(cycle=cycle, component=component, state=state)
    for _n in range(documents):
        item.documents.add(make_document(direction.municipality))
    return item


def make_indicator(world, direction, period, *, value=True, target=True, threshold=True, code="П8"):
    indicator = Indicator.objects.create(
        municipality=world.municipality,
        direction=direction,
        code=code,
        name=f"Показатель {code}",
        risk_threshold=Decimal(50) if threshold else None,
    )
    if value:
        IndicatorValue.objects.create(
            indicator=indicator, period=period, municipality=world.municipality, value=Decimal("62.5")
        )
    if target:
        Target.objects.create(indicator=indicator, period=period, value=Decimal(70))
    return indicator


def make_campaign(world, direction, period, *, accepted: int, asked) -> Campaign:
    form = Form.objects.create(municipality=world.municipality, direction=direction, title="Форма 2.3")
    campaign = Campaign.objects.create(
        municipality=world.municipality,
        form=form,
        period=period,
        title="Сбор по ДПО",
        state=Campaign.State.CLOSED,
        opens_on=datetime.date(2025, 2, 1),
        deadline=datetime.date(2025, 3, 1),
    )
    campaign.organizations.set(asked)
    for school in asked[:accepted]:
        Submission.objects.create(campaign=campaign, organization=school, status=Submission.Status.ACCEPTED)
    return campaign


def make_recommendation(world, direction, period, *, answered: bool) -> Recommendation:
    recommendation = Recommendation.objects.create(
        municipality=world.municipality,
        direction=direction,
        period=period,
        title="Рекомендация группе риска",
        text="Провести диагностику",
        state=Recommendation.State.ISSUED,
    )
    recommendation.organizations.set([world.school])
    if answered:
        Response.objects.create(recommendation=recommendation, organization=world.school, text="Сделано")
    return recommendation


def make_decision(world, direction, period, *, indicators=(), effectiveness="") -> Decision:
    decision = Decision.objects.create(
        municipality=world.municipality,
        direction=direction,
        period=period,
        title="Приказ о курсах",
        effectiveness=effectiveness,
    )
    decision.indicators.set(indicators)
    return decision


def make_occurrence(world, direction, *, done_on, due_on=datetime.date(2025, 3, 31)) -> Occurrence:
    roadmap = Roadmap.objects.create(municipality=world.municipality, direction=direction, title="ДК")
    event = Event.objects.create(roadmap=roadmap, number="1.1", content="Семинар")
    state = Occurrence.State.DONE if done_on else Occurrence.State.PLANNED
    return Occurrence.objects.create(event=event, due_on=due_on, state=state, done_on=done_on)


# One test per rule kind, its evidence present and absent -----------------------------------------


def test_component_rule_full_with_documents_half_without_zero_when_not_approved(world, period):
    position = make_position(world.direction, period, "Ц.1", "goals", 2)
    assert proposal_of(position, period).score == 0
    assert "ни утверждён, ни опубликован" in proposal_of(position, period).words

    item = make_component(world.direction, period, "goals", documents=0)
    assert proposal_of(position, period).score == Decimal(1)  # approved, no document: half

    item.documents.add(make_document(world.municipality))
    proposal = proposal_of(position, period)
    assert proposal.score == Decimal(2)
    assert proposal.words == (
        "Компонент «Цели» утверждён или опубликован, и к нему приложено документов не меньше 1: "
        "отвечает правилу 1 из 1."
    )
    assert [item.url for item in proposal.evidence] == [reverse("directions:component", args=[item.pk])]


def test_the_publication_position_of_the_technology_card_needs_the_component_published(world, period):
    position = make_position(world.direction, period, "Ц.4", "goals", 1)
    make_component(world.direction, period, "goals", documents=1)
    assert proposal_of(position, period).score == 0
    CycleComponent.objects.filter(cycle__direction=world.direction).update(
        state=CycleComponent.State.PUBLISHED
    )
    assert proposal_of(position, period).score == 1


def test_indicators_rule(world, period):
    position = make_position(world.direction, period, "П.2", "indicators", 2)
    proposal = proposal_of(position, period)
    assert (proposal.score, proposal.evidence) == (0, [])
    assert "у направления нет показателей" in proposal.words

    complete = make_indicator(world, world.direction, period, code="П8")
    assert proposal_of(position, period).score == 2
    make_indicator(world, world.direction, period, code="П9", target=False)
    proposal = proposal_of(position, period)
    assert proposal.score == 1  # one of two lacks a target
    assert "отвечает правилу 1 из 2" in proposal.words
    assert f"{reverse('indicators:indicator', args=[complete.pk])}?period=2025" in [
        item.url for item in proposal.evidence
    ]
    assert "нет цели" in [item.note for item in proposal.evidence]


def test_collections_rule(world, period):
    position = make_position(world.direction, period, "МН.1", "monitoring", 2)
    assert proposal_of(position, period).score == 0

    campaign = make_campaign(
        world, world.direction, period, accepted=1, asked=[world.school, world.other_school]
    )
    proposal = proposal_of(position, period)
    assert proposal.score == 1  # 50 % complete, the bar is 80 %
    assert proposal.evidence[0].url == reverse("monitoring:campaign", args=[campaign.pk])
    assert proposal.evidence[0].note == "полнота 50 %: принято 1 из 2"

    Submission.objects.create(
        campaign=campaign, organization=world.other_school, status=Submission.Status.ACCEPTED
    )
    assert proposal_of(position, period).score == 2


def test_recommendations_rule(world, period):
    position = make_position(world.direction, period, "Р.1", "recommendations", 2)
    assert proposal_of(position, period).score == 0
    recommendation = make_recommendation(world, world.direction, period, answered=False)
    assert proposal_of(position, period).score == 1
    Response.objects.create(recommendation=recommendation, organization=world.school, text="Сделано")
    proposal = proposal_of(position, period)
    assert proposal.score == 2
    assert proposal.evidence[0].url == reverse("roadmaps:recommendation", args=[recommendation.pk])


def test_decisions_rule(world, period):
    position = make_position(world.direction, period, "УР.2", "decisions", 2)
    assert proposal_of(position, period).score == 0
    decision = make_decision(world, world.direction, period)
    assert proposal_of(position, period).score == 1  # taken, but names no indicator
    decision.indicators.set([make_indicator(world, world.direction, period)])
    proposal = proposal_of(position, period)
    assert proposal.score == 2
    assert proposal.evidence[0].url == reverse("roadmaps:decision", args=[decision.pk])


def test_effectiveness_rule(world, period):
    position = make_position(world.direction, period, "Э.1", "effectiveness", 2)
    assert proposal_of(position, period).score == 0
    decision = make_decision(world, world.direction, period)
    assert proposal_of(position, period).score == 1
    Decision.objects.filter(pk=decision.pk).update(effectiveness="Доля выросла на 5 п.п.")
    assert proposal_of(position, period).score == 2


def test_events_rule(world, period):
    position = make_position(world.direction, period, "М.2", "measures", 2)
    assert proposal_of(position, period).score == 0
    on_time = make_occurrence(world, world.direction, done_on=datetime.date(2025, 3, 20))
    proposal = proposal_of(position, period)
    assert proposal.score == 2
    assert proposal.evidence[0].url == reverse("roadmaps:occurrence", args=[on_time.pk])
    make_occurrence(world, world.direction, done_on=None)  # due in March 2025, never done
    assert proposal_of(position, period).score == 1


def test_a_manual_rule_proposes_nothing_and_an_own_rule_beats_the_default(world, period):
    position = make_position(world.direction, period, "Ц.1", "goals", 2)
    make_indicator(world, world.direction, period)
    ProposalRule.objects.create(position=position, kind=RuleKind.MANUAL)
    position = Position.objects.select_related("direction").get(pk=position.pk)
    assert proposals.propose([position], period) == {}
    ProposalRule.objects.filter(position=position).update(kind=RuleKind.INDICATORS)
    assert proposal_of(position, period).score == 2


# Accepting, changing with a comment, rights -----------------------------------------------------


@pytest.fixture
def sheet(world, period):
    """A self-assessment of 1.1 (world.coordinator's) and 2.3 (world.other_coordinator's): Ц.1 of
    1.1 is proposed its full 2 points (goals approved with a document), Ц.2 has no evidence."""
    make_position(world.direction, period, "Ц.1", "goals", 2)
    ProposalRule.objects.create(
        position=make_position(world.direction, period, "П.1", "indicators", 1), kind=RuleKind.MANUAL
    )
    make_position(world.other_direction, period, "Ц.1", "goals", 2)
    make_component(world.direction, period, "goals", documents=1)
    return services.evaluation_open(
        municipality=world.municipality, period=period, kind=Evaluation.Kind.SELF, by=world.coordinator
    )


def row(evaluation, direction, code) -> Score:
    return Score.objects.select_related("position").get(
        evaluation=evaluation, position__direction=direction, position__code=code
    )


def sheet_url(evaluation, code="1.1") -> str:
    return f"{reverse('directions:evaluation', args=[evaluation.pk])}?direction={code}"


def test_the_self_assessment_page_shows_each_proposal_with_its_words_links_and_buttons(client, world, sheet):
    client.force_login(world.coordinator)
    body = client.get(sheet_url(sheet)).content.decode()
    assert "Предложение портала" in body
    assert "2 из 2" in body and "Компонент «Цели» утверждён или опубликован" in body
    assert "Принять все предложения" in body and ">Принять<" in body
    assert "Предложения нет: оценивается вручную." in body  # П.1's manual rule


def test_accepting_a_proposal_stores_it_with_its_evidence(
    client, world, sheet, django_capture_on_commit_callbacks
):
    client.force_login(world.coordinator)
    score = row(sheet, world.direction, "Ц.1")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("directions:proposal_accept", args=[sheet.pk]),
            {"score": score.pk, f"proposed-{score.pk}": "2"},
        )
    assert response.status_code == 302 and response.url == sheet_url(sheet)
    score.refresh_from_db()
    assert (score.score, score.proposed, score.scored_by) == (Decimal(2), Decimal(2), world.coordinator)
    assert "Компонент «Цели» утверждён" in score.evidence and "/directions/components/" in score.evidence
    sheet.refresh_from_db()
    assert sheet.results["directions"]["1.1"]["score"] == 2


def test_a_proposal_changed_since_the_page_is_not_accepted(client, world, sheet):
    client.force_login(world.coordinator)
    score = row(sheet, world.direction, "Ц.1")
    response = client.post(
        reverse("directions:proposal_accept", args=[sheet.pk]),
        {"score": score.pk, f"proposed-{score.pk}": "1"},
        follow=True,
    )
    assert "изменилось" in response.content.decode()
    assert row(sheet, world.direction, "Ц.1").score is None


def test_accept_all_scores_only_the_unscored_positions_with_a_proposal(client, world, sheet, period):
    make_position(world.direction, period, "Ц.2", "goals", 4)
    Score.objects.create(
        evaluation=sheet, position=Position.objects.get(direction=world.direction, code="Ц.2")
    )
    proposals.score_save(
        score=row(sheet, world.direction, "Ц.2"), by=world.coordinator, value=Decimal(1), comment="Частично"
    )
    client.force_login(world.coordinator)
    response = client.post(f"{reverse('directions:proposals_accept_all', args=[sheet.pk])}?direction=1.1")
    assert response.status_code == 302
    assert row(sheet, world.direction, "Ц.1").score == 2
    assert row(sheet, world.direction, "Ц.2").score == 1  # scored before: kept
    assert row(sheet, world.direction, "П.1").score is None  # manual: nothing proposed
    assert row(sheet, world.other_direction, "Ц.1").score is None  # another direction


def sheet_post(client, evaluation, code: str, score: str, comment: str) -> dict:
    response = client.get(sheet_url(evaluation))
    data = {}
    for group in response.context["groups"]:
        for form in group.forms:
            for name in ("score", "comment", "evidence", "version"):
                data[form.add_prefix(name)] = form.initial[name]
            if form.position.code == code:
                data[form.add_prefix("score")] = score
                data[form.add_prefix("comment")] = comment
    return data


def test_a_score_other_than_the_proposal_needs_a_comment(client, world, sheet):
    client.force_login(world.coordinator)
    response = client.post(sheet_url(sheet), sheet_post(client, sheet, "Ц.1", "1", ""))
    assert response.status_code == 200
    assert "Балл отличается от предложенного порталом (2): напишите в комментарии почему." in (
        response.content.decode()
    )
    assert row(sheet, world.direction, "Ц.1").score is None

    response = client.post(sheet_url(sheet), sheet_post(client, sheet, "Ц.1", "1", "Цели без сроков"))
    assert response.status_code == 302
    score = row(sheet, world.direction, "Ц.1")
    assert (score.score, score.proposed, score.comment) == (Decimal(1), Decimal(2), "Цели без сроков")


def test_the_service_refuses_a_changed_score_without_a_comment(world, sheet):
    from django.core.exceptions import ValidationError

    score = row(sheet, world.direction, "Ц.1")
    proposal = proposals.propose_for_scores([score], sheet)[score.pk]
    with pytest.raises(ValidationError):
        proposals.score_save(score=score, by=world.coordinator, value=Decimal(0), proposal=proposal)
    assert row(sheet, world.direction, "Ц.1").score is None


@pytest.mark.parametrize(
    ("actor", "status"), [("other_coordinator", 403), ("executor", 403), ("outsider", 404)]
)
def test_only_the_directions_coordinator_accepts(client, world, sheet, actor, status):
    client.force_login(getattr(world, actor))
    score = row(sheet, world.direction, "Ц.1")
    accept = client.post(reverse("directions:proposal_accept", args=[sheet.pk]), {"score": score.pk})
    every = client.post(f"{reverse('directions:proposals_accept_all', args=[sheet.pk])}?direction=1.1")
    assert (accept.status_code, every.status_code) == (status, status)
    assert row(sheet, world.direction, "Ц.1").score is None


def test_the_other_directions_coordinator_cannot_score_this_one_on_the_sheet(client, world, sheet):
    client.force_login(world.other_coordinator)
    response = client.get(sheet_url(sheet))
    assert response.context["may_score"] is False and response.context["may_accept"] is False
    assert client.get(sheet_url(sheet, "2.3")).context["may_accept"] is True


def test_an_expert_evaluation_proposes_nothing_and_shows_the_self_assessment(client, world, sheet, period):
    proposals.score_save(
        score=row(sheet, world.direction, "Ц.1"), by=world.coordinator, value=Decimal(1), comment="Без сроков"
    )
    expert = services.evaluation_open(
        municipality=world.municipality, period=period, kind=Evaluation.Kind.EXPERT, by=world.coordinator
    )
    client.force_login(world.expert)
    body = client.get(sheet_url(expert)).content.decode()
    assert "Предложение портала" not in body
    assert "Самооценка" in body and "Без сроков" in body
    accept = client.post(
        reverse("directions:proposal_accept", args=[expert.pk]),
        {"score": row(expert, world.direction, "Ц.1").pk},
    )
    assert accept.status_code == 403


# Rules as data --------------------------------------------------------------------------------


def test_the_keeper_of_the_catalogue_sets_and_resets_a_rule(client, world, period):
    position = make_position(world.direction, period, "Ц.1", "goals", 2)
    url = reverse("directions:position_rule", args=[position.pk])
    client.force_login(world.executor)
    assert client.get(url).status_code == 200
    assert client.post(url, {"kind": "manual"}).status_code == 403

    client.force_login(world.coordinator)
    response = client.post(url, {"kind": "collections", "percent": "60"})
    assert response.status_code == 302
    rule = ProposalRule.objects.get(position=position)
    assert (rule.kind, rule.params, rule.changed_by) == ("collections", {"percent": 60}, world.coordinator)
    assert "не ниже 60 %" in client.get(url).content.decode()

    client.post(url, {"reset": "1"})
    assert not ProposalRule.objects.filter(position=position).exists()
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404


# Queries ---------------------------------------------------------------------------------------


def test_the_proposals_of_an_evaluation_take_the_same_queries_whatever_the_positions(world, period):
    from tests.factories import make_municipality

    def queries_for(count: int) -> int:
        municipality = make_municipality()
        directions = [make_direction(municipality, code) for code in ("1.1", "2.3")]
        components = (
            "goals",
            "indicators",
            "monitoring",
            "recommendations",
            "measures",
            "decisions",
            "effectiveness",
        )
        for direction in directions:
            for n in range(count):
                component = components[n % len(components)]
                make_position(direction, period, f"{component}.{n}", component, 2)
            make_component(direction, period, "goals")
            make_indicator(world, direction, period, code=f"П{direction.pk}")
        positions = list(Position.objects.filter(municipality=municipality).select_related("direction"))
        with CaptureQueriesContext(connection) as context:
            found = proposals.propose(positions, period)
        assert len(found) == len(positions)
        return len(context.captured_queries)

    assert queries_for(len("1234567")) == queries_for(35)
