"""The demo county's workflows (loaded with the county, see conftest.county_demo): a pipeline
whose every step keeps the rules, deadlines near for the demo secretary, a dues year mostly
paid with a few members in arrears, and a term calendar with overdue, due-soon and postponed
elections."""

import datetime as dt
from collections import Counter

import pytest
from django.db.models import F

from dangjian.dues.models import DuesExemption, DuesMonth, DuesProfile
from dangjian.dues.selectors import dues_arrears
from dangjian.notifications.reminders import SYSTEM
from dangjian.recruitment import rules
from dangjian.recruitment.choices import Stage, Step
from dangjian.recruitment.models import Candidate, RecruitmentPlan, RecruitmentStep
from dangjian.recruitment.selectors import candidate_rows
from dangjian.terms.models import Election, TermPostponement
from dangjian.terms.rules import min_candidates, quorum_met
from dangjian.terms.selectors import term_calendar

pytestmark = pytest.mark.django_db
# Checks that need the branch's roster on the day; the demo draws those people from it.
ROSTER_FIELDS = {"contacts", "sponsors", "votes_present", "votes_in_favour"}


def test_every_step_on_file_keeps_the_rules(county_demo):
    as_of = county_demo.as_of
    records_of: dict[int, list[dict]] = {}
    for record in RecruitmentStep.objects.order_by("occurred_on", "id").values(
        "pk", "candidate_id", "step", "occurred_on", "training_days", "training_hours", "talker_name"
    ):
        records_of.setdefault(record.pop("candidate_id"), []).append(record)
    candidates = {c.pk: c for c in Candidate.objects.all()}
    assert Counter(c.stage for c in candidates.values()).keys() >= {
        Stage.APPLICANT,
        Stage.ACTIVIST,
        Stage.CANDIDATE,
        Stage.PROBATIONARY,
    }
    broken = []
    for candidate_id, records in records_of.items():
        candidate = candidates[candidate_id]
        history: dict[str, list[dt.date]] = {}
        for record in records:
            entry = rules.StepEntry(**{k: v for k, v in record.items() if k != "pk"})
            facts = rules.Facts(birth_date=candidate.birth_date, today=as_of, history=history)
            errors = [e for e in rules.step_errors(entry, facts) if e[0] not in ROSTER_FIELDS]
            if errors:
                broken.append((candidate.name, record["step"], errors))
            history.setdefault(record["step"], []).append(record["occurred_on"])
        assert rules.stage_after(history) == candidate.stage, candidate.name
    assert broken == []


def test_sponsors_and_votes_come_from_the_branch(county_demo):
    sponsored = RecruitmentStep.objects.filter(step=Step.SPONSORS_ASSIGNED).prefetch_related("sponsors")
    for step in sponsored[:200]:
        assert len(step.sponsors.all()) in (0, 2)
        assert all(m.organization_id == step.candidate.organization_id for m in step.sponsors.all())
    for vote in RecruitmentStep.objects.filter(step=Step.ADMISSION_VOTE):
        assert rules.vote_errors(vote.votes_entitled, vote.votes_present, vote.votes_in_favour) == []


def test_the_demo_secretary_has_deadlines_near(county_demo):
    as_of = county_demo.as_of
    rows = candidate_rows(user=SYSTEM, today=as_of, organization=county_demo.secretary_branch)
    stages = {row.candidate.stage for row in rows}
    assert {Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE} <= stages
    talk = [
        item.deadline
        for row in rows
        for item in row.next
        if item.step == Step.APPLICATION_TALK and item.deadline is not None
    ]
    assert talk and min(talk) - as_of <= dt.timedelta(days=10) and min(talk) >= as_of
    everywhere = candidate_rows(user=SYSTEM, today=as_of)
    late = sum(1 for row in everywhere if row.overdue)
    assert late < len(everywhere) * 0.1  # a realistic county is mostly on time
    assert RecruitmentPlan.objects.filter(year=as_of.year).count() >= 13


def test_a_dues_year_mostly_paid_with_some_arrears(county_demo):
    as_of = county_demo.as_of
    finished = DuesMonth.objects.filter(month__lt=as_of.replace(day=1))
    if not finished.exists():
        pytest.skip("January: no finished month yet")
    paid_share = finished.filter(paid__gte=F("due")).count() / finished.count()
    assert 0.88 < paid_share < 0.99
    warnings = [a for a in dues_arrears(user=SYSTEM, today=as_of) if a.warning]
    assert 20 <= len(warnings) <= 400
    assert (
        DuesProfile.objects.filter(year=as_of.year).count()
        == DuesMonth.objects.values("member").distinct().count()
    )
    if as_of.month >= 3:
        assert DuesExemption.objects.count() == 2
        assert not DuesMonth.objects.filter(
            member__dues_exemptions__isnull=False, month__month__gte=3, due__gt=0
        ).exists()


def test_a_term_calendar_with_overdue_soon_and_postponed(county_demo):
    calendar = term_calendar(user=SYSTEM, organization=county_demo.county, today=county_demo.as_of)
    assert len(calendar.overdue) >= 3 and len(calendar.due_soon) >= 5
    postponed = [row for row in calendar.overdue + calendar.due_soon if row.postponement is not None]
    assert len(postponed) == TermPostponement.objects.count() == 1
    assert postponed[0].due_on > postponed[0].term_ends_on
    for election in Election.objects.select_related("organization"):
        assert len(election.candidates) >= min_candidates(election.seats)
        assert quorum_met(election.voters_entitled, election.voters_present)
        assert all(votes * 2 > election.voters_present for _, votes in election.elected)
        assert election.held_on == election.organization.term_started_on
