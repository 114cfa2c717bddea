"""Every write to terms: one transaction each, scope-checked, judged by `terms.rules`, audited.
An election starts the new term through `orgs.services.organization_update` (its own audit
row records the term change on the organization); a postponement is approved by the
superior, so it needs `change` on the parent organization."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core.audit import audit_record, snapshot
from dangjian.core.restrict import require
from dangjian.orgs.models import Organization
from dangjian.orgs.services import organization_update

from . import rules
from .models import Election, TermPostponement

ELECTION_FIELDS = (
    "held_on",
    "term_years",
    "seats",
    "candidates",
    "voters_entitled",
    "voters_present",
    "elected",
    "secretary_name",
    "previous_term_started_on",
)
POSTPONEMENT_FIELDS = (
    "term_started_on",
    "term_ends_on",
    "postponed_to",
    "reason",
    "approved_by",
    "approved_on",
)


def _raise(errors: Sequence[tuple[str, str]]) -> None:
    if errors:
        grouped: dict[str, list[str]] = {}
        for name, message in errors:
            grouped.setdefault(name, []).append(message)
        raise ValidationError(grouped)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def election_record(
    *,
    actor: Any,
    organization: Organization,
    held_on: dt.date,
    term_years: int,
    seats: int,
    candidates: Sequence[str],
    voters_entitled: int,
    voters_present: int,
    elected: Sequence[tuple[str, int]],
    secretary_name: str = "",
    note: str = "",
    today: dt.date | None = None,
) -> Election:
    """换届选举: put the election on file and start the new term on the organization."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    require(actor, "change", organization)
    today = today or timezone.localdate()
    errors: list[tuple[str, str]] = []
    if organization.kind not in rules.ELECTED_KINDS:
        errors.append(("organization", f"{organization.get_kind_display()}不进行换届选举"))
    if not organization.is_active:
        errors.append(("organization", f"“{organization.name}”已撤销"))
    errors.extend(rules.term_years_errors(organization.kind, organization.sector, term_years))
    names = [name.strip() for name in candidates if name.strip()]
    elected_rows = [(name.strip(), int(votes)) for name, votes in elected]
    ballot = rules.Ballot(held_on, seats, names, voters_entitled, voters_present, elected_rows)
    errors.extend(rules.election_errors(ballot, term_started_on=organization.term_started_on, today=today))
    secretary_name = secretary_name.strip()
    if secretary_name and secretary_name not in [name for name, _ in elected_rows]:
        errors.append(("secretary_name", f"书记{secretary_name}不在当选人中"))
    _raise(errors)
    election = Election(
        organization=organization,
        held_on=held_on,
        term_years=term_years,
        seats=seats,
        candidates=names,
        voters_entitled=voters_entitled,
        voters_present=voters_present,
        elected=[list(row) for row in elected_rows],
        secretary_name=secretary_name,
        previous_term_started_on=organization.term_started_on,
        note=note.strip(),
        recorded_by=_user(actor),
    )
    election.full_clean(exclude=["organization"])
    election.save()
    term: dict[str, Any] = {"term_started_on": held_on, "term_years": term_years}
    if secretary_name:
        term["secretary_name"] = secretary_name
    organization_update(actor=actor, organization=organization, **term)
    audit_record(
        actor=actor,
        action="terms.election_record",
        obj=election,
        organization=organization,
        after=snapshot(election, ELECTION_FIELDS),
    )
    return election


@transaction.atomic
def term_postpone(
    *,
    actor: Any,
    organization: Organization,
    postponed_to: dt.date,
    reason: str,
    approved_by: str,
    approved_on: dt.date,
    today: dt.date | None = None,
) -> TermPostponement:
    """延期换届: the superior's approval on file; the election is then due on `postponed_to`.
    A second approval for the same term replaces the first, still within one year of the
    term's end."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    parent = Organization.objects.get_parent(organization)
    # The superior approves: a branch cannot postpone its own election.
    require(actor, "change", parent or organization)
    if actor is not None and parent is None and not getattr(actor, "is_superuser", False):
        raise ValidationError({"organization": "顶层党组织的延期换届须由其上级批准，本平台无法记录"})
    today = today or timezone.localdate()
    errors: list[tuple[str, str]] = []
    if organization.kind not in rules.ELECTED_KINDS:
        errors.append(("organization", f"{organization.get_kind_display()}不进行换届选举"))
    errors.extend(
        rules.postponement_errors(
            term_ends_on=organization.term_ends_on,
            postponed_to=postponed_to,
            reason=reason,
            approved_by=approved_by,
            approved_on=approved_on,
            today=today,
        )
    )
    _raise(errors)
    assert organization.term_started_on is not None and organization.term_ends_on is not None
    postponement = TermPostponement(
        organization=organization,
        term_started_on=organization.term_started_on,
        term_ends_on=organization.term_ends_on,
        postponed_to=postponed_to,
        reason=reason.strip(),
        approved_by=approved_by.strip(),
        approved_on=approved_on,
        recorded_by=_user(actor),
    )
    postponement.full_clean(exclude=["organization"])
    postponement.save()
    audit_record(
        actor=actor,
        action="terms.postpone",
        obj=postponement,
        organization=organization,
        after=snapshot(postponement, POSTPONEMENT_FIELDS),
    )
    return postponement
