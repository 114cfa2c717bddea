"""Reads of the pipeline, each beginning from `restrict(user, "view")`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.db.models.functions import Substr
from django.shortcuts import get_object_or_404

from dangjian.core.dates import add_years, age_on
from dangjian.core.restrict import restrict
from dangjian.members.choices import Education, MemberStatus, Sex
from dangjian.members.models import Member
from dangjian.orgs.choices import OrgKind, OrgStatus, Sector
from dangjian.orgs.models import Organization

from . import rules
from .choices import CandidateStatus, Stage
from .models import Candidate, RecruitmentPlan, RecruitmentStep


def candidate_list(*, user: Any, stage: str | None = None) -> QuerySet[Candidate]:
    candidates = Candidate.objects.restrict(user, "view").select_related("organization")  # type: ignore[attr-defined]
    if stage:
        candidates = candidates.filter(stage=stage)
    return candidates.order_by("organization__path", "name")


@dataclass(frozen=True)
class Timeline:
    candidate: Candidate
    done: list[RecruitmentStep]
    next: list[rules.NextStep]
    probation_ends: dt.date | None

    def overdue(self, today: dt.date) -> list[rules.NextStep]:
        return [item for item in self.next if item.deadline is not None and item.deadline < today]


def candidate_timeline(*, user: Any, candidate_id: int) -> Timeline:
    """The steps on file, what is next and by when. Out of the user's reach: 404."""
    steps = RecruitmentStep.objects.order_by("occurred_on", "id").prefetch_related("contacts", "sponsors")
    candidate = get_object_or_404(
        Candidate.objects.restrict(user, "view")  # type: ignore[attr-defined]
        .select_related("organization", "member")
        .prefetch_related(Prefetch("steps", queryset=steps)),
        pk=candidate_id,
    )
    done = list(candidate.steps.all())
    history: dict[str, list[dt.date]] = {}
    for record in done:
        history.setdefault(record.step, []).append(record.occurred_on)
    upcoming = (
        []
        if candidate.status != CandidateStatus.ACTIVE
        else rules.next_steps(history, candidate.extension_months)
    )
    vote = history.get(rules.Step.ADMISSION_VOTE)
    ends = rules.probation_ends(max(vote), candidate.extension_months) if vote else None
    return Timeline(candidate, done, upcoming, ends)


@dataclass(frozen=True)
class CandidateRow:
    candidate: Candidate
    next: list[rules.NextStep]
    overdue: bool


def candidate_rows(
    *,
    user: Any,
    today: dt.date,
    organization: Organization | None = None,
    stage: str | None = None,
    overdue_only: bool = False,
) -> list[CandidateRow]:
    """The list page: live candidates in reach (under `organization` if given), each with what
    is next and whether it is overdue. Two queries, however many candidates: the candidates,
    then every step on file for them."""
    candidates = candidate_list(user=user, stage=stage).filter(status=CandidateStatus.ACTIVE)
    if organization is not None:
        candidates = candidates.filter(organization__path__startswith=organization.path)
    found = list(candidates)
    histories: dict[int, dict[str, list[dt.date]]] = {c.pk: {} for c in found}
    if found:
        steps = RecruitmentStep.objects.filter(candidate__in=found).order_by("occurred_on", "id")
        for candidate_id, step, day in steps.values_list("candidate_id", "step", "occurred_on"):
            histories[candidate_id].setdefault(step, []).append(day)
    rows = []
    for candidate in found:
        upcoming = rules.next_steps(histories[candidate.pk], candidate.extension_months)
        late = any(item.deadline is not None and item.deadline < today for item in upcoming)
        if late or not overdue_only:
            rows.append(CandidateRow(candidate, upcoming, late))
    return rows


@dataclass(frozen=True)
class Pool:
    """The pipeline's figures under one organization (live candidates and, for 正式党员, the
    completed ones): by stage, with how many are under 35, women, and by education."""

    by_stage: list[dict[str, Any]]
    by_education: list[dict[str, Any]]
    total: int
    by_occupation: list[dict[str, Any]] = field(default_factory=list)
    # One row per child organization: its name and code, and the counts by stage below it.
    by_child: list[dict[str, Any]] = field(default_factory=list)


