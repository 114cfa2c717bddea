import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from dangjian.core.exceptions import ScopeDenied
from dangjian.core.models import AuditEvent
from dangjian.ledger import services as svc
from dangjian.ledger.choices import ItemStatus, LedgerStatus, RecipientStatus
from dangjian.ledger.models import LedgerItem
from dangjian.ledger.selectors import dispatch_overdue, dispatch_progress, overdue_items

TODAY = dt.date(2026, 6, 30)


def ledger_with_items(world, count=2, deadline=TODAY):
    secretary = world.users["secretary_a1"]
    ledger = svc.ledger_create(actor=secretary, organization=world.branch_a1, year=2026, title="组织生活整改")
    items = [
        svc.ledger_item_add(
            actor=secretary,
            ledger=ledger,
            problem=f"问题{n}",
            measure="按月开展",
            responsible_person="张建国",
            deadline=deadline,
        )
        for n in range(1, count + 1)
    ]
    return ledger, items


def test_item_closes_only_with_evidence_and_the_superiors_confirmation(world):
    secretary, township = world.users["secretary_a1"], world.users["township_a_admin"]
    ledger, (first, second) = ledger_with_items(world)
    with pytest.raises(ValidationError, match="没有整改佐证"):
        svc.ledger_item_close_request(actor=secretary, item=first)
    svc.progress_note_add(actor=secretary, item=first, note="已开展", evidence="6月会议记录", noted_on=TODAY)
    first = svc.ledger_item_close_request(actor=secretary, item=first, today=TODAY)
    assert (first.status, first.close_evidence) == (ItemStatus.CLOSE_REQUESTED, "6月会议记录")
    with pytest.raises(ScopeDenied):  # the branch cannot confirm its own close-out
        svc.ledger_item_close_approve(actor=secretary, item=first)
    with pytest.raises(ScopeDenied):
        svc.ledger_item_close_approve(actor=world.users["township_b_admin"], item=first)
    with pytest.raises(ScopeDenied):
        svc.ledger_item_close_approve(actor=world.users["inspector_a"], item=first)
    svc.ledger_item_close_approve(actor=township, item=first, today=TODAY)
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.OPEN  # one item still open
    svc.ledger_item_close_request(actor=secretary, item=second, evidence="照片", today=TODAY)
    svc.ledger_item_close_approve(actor=township, item=second, today=TODAY)
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.CLOSED
    assert AuditEvent.objects.filter(action="ledger.close", object_id=str(ledger.pk)).count() == 1
    with pytest.raises(ValidationError, match="已销号"):
        svc.progress_note_add(actor=secretary, item=second, note="补充")
    # A new item opens the ledger again.
    svc.ledger_item_add(
        actor=secretary, ledger=ledger, problem="新问题", measure="m", responsible_person="p", deadline=TODAY
    )
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.OPEN


def test_return_needs_a_reason_and_reopens_the_item(world):
    secretary, township = world.users["secretary_a1"], world.users["township_a_admin"]
    _, (item, _) = ledger_with_items(world)
    with pytest.raises(ValidationError, match="未申请销号"):
        svc.ledger_item_close_return(actor=township, item=item, reason="x")
    svc.ledger_item_close_request(actor=secretary, item=item, evidence="记录")
    with pytest.raises(ValidationError, match="理由"):
        svc.ledger_item_close_return(actor=township, item=item, reason="  ")
    item = svc.ledger_item_close_return(actor=township, item=item, reason="记录不完整")
    assert (item.status, item.return_reason) == (ItemStatus.OPEN, "记录不完整")
    with pytest.raises(ValidationError, match="已被退回"):
        svc.ledger_item_close_approve(actor=township, item=item)
    item = svc.ledger_item_close_request(actor=secretary, item=item, evidence="补齐记录")
    assert item.return_reason == ""


def test_two_approvers_at_once_one_wins_and_the_other_is_told(world):
    secretary = world.users["secretary_a1"]
    _, (item, _) = ledger_with_items(world)
    svc.ledger_item_close_request(actor=secretary, item=item, evidence="记录")
    seen_by_township = LedgerItem.objects.get(pk=item.pk)
    seen_by_county = LedgerItem.objects.get(pk=item.pk)
    svc.ledger_item_close_approve(actor=world.users["township_a_admin"], item=seen_by_township)
    with pytest.raises(ValidationError, match="已由他人确认销号"):
        svc.ledger_item_close_approve(actor=world.users["county_admin"], item=seen_by_county)
    with pytest.raises(ValidationError, match="已由他人确认销号"):
        svc.ledger_item_close_return(actor=world.users["county_admin"], item=seen_by_county, reason="不行")
    assert AuditEvent.objects.filter(action="ledger.close_approve").count() == 1


