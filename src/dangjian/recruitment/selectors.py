"""Reads of the pipeline, each beginning from `restrict(user, "view")`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from . import rules
from .choices import CandidateStatus
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
