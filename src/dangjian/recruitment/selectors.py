"""Reads of the pipeline, each beginning from `restrict(user, "view")`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from dangjian.core.dates import add_years
from dangjian.members.choices import Education, Sex
from dangjian.orgs.models import Organization

from . import rules
from .choices import CandidateStatus, Stage
from .models import Candidate, RecruitmentStep


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
    return Pool(by_stage, by_education, sum(row["total"] for row in by_stage))


FIGURES = ("total", "under_35", "women")
