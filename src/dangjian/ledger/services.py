"""Every write to ledgers, dispatch sheets and targets: one transaction each, scope-checked
with `require`, audited. The organization's own people keep its items; closing an item out
(销号) and accepting nothing less than evidence is the superior's decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from dangjian.core.audit import audit_record, snapshot
from dangjian.core.restrict import require
from dangjian.orgs.models import Organization

from . import rules
from .choices import ItemSource, ItemStatus, LedgerStatus, RecipientStatus
from .models import DispatchRecipient, DispatchSheet, Ledger, LedgerItem, ProgressNote, Target

ITEM_FIELDS = ("problem", "measure", "responsible_person", "deadline", "status")


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _fail(field: str, message: str) -> None:
    raise ValidationError({field: [message]})


def require_superior(actor: Any, organization: Organization) -> Organization:
    """The level above `organization` must be in the actor's reach: a branch does not sign off
    its own rectification (挂账销号 is confirmed by the superior)."""
    parent = (
        Organization.objects.filter(path=organization.parent_path).first() if organization.depth > 1 else None
    )
    if parent is None:
        _fail("organization", f"“{organization.name}”没有上级党组织，无法由上级确认")
    assert parent is not None
    require(actor, "change", parent)
    return parent


@transaction.atomic
def ledger_create(
    *, actor: Any, organization: Organization, year: int, title: str, source: str = ItemSource.MANUAL
) -> Ledger:
    require(actor, "change", organization)
    ledger = Ledger(organization=organization, year=year, title=title.strip(), source=source)
    ledger.full_clean()
    ledger.save()
    audit_record(
        actor=actor,
        action="ledger.create",
        obj=ledger,
        organization=organization,
        after=snapshot(ledger, ("year", "title", "source")),
    )
    return ledger


def _locked_ledger(ledger: Ledger) -> Ledger:
    return Ledger.objects.select_for_update().select_related("organization").get(pk=ledger.pk)


@transaction.atomic
def ledger_item_add(
    *,
    actor: Any,
    ledger: Ledger,
    problem: str,
    measure: str,
    responsible_person: str,
    deadline: dt.date,
    source: str | None = None,
) -> LedgerItem:
    """挂账: put an item on the ledger. A closed ledger opens again for a new item."""
    ledger = _locked_ledger(ledger)
    require(actor, "change", ledger.organization)
    number = (ledger.items.aggregate(top=Max("number"))["top"] or 0) + 1
    item = LedgerItem(
        ledger=ledger,
        number=number,
        problem=problem.strip(),
        measure=measure.strip(),
        responsible_person=responsible_person.strip(),
        deadline=deadline,
        source=source or ledger.source,
    )
    item.full_clean()
    item.save()
    if ledger.status == LedgerStatus.CLOSED:
        ledger.status, ledger.closed_at = LedgerStatus.OPEN, None
        ledger.save(update_fields=["status", "closed_at"])
    audit_record(
        actor=actor,
        action="ledger.item_add",
        obj=item,
        organization=ledger.organization,
        after=snapshot(item, ITEM_FIELDS) | {"number": number},
    )
    return item


def _locked_item(item: LedgerItem) -> LedgerItem:
    return LedgerItem.objects.select_for_update().select_related("ledger__organization").get(pk=item.pk)


@transaction.atomic
def progress_note_add(
    *, actor: Any, item: LedgerItem, note: str, evidence: str = "", noted_on: dt.date | None = None
) -> ProgressNote:
    item = _locked_item(item)
    organization = item.ledger.organization
    require(actor, "change", organization)
    if item.status == ItemStatus.CLOSED:
        _fail("item", f"第{item.number}项已销号，不能再登记进展")
    entry = ProgressNote(
        item=item,
        note=note.strip(),
        evidence=evidence.strip(),
        noted_on=noted_on or timezone.localdate(),
        recorded_by=_user(actor),
    )
    entry.full_clean()
    entry.save()
    audit_record(
        actor=actor,
        action="ledger.progress_note",
        obj=entry,
        organization=organization,
        after=snapshot(entry, ("noted_on", "note", "evidence")),
    )
    return entry


@transaction.atomic
def ledger_item_close_request(
    *, actor: Any, item: LedgerItem, evidence: str = "", today: dt.date | None = None
) -> LedgerItem:
    """申请销号: the organization says the item is done. Evidence is required: given now, or
    already on one of its progress notes."""
    item = _locked_item(item)
    organization = item.ledger.organization
    require(actor, "change", organization)
    if item.status != ItemStatus.OPEN:
        _fail("status", f"第{item.number}项当前为“{item.get_status_display()}”，不能申请销号")
    evidence = evidence.strip()
    if not evidence:
        noted = item.notes.exclude(evidence="").order_by("-noted_on", "-id").first()
        evidence = noted.evidence if noted else ""
    if rules.CLOSE_NEEDS_EVIDENCE and not evidence:
        _fail("evidence", f"第{item.number}项没有整改佐证材料，不能申请销号")
    item.status = ItemStatus.CLOSE_REQUESTED
    item.close_evidence = evidence
    item.close_requested_on = today or timezone.localdate()
    item.return_reason = ""
    item.save()
    audit_record(
        actor=actor,
        action="ledger.close_request",
        obj=item,
        organization=organization,
        after={"evidence": evidence, "requested_on": item.close_requested_on.isoformat()},
    )
    return item


def _decided(item: LedgerItem) -> None:
    """One decision wins: the second approver finds the item already decided and is told so."""
    if item.status == ItemStatus.CLOSED:
        _fail("status", f"第{item.number}项已由他人确认销号，无需重复操作")
    if item.status != ItemStatus.CLOSE_REQUESTED:
        _fail("status", f"第{item.number}项未申请销号或已被退回，请刷新后再看")


@transaction.atomic
def ledger_item_close_approve(*, actor: Any, item: LedgerItem, today: dt.date | None = None) -> LedgerItem:
    """销号: the superior confirms. When the last item closes, the ledger closes with it."""
    item = _locked_item(item)
    ledger = _locked_ledger(item.ledger)
    require_superior(actor, ledger.organization)
    _decided(item)
    item.status = ItemStatus.CLOSED
    item.closed_on = today or timezone.localdate()
    item.closed_by = _user(actor)
    item.save()
    audit_record(
        actor=actor,
        action="ledger.close_approve",
        obj=item,
        organization=ledger.organization,
        before={"status": ItemStatus.CLOSE_REQUESTED},
        after={"status": ItemStatus.CLOSED, "closed_on": item.closed_on.isoformat()},
    )
    if not ledger.items.exclude(status=ItemStatus.CLOSED).exists():
        ledger.status, ledger.closed_at = LedgerStatus.CLOSED, timezone.now()
        ledger.save(update_fields=["status", "closed_at"])
        audit_record(
            actor=actor,
            action="ledger.close",
            obj=ledger,
            organization=ledger.organization,
            after={"status": LedgerStatus.CLOSED},
        )
    return item


@transaction.atomic
def ledger_item_close_return(*, actor: Any, item: LedgerItem, reason: str) -> LedgerItem:
    item = _locked_item(item)
    require_superior(actor, item.ledger.organization)
    _decided(item)
    if not reason.strip():
        _fail("reason", "退回时请写明理由")
    item.status = ItemStatus.OPEN
    item.return_reason = reason.strip()
    item.save()
    audit_record(
        actor=actor,
        action="ledger.close_return",
        obj=item,
        organization=item.ledger.organization,
        before={"status": ItemStatus.CLOSE_REQUESTED},
        after={"status": ItemStatus.OPEN, "reason": item.return_reason},
    )
    return item


@dataclass(frozen=True)
class Assignment:
    organization: Organization
    deadline: dt.date
    responsible_person: str


@transaction.atomic
def dispatch_sheet_issue(
    *,
    actor: Any,
    issuer: Organization,
    title: str,
    content: str = "",
    assignments: Sequence[Assignment],
    issued_on: dt.date | None = None,
) -> DispatchSheet:
    """交办: one task to many organizations strictly below the issuer, each with its own
    deadline and responsible person."""
    require(actor, "change", issuer)
    if not assignments:
        _fail("assignments", "请至少选择一个承办单位")
    issued_on = issued_on or timezone.localdate()
    seen: set[int] = set()
    for assignment in assignments:
        org = assignment.organization
        if not (org.path.startswith(issuer.path) and org.depth > issuer.depth):
            _fail("assignments", f"“{org.name}”不是“{issuer.name}”的下级党组织")
        if org.pk in seen:
            _fail("assignments", f"“{org.name}”重复选择")
        if assignment.deadline < issued_on:
            _fail("assignments", f"“{org.name}”的办理时限早于交办日期")
        if not assignment.responsible_person.strip():
            _fail("assignments", f"“{org.name}”未填写责任人")
        seen.add(org.pk)
    sheet = DispatchSheet(
        issuer=issuer,
        year=issued_on.year,
        title=title.strip(),
        content=content.strip(),
        issued_on=issued_on,
        issued_by=_user(actor),
    )
    sheet.full_clean()
    sheet.save()
    DispatchRecipient.objects.bulk_create(
        DispatchRecipient(
            sheet=sheet,
            organization=a.organization,
            deadline=a.deadline,
            responsible_person=a.responsible_person.strip(),
        )
        for a in assignments
    )
    audit_record(
        actor=actor,
        action="dispatch.issue",
        obj=sheet,
        organization=issuer,
        after={"title": sheet.title, "recipients": [a.organization.code for a in assignments]},
    )
    return sheet


@transaction.atomic
def dispatch_response_record(
    *,
    actor: Any,
    recipient: DispatchRecipient,
    response: str,
    completed: bool = False,
    today: dt.date | None = None,
) -> DispatchRecipient:
    """The recipient reports progress, or completion (办结) on the day."""
    recipient = (
        DispatchRecipient.objects.select_for_update().select_related("organization").get(pk=recipient.pk)
    )
    require(actor, "change", recipient.organization)
    if recipient.status == RecipientStatus.COMPLETED:
        _fail("status", "该事项已办结")
    if not response.strip():
        _fail("response", "请填写办理情况")
    before = snapshot(recipient, ("status", "response", "completed_on"))
    recipient.response = response.strip()
    if completed:
        recipient.status = RecipientStatus.COMPLETED
        recipient.completed_on = today or timezone.localdate()
    else:
        recipient.status = RecipientStatus.IN_PROGRESS
    recipient.save()
    audit_record(
        actor=actor,
        action="dispatch.respond",
        obj=recipient,
        organization=recipient.organization,
        before=before,
        after=snapshot(recipient, ("status", "response", "completed_on")),
    )
    return recipient


@transaction.atomic
def target_set(
    *,
    actor: Any,
    organization: Organization,
    year: int,
    name: str,
    metric: str,
    comparison: str,
    threshold: Decimal,
    sector: str = "",
) -> Target:
    require(actor, "manage_orgs", organization)
    target = Target(
        organization=organization,
        year=year,
        name=name.strip(),
        metric=metric,
        comparison=comparison,
        threshold=threshold,
        sector=sector,
    )
    target.full_clean()
    target.save()
    audit_record(
        actor=actor,
        action="target.set",
        obj=target,
        organization=organization,
        after=snapshot(target, ("year", "name", "metric", "comparison", "threshold", "sector")),
    )
    return target