def candidate_pool(*, user: Any, organization: Organization, today: dt.date) -> Pool:
    """Two aggregate queries whatever the size of the subtree."""
    young_since = add_years(today, -35)
    candidates = (
        Candidate.objects.restrict(user, "view")  # type: ignore[attr-defined]
        .filter(organization__path__startswith=organization.path)
        .exclude(status=CandidateStatus.STOPPED)
    )
    counted = {
        row["stage"]: row
        for row in candidates.values("stage")
        .order_by("stage")
        .annotate(
            total=Count("id"),
            under_35=Count("id", filter=Q(birth_date__gt=young_since)),
            women=Count("id", filter=Q(sex=Sex.FEMALE)),
        )
    }
    by_stage = [
        {"stage": value, "label": label, **{k: counted.get(value, {}).get(k, 0) for k in FIGURES}}
        for value, label in Stage.choices
    ]
    labels = dict(Education.choices)
    by_education = [
        {"education": row["education"], "label": labels.get(row["education"], "未填"), "total": row["total"]}
        for row in candidates.values("education").order_by("education").annotate(total=Count("id"))
    ]
    occupations = list(
        candidates.values("occupation").annotate(total=Count("id")).order_by("-total", "occupation")
    )
    by_occupation = [
        {"occupation": row["occupation"] or "未填", "total": row["total"]}
        for row in occupations[:OCCUPATIONS_SHOWN]
    ]
    rest = sum(row["total"] for row in occupations[OCCUPATIONS_SHOWN:])
    if rest:
        by_occupation.append({"occupation": "其他", "total": rest})
    return Pool(
        by_stage,
        by_education,
        sum(row["total"] for row in by_stage),
        by_occupation,
        _pool_by_child(user, organization, candidates),
    )


FIGURES = ("total", "under_35", "women")
OCCUPATIONS_SHOWN = 8


def _pool_by_child(
    user: Any, organization: Organization, candidates: QuerySet[Candidate]
) -> list[dict[str, Any]]:
    """The stages counted under each child of `organization` (the next level down): two
    queries, the children and one aggregate grouped by the child's path prefix."""
    children = list(
        Organization.objects.restrict(user, "view")  # type: ignore[attr-defined]
        .filter(path__startswith=organization.path, depth=organization.depth + 1)
        .exclude(kind="group")
        .order_by("path")
    )
    if not children:
        return []
    prefix_length = len(organization.path) + Organization.steplen
    counted: dict[str, dict[str, int]] = {}
    for row in (
        candidates.annotate(prefix=Substr("organization__path", 1, prefix_length))
        .values("prefix", "stage")
        .order_by("prefix", "stage")
        .annotate(total=Count("id"))
    ):
        counted.setdefault(row["prefix"], {})[row["stage"]] = row["total"]
    return [
        {
            "organization": child,
            "stages": [counted.get(child.path, {}).get(value, 0) for value in Stage.values],
            "total": sum(counted.get(child.path, {}).values()),
        }
        for child in children
    ]


def plan_list(*, user: Any) -> QuerySet[RecruitmentPlan]:
    return (
        RecruitmentPlan.objects.restrict(user, "view")  # type: ignore[attr-defined]
        .select_related("organization")
        .order_by("-year", "organization__path", "id")
    )


@dataclass(frozen=True)
class PlanRow:
    organization: Organization
    plan: RecruitmentPlan | None
    admitted: int
    admitted_under_35: int
    admitted_women: int

    @property
    def percent(self) -> int | None:
        if self.plan is None or not self.plan.quota:
            return None
        return round(self.admitted * 100 / self.plan.quota)


