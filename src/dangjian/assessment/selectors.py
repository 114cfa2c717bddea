"""Reads of the standardization year. Lists begin from `restrict(user, "view")`; the
distribution per child is one grouped query whatever the size of the subtree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from dangjian.core.restrict import Everything, scope_prefixes, scope_q
from dangjian.orgs.models import Organization

from .choices import AssessmentStatus, WeakCategory
from .models import Assessment, ChecklistTemplate, WeakCategoryOption, WeakOrganization


def ancestor_paths(organization: Organization) -> list[str]:
    """The organization's own path and those of all its ancestors (materialized-path prefixes)."""
    step = Organization.steplen
    return [organization.path[: step * depth] for depth in range(1, organization.depth + 1)]


def reach_or_above_q(user: Any, path_lookup: str) -> Q:
    """Rows owned inside the user's reach or by an ancestor of one of the user's grants: what a
    level above sets (a county's checklist or target) concerns everyone below it, while a
    sibling's own stays out of sight."""
    prefixes = scope_prefixes(user, "view")
    if isinstance(prefixes, Everything):
        return Q()
    step = Organization.steplen
    above = sorted({p[: step * depth] for p in prefixes for depth in range(1, len(p) // step)})
    return scope_q(user, "view", path_lookup) | Q(**{f"{path_lookup}__in": above})


def templates_relevant(*, user: Any) -> QuerySet[ChecklistTemplate]:
    return ChecklistTemplate.objects.filter(reach_or_above_q(user, "owner__path"))


def template_applicable(*, organization: Organization, year: int) -> ChecklistTemplate | None:
    """The checklist for the organization's sector in `year`: of the levels above it that hold
    one, the deepest wins; within that level, the latest version not after `year`. One query."""
    return (
        ChecklistTemplate.objects.filter(
            owner__path__in=ancestor_paths(organization), sector=organization.sector, year__lte=year
        )
        .order_by("-owner__depth", "-year")
        .first()
    )


@dataclass(frozen=True)
class OrgLifeYear:
    status: str  # orglife.compliance MET / DUE / MISSED
    missing: list[str]


def orglife_of_year(*, organization: Organization, year: int, today: dt.date) -> OrgLifeYear:
    """The branch's organizational life over `year` as judged on `today`, counted live from the
    submitted records by `orglife.compliance` (a handful of queries for one branch; the stored
    figures serve large subtrees and may lag). Read only: the rules are orglife's."""
    from dangjian.orglife.compliance import MET, subtree_compliance
    from dangjian.orglife.periods import window_for

    figures = subtree_compliance(organization=organization, window=window_for(year), today=today)
    own = next((b for b in figures.branches if b.branch.id == organization.pk), None)
    if own is None:  # dissolved: nothing is required of it any more
        return OrgLifeYear(MET, [])
    return OrgLifeYear(own.status, own.missing)


def assessments_of_year(
    *, user: Any, year: int, organization: Organization | None = None
) -> QuerySet[Assessment]:
    rows = Assessment.objects.restrict(user, "view").filter(year=year)  # type: ignore[attr-defined]
    if organization is not None:
        rows = rows.filter(organization__path__startswith=organization.path)
    return rows.select_related("organization").order_by("organization__path")


@dataclass
class GradeRow:
    organization: Organization
    by_grade: dict[int, int] = field(default_factory=dict)
    changes: dict[str, int] = field(default_factory=dict)
    by_stars: dict[int, int] = field(default_factory=dict)

    @property
    def graded(self) -> int:
        return sum(self.by_grade.values())


def grade_distribution(*, user: Any, organization: Organization, year: int) -> list[GradeRow]:
    """Confirmed classes, 晋位/持平/降级 and stars (评星晋级) under each child of
    `organization`: two queries."""
    children = list(
        Organization.objects.restrict(user, "view").filter(  # type: ignore[attr-defined]
            path__startswith=organization.path, depth=organization.depth + 1
        )
    )
    rows = {child.path: GradeRow(child) for child in children}
    length = len(organization.path) + Organization.steplen
    grouped = (
        Assessment.objects.restrict(user, "view")  # type: ignore[attr-defined]
        .filter(organization__path__startswith=organization.path, year=year, status=AssessmentStatus.SIGNED)
        .annotate(prefix=Substr("organization__path", 1, length))
        .values("prefix", "grade", "grade_change", "stars")
        .order_by()
        .annotate(n=Count("id"))
    )
    for entry in grouped:
        row = rows.get(entry["prefix"])
        if row is not None:
            row.by_grade[entry["grade"]] = row.by_grade.get(entry["grade"], 0) + entry["n"]
            row.changes[entry["grade_change"]] = row.changes.get(entry["grade_change"], 0) + entry["n"]
            if entry["stars"]:
                row.by_stars[entry["stars"]] = row.by_stars.get(entry["stars"], 0) + entry["n"]
    return list(rows.values())


def weak_candidates(*, user: Any, year: int) -> QuerySet[Assessment]:
    """Confirmed 四类 results of the year whose organization is not yet on the weak list."""
    listed = WeakOrganization.objects.filter(year=year).values("organization_id")
    return (
        Assessment.objects.restrict(user, "view")  # type: ignore[attr-defined]
        .filter(year=year, status=AssessmentStatus.SIGNED, grade=4)
        .exclude(organization_id__in=listed)
        .select_related("organization")
    )


def weak_organizations(*, user: Any, year: int) -> QuerySet[WeakOrganization]:
    return (
        WeakOrganization.objects.restrict(user, "view")  # type: ignore[attr-defined]
        .filter(year=year)
        .select_related("organization", "ledger")
        .order_by("organization__path")
    )


@dataclass
class SecretaryBranch:
    """One branch a member was secretary of: its years' results, its open rectification
    items and its weak-organization records, as far as the reader may see them."""

    post: Any  # members.MemberRole
    assessments: list[Assessment]
    open_items: list[Any]  # ledger.LedgerItem
    weak_records: list[WeakOrganization]


def secretary_summary(*, user: Any, member: Any) -> list[SecretaryBranch]:
    """The results a secretary's evaluation refers to (issue: "results can be referenced in the
    secretary's evaluation"): for every 书记 post of `member`, the branch's assessments of the
    years of the post, most recent first. Each list is restricted to what `user` may view; a
    constant number of queries whatever the number of posts."""
    from dangjian.ledger.choices import ItemStatus
    from dangjian.ledger.models import LedgerItem
    from dangjian.members.choices import PartyRole
    from dangjian.members.models import MemberRole

    posts = list(
        MemberRole.objects.filter(member=member, role=PartyRole.SECRETARY)
        .filter(scope_q(user, "view", "organization__path"))
        .select_related("organization")
        .order_by("-started_on")
    )
    org_ids = {post.organization_id for post in posts}
    assessments = list(
        Assessment.objects.restrict(user, "view")  # type: ignore[attr-defined]
        .filter(organization_id__in=org_ids, status=AssessmentStatus.SIGNED)
        .order_by("-year")
    )
    open_items = list(
        LedgerItem.objects.restrict(user, "view")  # type: ignore[attr-defined]
        .filter(ledger__organization_id__in=org_ids)
        .exclude(status=ItemStatus.CLOSED)
        .select_related("ledger")
        .order_by("deadline", "pk")
    )
    weak = list(
        WeakOrganization.objects.restrict(user, "view")  # type: ignore[attr-defined]
        .filter(organization_id__in=org_ids)
        .order_by("-year")
    )
    today = timezone.localdate()
    summary = []
    for post in posts:
        last_year = (post.ended_on or today).year
        summary.append(
            SecretaryBranch(
                post,
                [
                    a
                    for a in assessments
                    if a.organization_id == post.organization_id
                    and post.started_on.year <= a.year <= last_year
                ],
                [i for i in open_items if i.ledger.organization_id == post.organization_id],
                [w for w in weak if w.organization_id == post.organization_id],
            )
        )
    return summary


@dataclass(frozen=True)
class CategoryChoice:
    code: str
    label: str
    active: bool = True


def default_weak_categories() -> list[CategoryChoice]:
    return [CategoryChoice(code, label) for code, label in WeakCategory.choices]


def weak_categories_for(organization: Organization) -> tuple[Organization | None, list[CategoryChoice]]:
    """The screening categories that apply to `organization` (itself or above): those of the
    deepest level holding its own list, else the product's defaults (owner None). One query."""
    rows = list(
        WeakCategoryOption.objects.filter(owner__path__in=ancestor_paths(organization))
        .select_related("owner")
        .order_by("-owner__depth", "position", "id")
    )
    if not rows:
        return None, default_weak_categories()
    owner = rows[0].owner
    return owner, [CategoryChoice(r.code, r.label, r.active) for r in rows if r.owner_id == owner.pk]


def weak_category_labels(organization: Organization) -> dict[str, str]:
    """Code → label for every category a record at or under `organization` may carry (the
    defaults, the lists above it, then those inside its subtree), inactive ones included so
    that old records keep their wording. One query."""
    labels = dict(WeakCategory.choices)
    for row in (
        WeakCategoryOption.objects.filter(
            Q(owner__path__in=ancestor_paths(organization)) | Q(owner__path__startswith=organization.path)
        )
        .order_by("owner__depth", "position")
        .values("code", "label")
    ):
        labels[row["code"]] = row["label"]
    return labels