def test_scope_of_ledger_writes(world):
    with pytest.raises(ScopeDenied):
        svc.ledger_create(
            actor=world.users["township_a_admin"], organization=world.branch_b1, year=2026, title="x"
        )
    with pytest.raises(ScopeDenied):
        svc.ledger_create(
            actor=world.users["secretary_a1"], organization=world.branch_a2, year=2026, title="x"
        )
    with pytest.raises(ScopeDenied):
        svc.ledger_create(
            actor=world.users["inspector_a"], organization=world.branch_a1, year=2026, title="x"
        )
    _, (item, _) = ledger_with_items(world)
    with pytest.raises(ScopeDenied):
        svc.progress_note_add(actor=world.users["township_b_admin"], item=item, note="x")


def test_overdue_notice_list_per_level(world):
    ledger_with_items(world, count=1, deadline=TODAY)
    secretary = world.users["secretary_a1"]
    township_b = world.users["township_b_admin"]
    other = svc.ledger_create(actor=township_b, organization=world.branch_b1, year=2026, title="乙镇")
    svc.ledger_item_add(
        actor=township_b, ledger=other, problem="p", measure="m", responsible_person="r", deadline=TODAY
    )
    day_after = TODAY + dt.timedelta(days=1)
    assert overdue_items(user=world.users["county_admin"], today=TODAY).count() == 0
    assert overdue_items(user=world.users["county_admin"], today=day_after).count() == 2
    assert [i.ledger.organization.code for i in overdue_items(user=secretary, today=day_after)] == ["TA01"]
    assert (
        overdue_items(
            user=world.users["county_admin"], today=day_after, organization=world.township_b
        ).count()
        == 1
    )


def test_dispatch_sheet_issue_respond_and_progress(world):
    township = world.users["township_a_admin"]
    a1 = svc.Assignment(world.branch_a1, TODAY, "张建国")
    a2 = svc.Assignment(world.branch_a2, TODAY + dt.timedelta(days=10), "王小明")
    with pytest.raises(ValidationError, match="不是“甲镇党委”的下级"):
        svc.dispatch_sheet_issue(
            actor=township,
            issuer=world.township_a,
            title="为民办实事",
            assignments=[a1, svc.Assignment(world.branch_b1, TODAY, "x")],
            issued_on=TODAY,
        )
    with pytest.raises(ScopeDenied):
        svc.dispatch_sheet_issue(
            actor=world.users["secretary_a1"],
            issuer=world.township_a,
            title="x",
            assignments=[a1],
            issued_on=TODAY,
        )
    with pytest.raises(ValidationError, match="早于交办日期"):
        svc.dispatch_sheet_issue(
            actor=township,
            issuer=world.township_a,
            title="x",
            assignments=[svc.Assignment(world.branch_a1, TODAY - dt.timedelta(days=1), "p")],
            issued_on=TODAY,
        )
    sheet = svc.dispatch_sheet_issue(
        actor=township, issuer=world.township_a, title="为民办实事", assignments=[a1, a2], issued_on=TODAY
    )
    mine = sheet.recipients.get(organization=world.branch_a1)
    theirs = sheet.recipients.get(organization=world.branch_a2)
    with pytest.raises(ScopeDenied):
        svc.dispatch_response_record(actor=world.users["secretary_a1"], recipient=theirs, response="x")
    svc.dispatch_response_record(actor=world.users["secretary_a1"], recipient=mine, response="已入户走访")
    assert mine.__class__.objects.get(pk=mine.pk).status == RecipientStatus.IN_PROGRESS
    day_after = TODAY + dt.timedelta(days=1)
    progress = dispatch_progress(user=township, sheet=sheet, today=day_after)
    assert (progress.recipients, progress.completed, progress.overdue) == (2, 0, 1)
    assert [r.organization.code for r in dispatch_overdue(user=township, sheet=sheet, today=day_after)] == [
        "TA01"
    ]
    svc.dispatch_response_record(
        actor=world.users["secretary_a1"], recipient=mine, response="已办结", completed=True, today=day_after
    )
    progress = dispatch_progress(user=township, sheet=sheet, today=day_after)
    assert (progress.completed, progress.overdue, progress.completion_percent) == (1, 1, 50)  # completed late
    with pytest.raises(ValidationError, match="已办结"):
        svc.dispatch_response_record(actor=world.users["secretary_a1"], recipient=mine, response="again")
