"""Stopping a candidacy and a branch meeting whose vote did not carry, each as a step; the
yearly plans with progress counted from the admission votes; the pool by occupation and by
child organization; villages without a new member for two years and empty village groups."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.core.audit import AuditEvent
from dangjian.core.exceptions import ScopeDenied
from dangjian.core.testing.world import make_member
from dangjian.recruitment.choices import CandidateStatus, Stage, Step
from dangjian.recruitment.models import RecruitmentPlan
from dangjian.recruitment.selectors import candidate_pool, plan_progress, recruitment_gaps
from dangjian.recruitment.services import recruitment_plan_set, recruitment_step_record

from .test_services import apply, branch, path, walk  # noqa: F401  (branch is a fixture)

D = dt.date
TODAY = timezone.localdate()


def test_stop_needs_a_reason_and_ends_the_candidacy(world, branch):  # noqa: F811
    candidate = apply(branch)
    walk(candidate, path(world)[:5])
    with pytest.raises(ValidationError) as caught:
        recruitment_step_record(actor=None, candidate=candidate, step=Step.STOPPED, occurred_on=D(2023, 6, 1))
    assert "reason" in caught.value.message_dict
    recruitment_step_record(
        actor=None,
        candidate=candidate,
        step=Step.STOPPED,
        occurred_on=D(2023, 6, 1),
        reason="本人撤回入党申请",
    )
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.STOPPED and candidate.stage == Stage.ACTIVIST
    assert AuditEvent.objects.filter(action="recruitment.stopped").exists()
    with pytest.raises(ValidationError) as caught:
        recruitment_step_record(
            actor=None, candidate=candidate, step=Step.ACTIVIST_REVIEW, occurred_on=D(2023, 7, 1)
        )
    assert "已终止" in caught.value.message_dict["step"][0]


def test_stop_is_refused_once_on_the_roster(world, branch):  # noqa: F811
    candidate = apply(branch)
    walk(candidate, path(world)[:17])
    with pytest.raises(ValidationError) as caught:
        recruitment_step_record(
            actor=None,
            candidate=candidate,
            step=Step.STOPPED,
            occurred_on=D(2024, 7, 1),
            reason="不再具备条件",
        )
    assert "章程》第七条" in caught.value.message_dict["step"][0]


@pytest.mark.parametrize(
    ("present", "in_favour", "field"),
    [
        (5, 2, None),  # valid meeting (5 of 5), 2 of 5 is not more than half: failed, on file
        (3, 2, None),  # 3 of 5 present is valid; 2 in favour does not carry
        (2, 1, "votes_present"),  # 2 of 5 present: the meeting itself was not valid
        (5, 3, "votes_in_favour"),  # 3 of 5 carried: that is a passed vote, not a failed one
    ],
)
def test_failed_admission_vote_is_recorded_without_advancing(world, branch, present, in_favour, field):  # noqa: F811
    candidate = apply(branch)
    walk(candidate, path(world)[:16])
    record = lambda: recruitment_step_record(  # noqa: E731
        actor=None,
        candidate=candidate,
        step=Step.ADMISSION_VOTE_FAILED,
        occurred_on=D(2024, 6, 24),
        votes_present=present,
        votes_in_favour=in_favour,
    )
    if field is not None:
        with pytest.raises(ValidationError) as caught:
            record()
        assert field in caught.value.message_dict
        return
    step = record()
    assert step.votes_entitled == 5
    candidate.refresh_from_db()
    assert candidate.stage == Stage.CANDIDATE and candidate.member is None
    # The branch may vote again, and this time it carries.
    walk(
        candidate,
        [(Step.ADMISSION_VOTE, {"occurred_on": D(2024, 7, 8), "votes_present": 5, "votes_in_favour": 4})],
    )
    candidate.refresh_from_db()
    assert candidate.stage == Stage.PROBATIONARY
    with pytest.raises(ValidationError):
        record()  # once passed, no failed vote can follow


def test_failed_conversion_vote_waits_for_the_end_of_probation(world, branch):  # noqa: F811
    candidate = apply(branch)
    walk(candidate, path(world)[:24])
    early = dict(votes_present=5, votes_in_favour=1)
    with pytest.raises(ValidationError) as caught:
        recruitment_step_record(
            actor=None,
            candidate=candidate,
            step=Step.CONVERSION_VOTE_FAILED,
            occurred_on=D(2025, 6, 23),
            **early,
        )
    assert "occurred_on" in caught.value.message_dict
    recruitment_step_record(
        actor=None, candidate=candidate, step=Step.CONVERSION_VOTE_FAILED, occurred_on=D(2025, 6, 24), **early
    )


def test_plan_is_set_by_the_superior_and_checked(world):
    with pytest.raises(ScopeDenied):
        recruitment_plan_set(
            actor=world.users["secretary_a1"], organization=world.branch_a1, year=2026, quota=2
        )
    with pytest.raises(ValidationError) as caught:
        recruitment_plan_set(
            actor=world.users["township_a_admin"],
            organization=world.branch_a1,
            year=2026,
            quota=2,
            under_35_quota=3,
        )
    assert "under_35_quota" in caught.value.message_dict
    plan = recruitment_plan_set(
        actor=world.users["township_a_admin"], organization=world.branch_a1, year=2026, quota=2, women_quota=1
    )
    recruitment_plan_set(
        actor=world.users["township_a_admin"], organization=world.branch_a1, year=2026, quota=3
    )
    plan.refresh_from_db()
    assert plan.quota == 3 and RecruitmentPlan.objects.count() == 1
    assert AuditEvent.objects.filter(action="recruitment.plan_set").count() == 2


def test_plan_progress_counts_admission_votes_of_the_year(world, branch, django_assert_num_queries):  # noqa: F811
    recruitment_plan_set(actor=None, organization=world.township_a, year=2024, quota=5)
    recruitment_plan_set(actor=None, organization=world.branch_a1, year=2024, quota=2, under_35_quota=1)
    candidate = apply(branch)
    walk(candidate, path(world)[:17])  # admitted on 2024-06-24, aged 27
    user = world.users["county_admin"]
    user.__dict__.pop("_dangjian_scope", None)
    rows = plan_progress(user=user, organization=world.township_a, year=2024)
    figures = {
        row.organization.code: (row.plan and row.plan.quota, row.admitted, row.admitted_under_35)
        for row in rows
    }
    assert figures == {"TA": (5, 1, 1), "TA01": (2, 1, 1), "TA02": (None, 0, 0)}
    assert rows[1].percent == 50
    assert plan_progress(user=user, organization=world.township_a, year=2025)[0].admitted == 0
    with django_assert_num_queries(3):
        plan_progress(user=user, organization=world.township_a, year=2024)
    # Township B's administrator sees none of it.
    other = plan_progress(user=world.users["township_b_admin"], organization=world.county, year=2024)
    assert [row.organization.code for row in other] == ["C1", "TB"] and other[0].admitted == 0


def test_pool_by_occupation_and_by_child(world, branch):  # noqa: F811
    apply(branch)
    pool = candidate_pool(user=world.users["county_admin"], organization=world.county, today=TODAY)
    assert pool.by_occupation == [{"occupation": "农民", "total": 1}]
    by_child = {row["organization"].code: row for row in pool.by_child}
    assert by_child["TA"]["total"] == 1 and by_child["TA"]["stages"][0] == 1 and by_child["TB"]["total"] == 0
    mine = candidate_pool(user=world.users["township_b_admin"], organization=world.county, today=TODAY)
    assert mine.total == 0 and [row["organization"].code for row in mine.by_child] == ["TB"]


def test_gaps_flag_villages_and_empty_groups(world):
    gaps = recruitment_gaps(user=world.users["county_admin"], organization=world.county, today=TODAY)
    # Every world member joined long ago; TA01's group has 张建国, so no empty group yet.
    # TB01 admitted 赵丽 on 2026-01-10; TA01 and TA02 last admitted in 2015 and 2005.
    assert [gap.organization.code for gap in gaps.villages] == ["TA01", "TA02"]
    assert gaps.empty_groups == []
    make_member(
        world.branch_a2, name="新党员", joined_on=TODAY - dt.timedelta(days=30), category="probationary"
    )
    world.members["zhang"].group = None
    world.members["zhang"].save(update_fields=["group"])
    gaps = recruitment_gaps(user=world.users["township_a_admin"], organization=world.county, today=TODAY)
    assert [gap.organization.code for gap in gaps.villages] == ["TA01"]
    assert [group.code for group in gaps.empty_groups] == ["TA01G1"]


def test_plans_page_and_form_isolation(world):
    secretary, township_b = Client(), Client()
    secretary.force_login(world.users["secretary_a1"])
    township_b.force_login(world.users["township_b_admin"])
    assert secretary.get(reverse("recruitment:plans", args=["TA01"])).status_code == 200
    assert secretary.get(reverse("recruitment:plan-set", args=["TA01", 2026])).status_code == 404
    assert (
        secretary.post(reverse("recruitment:plan-set", args=["TA01", 2026]), {"quota": 9}).status_code == 404
    )
    for url in (
        reverse("recruitment:plans", args=["TA"]),
        reverse("recruitment:plan-set", args=["TA01", 2026]),
    ):
        assert township_b.get(url).status_code == 404
        assert township_b.post(url, {"quota": 9}).status_code in (404, 405)
    township_a = Client()
    township_a.force_login(world.users["township_a_admin"])
    response = township_a.post(
        reverse("recruitment:plan-set", args=["TA01", 2026]), {"quota": 3, "women_quota": 5}
    )
    assert "其中女性5名" in response.content.decode()
    response = township_a.post(reverse("recruitment:plan-set", args=["TA01", 2026]), {"quota": 3})
    assert response.status_code == 302
    page = township_a.get(response["Location"]).content.decode()
    assert "甲镇东村党支部" in page and "无党员的村民小组" in page
    assert not RecruitmentPlan.objects.exclude(organization=world.branch_a1).exists()