def plan_progress(*, user: Any, organization: Organization, year: int) -> list[PlanRow]:
    """The organization and each child: the year's plan and the admissions (支部大会接收预备
    党员) voted that year in its subtree, with how many were under 35 on the day and women.
    Three queries: the organizations, the plans, the admission votes."""
    organizations = [
        organization,
        *Organization.objects.restrict(user, "view")  # type: ignore[attr-defined]
        .filter(path__startswith=organization.path, depth=organization.depth + 1)
        .exclude(kind="group")
        .order_by("path"),
    ]
    plans = {
        plan.organization_id: plan
        for plan in RecruitmentPlan.objects.restrict(user, "view").filter(  # type: ignore[attr-defined]
            organization__in=[o.pk for o in organizations], year=year
        )
    }
    counts: dict[str, list[int]] = {o.path: [0, 0, 0] for o in organizations}
    votes = (
        restrict(
            user,
            "view",
            RecruitmentStep.objects.filter(
                step=rules.Step.ADMISSION_VOTE,
                occurred_on__year=year,
                candidate__organization__path__startswith=organization.path,
            ),
        )
        .order_by()
        .values_list(
            "candidate__organization__path", "candidate__birth_date", "candidate__sex", "occurred_on"
        )
    )
    child_length = len(organization.path) + Organization.steplen
    for path, birth, sex, day in votes:
        # The organization itself and the child the vote lies under (the same when a branch's
        # own votes are counted).
        for key in {organization.path, path[:child_length]}:
            if key in counts:
                figures = counts[key]
                figures[0] += 1
                figures[1] += age_on(birth, day) < YOUNG_AGE
                figures[2] += sex == Sex.FEMALE
    return [PlanRow(o, plans.get(o.pk), *counts[o.path]) for o in organizations]


YOUNG_AGE = 35
# 发展党员工作 looks for villages that admitted nobody for two years (农村发展党员空白村).
VILLAGE_GAP_YEARS = 2


@dataclass(frozen=True)
class VillageGap:
    organization: Organization
    last_joined_on: dt.date | None


@dataclass(frozen=True)
class Gaps:
    villages: list[VillageGap]
    empty_groups: list[Organization]


def recruitment_gaps(*, user: Any, organization: Organization, today: dt.date) -> Gaps:
    """Villages with no new member for two years and village 党小组 (one per 村民小组) with no
    member. A village is the topmost rural organization of its branch of the tree; its
    members are those of its subtree. Three queries."""
    rural = list(
        Organization.objects.restrict(user, "view")  # type: ignore[attr-defined]
        .filter(path__startswith=organization.path, sector=Sector.RURAL, status=OrgStatus.ACTIVE)
        .order_by("path")
    )
    villages: list[Organization] = []
    for org in rural:
        if org.kind == OrgKind.GROUP:
            continue
        if villages and org.path.startswith(villages[-1].path):
            continue
        villages.append(org)
    latest: dict[str, dt.date] = {}
    rural_paths = {o.path for o in rural}
    for path, joined in (
        Member.objects.restrict(user, "view")  # type: ignore[attr-defined]
        .filter(status=MemberStatus.ACTIVE, organization__path__in=rural_paths)
        .values("organization__path")
        .order_by("organization__path")
        .annotate(last=Max("joined_on"))
        .values_list("organization__path", "last")
    ):
        latest[path] = joined
    since = add_years(today, -VILLAGE_GAP_YEARS)
    gaps = []
    for village in villages:
        days = [day for path, day in latest.items() if path.startswith(village.path)]
        last = max(days) if days else None
        if last is None or last <= since:
            gaps.append(VillageGap(village, last))
    groups = [o for o in rural if o.kind == OrgKind.GROUP]
    with_members = (
        set(
            Member.objects.restrict(user, "view")  # type: ignore[attr-defined]
            .filter(status=MemberStatus.ACTIVE, group__in=[g.pk for g in groups])
            .values_list("group_id", flat=True)
            .distinct()
        )
        if groups
        else set()
    )
    return Gaps(gaps, [g for g in groups if g.pk not in with_members])
