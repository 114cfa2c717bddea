"""A person's whole path from application to conversion through the services, with the dates
of a county's ordinary practice; then the same path with each rule broken once; scope."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from dangjian.core.audit import AuditEvent
from dangjian.core.exceptions import ScopeDenied
from dangjian.core.testing.world import make_member, new_id_number
from dangjian.members.choices import Category
from dangjian.members.models import Member
from dangjian.members.services import member_transfer
from dangjian.recruitment.choices import CandidateStatus, Stage, Step
from dangjian.recruitment.models import Candidate
from dangjian.recruitment.selectors import candidate_list, candidate_timeline
from dangjian.recruitment.services import candidate_create, full_members_on, recruitment_step_record

D = dt.date
BIRTH = D(1996, 8, 12)
APPLIED = D(2023, 3, 6)


@pytest.fixture
def branch(world):
    """TA01 with five full members (张建国 and 李秀英 from the world, three more)."""
    for name in ("王强", "陈芳", "刘洋"):
        make_member(world.branch_a1, name=name, joined_on=D(2010, 7, 1), converted_on=D(2011, 7, 1))
    return world.branch_a1


def sponsors_of(world):
    return [world.members["zhang"], world.members["li"]]


def path(world) -> list[tuple[str, dict[str, Any]]]:
    """Every step after the application, in order, as a branch in a county records them."""
    zhang, li = world.members["zhang"], world.members["li"]
    return [
        (Step.APPLICATION_FILING, {"occurred_on": D(2023, 3, 10), "documents": "入党申请书复印件"}),
        (Step.APPLICATION_TALK, {"occurred_on": D(2023, 3, 20), "talker_name": "张建国"}),
        (Step.APPLICATION_FILING_REVIEW, {"occurred_on": D(2023, 3, 28)}),
        (Step.ACTIVIST_SELECTION, {"occurred_on": D(2023, 4, 10), "documents": "推荐票、支委会会议记录"}),
        (Step.ACTIVIST_FILING, {"occurred_on": D(2023, 4, 15)}),
        (Step.CONTACTS_ASSIGNED, {"occurred_on": D(2023, 4, 15), "contacts": [zhang]}),
        (Step.ACTIVIST_REVIEW, {"occurred_on": D(2023, 10, 9), "documents": "考察意见"}),
        (Step.ACTIVIST_REVIEW, {"occurred_on": D(2024, 4, 8), "documents": "考察意见"}),
        (Step.CANDIDATE_SELECTION, {"occurred_on": D(2024, 4, 12)}),
        (Step.CANDIDATE_FILING, {"occurred_on": D(2024, 4, 18)}),
        (Step.SPONSORS_ASSIGNED, {"occurred_on": D(2024, 4, 20), "sponsors": [zhang, li]}),
        (Step.POLITICAL_REVIEW, {"occurred_on": D(2024, 5, 10), "documents": "政审材料"}),
        (
            Step.TRAINING,
            {"occurred_on": D(2024, 5, 20), "training_days": Decimal(3), "documents": "结业证书"},
        ),
        (Step.COMMITTEE_REVIEW, {"occurred_on": D(2024, 6, 3)}),
        (Step.SUPERIOR_PREREVIEW, {"occurred_on": D(2024, 6, 10)}),
        (Step.APPLICATION_FORM, {"occurred_on": D(2024, 6, 14), "documents": "入党志愿书"}),
        (Step.ADMISSION_VOTE, {"occurred_on": D(2024, 6, 24), "votes_present": 4, "votes_in_favour": 4}),
        (Step.SUPERIOR_TALK, {"occurred_on": D(2024, 7, 5), "talker_name": "甲镇党委组织委员 周明"}),
        (Step.ADMISSION_APPROVAL, {"occurred_on": D(2024, 8, 20)}),
        (Step.ADMISSION_RECORD_FILING, {"occurred_on": D(2024, 8, 28)}),
        (Step.PLACEMENT, {"occurred_on": D(2024, 9, 1)}),
        (Step.OATH, {"occurred_on": D(2024, 9, 1)}),
        (Step.PROBATION_EDUCATION, {"occurred_on": D(2025, 1, 15)}),
        (Step.CONVERSION_APPLICATION, {"occurred_on": D(2025, 6, 10), "documents": "转正申请书"}),
        (Step.CONVERSION_VOTE, {"occurred_on": D(2025, 6, 24), "votes_present": 5, "votes_in_favour": 5}),
        (Step.CONVERSION_APPROVAL, {"occurred_on": D(2025, 8, 15)}),
        (Step.ARCHIVING, {"occurred_on": D(2025, 9, 1)}),
    ]


def apply(branch, actor=None, birth=BIRTH, applied_on=APPLIED) -> Candidate:
    return candidate_create(
        actor=actor,
        organization=branch,
        name="孙志远",
        id_number=new_id_number(birth),
        applied_on=applied_on,
        phone="13800138000",
        education="bachelor",
        occupation="农民",
    )


def walk(candidate, steps, actor=None):
    for step, fields in steps:
        recruitment_step_record(actor=actor, candidate=candidate, step=step, **fields)


def test_whole_path_from_application_to_conversion(world, branch):
    actor = world.users["secretary_a1"]
    candidate = apply(branch, actor)
    assert candidate.stage == Stage.APPLICANT
    steps = path(world)
    walk(candidate, steps[:16], actor)
    candidate.refresh_from_db()
    assert candidate.stage == Stage.CANDIDATE and candidate.member is None
    walk(candidate, steps[16:17], actor)
    candidate.refresh_from_db()
    member = candidate.member
    # 入党日期 is the day of the branch meeting's vote (党章第七条).
    assert (member.category, member.joined_on, member.organization) == (
        Category.PROBATIONARY,
        D(2024, 6, 24),
        branch,
    )
    assert candidate.stage == Stage.PROBATIONARY
    walk(candidate, steps[17:], actor)
    candidate.refresh_from_db()
    member.refresh_from_db()
    assert candidate.stage == Stage.FULL and candidate.status == CandidateStatus.COMPLETED
    # 党龄 from the day probation ended, one year after the vote.
    assert (member.category, member.converted_on) == (Category.FULL, D(2025, 6, 24))
    vote = candidate.steps.get(step=Step.ADMISSION_VOTE)
    assert (vote.votes_entitled, vote.votes_present, vote.recorded_by) == (5, 4, actor)
    assert list(candidate.steps.get(step=Step.SPONSORS_ASSIGNED).sponsors.order_by("name")) == sorted(
        sponsors_of(world), key=lambda m: m.name
    )
    actions = set(AuditEvent.objects.filter(object_type="candidate").values_list("action", flat=True))
    assert {"recruitment.candidate_create", "recruitment.admission_vote", "recruitment.archiving"} <= actions
    timeline = candidate_timeline(user=actor, candidate_id=candidate.pk)
    assert len(timeline.done) == 1 + len(steps) and timeline.next == []


def test_extension_moves_the_conversion(world, branch):
    candidate = apply(branch)
    steps = path(world)
    walk(candidate, steps[:23])
    recruitment_step_record(
        actor=None,
        candidate=candidate,
        step=Step.PROBATION_EXTENSION,
        occurred_on=D(2025, 6, 20),
        extension_months=6,
        reason="考察期间群众意见较多，需继续考察",
    )
    early = dict(steps[24][1])
    with pytest.raises(ValidationError) as raised:
        recruitment_step_record(
            actor=None, candidate=candidate, step=Step.CONVERSION_APPLICATION, occurred_on=D(2025, 6, 22)
        )
        recruitment_step_record(actor=None, candidate=candidate, step=Step.CONVERSION_VOTE, **early)
    assert "2025-12-24" in str(raised.value.message_dict["occurred_on"])
    timeline = candidate_timeline(user=world.users["county_admin"], candidate_id=candidate.pk)
    assert timeline.probation_ends == D(2025, 12, 24)
    assert timeline.next[0].step == Step.CONVERSION_VOTE and timeline.next[0].earliest == D(2025, 12, 24)
    recruitment_step_record(
        actor=None,
        candidate=candidate,
        step=Step.CONVERSION_VOTE,
        occurred_on=D(2025, 12, 26),
        votes_present=5,
        votes_in_favour=4,
    )
    recruitment_step_record(
        actor=None, candidate=candidate, step=Step.CONVERSION_APPROVAL, occurred_on=D(2026, 2, 10)
    )
    candidate.refresh_from_db()
    assert candidate.member.converted_on == D(2025, 12, 24)


def replace(steps, index, **changes):
    step, fields = steps[index]
    return [*steps[:index], (step, {**fields, **changes})]


def drop(steps, index):
    return steps[:index] + steps[index + 1 :]


def index_of(steps, step, nth=0):
    return [i for i, (code, _) in enumerate(steps) if code == step][nth]


def full_three(world):
    return list(
        Member.objects.filter(organization=world.branch_a1, category=Category.FULL).order_by("pk")[:3]
    )


def broken_paths(world):
    """(name, steps up to and including the broken one, the field the refusal names)."""
    steps = path(world)
    i = lambda step, nth=0: index_of(steps, step, nth)  # noqa: E731
    zhang, wang = world.members["zhang"], world.members["wang"]
    return [
        (
            "talk a day after one month",
            replace(steps, i(Step.APPLICATION_TALK), occurred_on=D(2023, 4, 7)),
            "occurred_on",
        ),
        (
            "filing reviewed late",
            replace(steps, i(Step.APPLICATION_FILING_REVIEW), occurred_on=D(2023, 4, 11)),
            "occurred_on",
        ),
        (
            "talk before the application",
            replace(steps, i(Step.APPLICATION_TALK), occurred_on=D(2023, 3, 5)),
            "occurred_on",
        ),
        ("three contacts", replace(steps, i(Step.CONTACTS_ASSIGNED), contacts=full_three(world)), "contacts"),
        ("contact of another branch", replace(steps, i(Step.CONTACTS_ASSIGNED), contacts=[wang]), "contacts"),
        (
            "half-year review missed",
            drop(steps, i(Step.ACTIVIST_REVIEW))[: i(Step.CANDIDATE_SELECTION)],
            "occurred_on",
        ),
        (
            "candidate before a year",
            replace(steps, i(Step.CANDIDATE_SELECTION), occurred_on=D(2024, 4, 9)),
            "occurred_on",
        ),
        ("one sponsor", replace(steps, i(Step.SPONSORS_ASSIGNED), sponsors=[zhang]), "sponsors"),
        (
            "sponsor of another branch",
            replace(steps, i(Step.SPONSORS_ASSIGNED), sponsors=[zhang, wang]),
            "sponsors",
        ),
        ("training of two days", replace(steps, i(Step.TRAINING), training_days=Decimal(2)), "training_days"),
        (
            "vote without quorum",
            replace(steps, i(Step.ADMISSION_VOTE), votes_present=2, votes_in_favour=2),
            "votes_present",
        ),
        (
            "vote without majority",
            replace(steps, i(Step.ADMISSION_VOTE), votes_in_favour=2),
            "votes_in_favour",
        ),
        ("talk without the talker", replace(steps, i(Step.SUPERIOR_TALK), talker_name=""), "talker_name"),
        (
            "approval after 3 months",
            replace(steps, i(Step.ADMISSION_APPROVAL), occurred_on=D(2024, 9, 25)),
            "reason",
        ),
        (
            "approval after 6 months",
            replace(steps, i(Step.ADMISSION_APPROVAL), occurred_on=D(2024, 12, 25), reason="上级党委换届"),
            "occurred_on",
        ),
        ("oath before placement", drop(steps, i(Step.PLACEMENT))[: i(Step.OATH)], "step"),
        (
            "conversion vote too early",
            replace(steps, i(Step.CONVERSION_VOTE), occurred_on=D(2025, 6, 23)),
            "occurred_on",
        ),
        (
            "conversion approval late",
            replace(steps, i(Step.CONVERSION_APPROVAL), occurred_on=D(2025, 9, 25)),
            "occurred_on",
        ),
    ]


CASES = list(range(18))


@pytest.mark.parametrize("case", CASES)
def test_same_path_with_one_rule_broken_is_refused_with_the_reason(world, branch, case):
    name, steps, field = broken_paths(world)[case]
    candidate = apply(branch)
    walk(candidate, steps[:-1])
    step, fields = steps[-1]
    before = candidate.steps.count()
    with pytest.raises(ValidationError) as raised:
        recruitment_step_record(actor=None, candidate=candidate, step=step, **fields)
    errors = raised.value.message_dict
    assert field in errors, (name, errors)
    assert all(message and message.isascii() is False for messages in errors.values() for message in messages)
    assert candidate.steps.count() == before


def test_under_18_cannot_apply(world, branch):
    with pytest.raises(ValidationError) as raised:
        apply(branch, birth=D(2005, 3, 7), applied_on=D(2023, 3, 6))
    assert "未满18周岁" in raised.value.message_dict["occurred_on"][0]
    assert apply(branch, birth=D(2005, 3, 6), applied_on=D(2023, 3, 6)).stage == Stage.APPLICANT


def test_a_member_or_a_live_candidate_cannot_apply_again(world, branch):
    with pytest.raises(ValidationError) as raised:
        candidate_create(
            actor=None,
            organization=branch,
            name="张建国",
            id_number=world.members["zhang"].id_number,
            applied_on=APPLIED,
        )
    assert "id_number" in raised.value.message_dict
    candidate = apply(branch)
    with pytest.raises(ValidationError):
        candidate_create(
            actor=None, organization=branch, name="孙志远", id_number=candidate.id_number, applied_on=APPLIED
        )
    with pytest.raises(ValidationError) as raised:
        candidate_create(
            actor=None, organization=branch, name="某某", id_number="110101199003071234", applied_on=APPLIED
        )
    assert "校验码" in raised.value.message_dict["id_number"][0]


def test_sponsors_are_full_members_of_the_branch_on_that_day(world, branch):
    """A member who converted, or transferred in, after the day does not count that day."""
    late = make_member(branch, name="周敏", joined_on=D(2023, 7, 1), converted_on=D(2024, 7, 1))
    moved = make_member(world.branch_a2, name="吴刚", joined_on=D(2010, 7, 1), converted_on=D(2011, 7, 1))
    member_transfer(actor=None, member=moved, to_organization=branch, on=D(2024, 5, 1))
    roster_before = full_members_on(branch, D(2024, 4, 20))
    assert late.pk not in roster_before and moved.pk not in roster_before
    assert {late.pk, moved.pk} <= set(full_members_on(branch, D(2024, 7, 1)))
    assert world.members["wang"].pk not in roster_before
    candidate = apply(branch)
    steps = path(world)
    walk(candidate, steps[: index_of(steps, Step.SPONSORS_ASSIGNED)])
    with pytest.raises(ValidationError) as raised:
        recruitment_step_record(
            actor=None,
            candidate=candidate,
            step=Step.SPONSORS_ASSIGNED,
            occurred_on=D(2024, 4, 20),
            sponsors=[late, moved],
        )
    assert "周敏、吴刚不是" in raised.value.message_dict["sponsors"][0]


def test_timeline_shows_the_next_step_and_by_when(world, branch):
    candidate = apply(branch, applied_on=D(2025, 1, 31))
    timeline = candidate_timeline(user=world.users["secretary_a1"], candidate_id=candidate.pk)
    assert [(n.step, n.deadline) for n in timeline.next] == [(Step.APPLICATION_TALK, D(2025, 2, 28))]
    assert timeline.overdue(D(2025, 3, 1))[0].step == Step.APPLICATION_TALK
    assert timeline.overdue(D(2025, 2, 28)) == []


@pytest.mark.parametrize(
    ("user", "branch_name"), [("township_a_admin", "branch_b1"), ("secretary_a1", "branch_a2")]
)
def test_out_of_scope_writes_are_refused(world, user, branch_name):
    actor = world.users[user]
    with pytest.raises(ScopeDenied):
        apply(getattr(world, branch_name), actor)
    candidate = apply(getattr(world, branch_name))
    with pytest.raises(ScopeDenied):
        recruitment_step_record(
            actor=actor,
            candidate=candidate,
            step=Step.APPLICATION_TALK,
            occurred_on=APPLIED,
            talker_name="某",
        )
    assert candidate.steps.count() == 1 and not Member.objects.filter(name="孙志远").exists()


@pytest.mark.parametrize(
    ("user", "branch_name"), [("township_a_admin", "branch_b1"), ("secretary_a1", "branch_a2")]
)
def test_out_of_scope_reads_are_not_found(world, user, branch_name):
    candidate = apply(getattr(world, branch_name))
    mine = apply(world.branch_a1, birth=D(1990, 1, 1))
    with pytest.raises(Http404):
        candidate_timeline(user=world.users[user], candidate_id=candidate.pk)
    assert list(candidate_list(user=world.users[user])) == [mine]


def test_candidates_belong_to_a_branch(world):
    with pytest.raises(ValidationError) as raised:
        apply(world.township_a)
    assert "不是党支部" in raised.value.message_dict["organization"][0]
