"""Two people acting on the same record at the same moment, on real connections in real threads:
one decision wins, the other is told in Chinese what happened, nothing is done twice.

The first writer holds its transaction open until the second is seen waiting on the row lock
(select_for_update), then commits; the second then reads the committed state and must refuse.
PostgreSQL only: the SQLite test database lives in memory with a shared cache, whose table
locks are not the file locks of a real SQLite database (test_sqlite_locking.py covers those)."""

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from rest_framework.test import APIClient

from dangjian.core.models import AuditEvent
from dangjian.ledger import services as ledger_services
from dangjian.ledger.choices import ItemStatus
from dangjian.ledger.models import LedgerItem
from dangjian.members.choices import EventKind
from dangjian.members.models import Member, MemberEvent
from dangjian.members.services import member_transfer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TODAY = dt.date(2026, 6, 30)


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "行锁竞争只在 PostgreSQL 上有意义：SQLite 测试库在内存中共享缓存，文件锁见 test_sqlite_locking.py"
        )


def wait_until_blocked_on_a_lock(thread: threading.Thread, timeout: float = 20.0) -> bool:
    """True once another connection of this database waits for a lock (pg_stat_activity), False
    if `thread` ends first or nothing waits within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while thread.is_alive() and time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


def race(first: Callable[[], Any], second: Callable[[], Any]) -> tuple[dict[str, Any], bool]:
    """Run `first` in a transaction held open, start `second` on another connection, wait until
    `second` is blocked on a lock, then commit `first`. Returns each outcome (value or exception) and whether
    `second` was seen waiting for the lock."""
    outcomes: dict[str, Any] = {}
    first_written, commit_now = threading.Event(), threading.Event()

    def run_first() -> None:
        try:
            with transaction.atomic():
                outcomes["first"] = first()
                first_written.set()
                commit_now.wait(10)
        except Exception as error:
            outcomes["first"] = error
            first_written.set()
        finally:
            connection.close()

    def run_second() -> None:
        try:
            outcomes["second"] = second()
        except Exception as error:
            outcomes["second"] = error
        finally:
            connection.close()

    holder = threading.Thread(target=run_first)
    holder.start()
    assert first_written.wait(10)
    contender = threading.Thread(target=run_second)
    contender.start()
    waited = wait_until_blocked_on_a_lock(contender)
    commit_now.set()
    holder.join(10)
    contender.join(10)
    return outcomes, waited


def messages_of(outcome: Any) -> str:
    assert isinstance(outcome, ValidationError), outcome
    return " ".join(outcome.messages)


def test_two_transfers_of_one_member_one_wins(world):
    wang = world.members["wang"]  # in branch A2
    county = world.users["county_admin"]
    township = world.users["township_a_admin"]
    seen_in = wang.organization  # both people opened the member's page while it was in A2

    outcomes, waited = race(
        lambda: member_transfer(
            actor=township, member=wang, to_organization=world.branch_a1, on=TODAY, expected_from=seen_in
        ),
        lambda: member_transfer(
            actor=county, member=wang, to_organization=world.branch_b1, on=TODAY, expected_from=seen_in
        ),
    )
    assert waited, "the second transfer did not wait for the first one's row lock"
    assert isinstance(outcomes["first"], Member)
    assert "刚刚已由他人转入“甲镇东村党支部”" in messages_of(outcomes["second"])
    assert Member.objects.get(pk=wang.pk).organization == world.branch_a1
    assert MemberEvent.objects.filter(member=wang, kind=EventKind.TRANSFERRED_OUT).count() == 1
    assert AuditEvent.objects.filter(action="member.transfer", object_id=str(wang.pk)).count() == 1


def test_the_api_tells_the_second_requester_the_member_has_moved(world):
    """The request reads the member in A2 while another transfer holds the row; once that one
    commits (moving the member to A1), the request must refuse rather than move it again."""
    wang = world.members["wang"]
    client = APIClient()
    client.force_login(world.users["county_admin"])

    def other_transfer_in_flight() -> None:
        # Stands for the first transfer's write: the row lock and the move, nothing else, so the
        # request below waits on exactly this row and not on any other shared lock.
        Member.objects.select_for_update().get(pk=wang.pk)
        Member.objects.filter(pk=wang.pk).update(organization=world.branch_a1)

    def second_request() -> Any:
        response = client.post(
            f"/api/members/{wang.pk}/transfer/",
            {"to_organization": world.branch_b1.code, "date": TODAY.isoformat()},
            format="json",
        )
        return response.status_code, response.json()

    outcomes, waited = race(other_transfer_in_flight, second_request)
    assert waited
    status, body = outcomes["second"]
    assert status == 400 and "已由他人转入“甲镇东村党支部”" in str(body)
    assert Member.objects.get(pk=wang.pk).organization == world.branch_a1


@pytest.fixture
def close_requested_item(world) -> LedgerItem:
    secretary = world.users["secretary_a1"]
    ledger = ledger_services.ledger_create(
        actor=secretary, organization=world.branch_a1, year=2026, title="组织生活整改"
    )
    item = ledger_services.ledger_item_add(
        actor=secretary,
        ledger=ledger,
        problem="三会一课记录不全",
        measure="按月补齐",
        responsible_person="张建国",
        deadline=TODAY,
    )
    return ledger_services.ledger_item_close_request(
        actor=secretary, item=item, evidence="会议记录扫描件", today=TODAY
    )


def test_two_approvals_of_one_item_one_decides(world, close_requested_item):
    item = close_requested_item
    outcomes, waited = race(
        lambda: ledger_services.ledger_item_close_approve(
            actor=world.users["township_a_admin"], item=item, today=TODAY
        ),
        lambda: ledger_services.ledger_item_close_approve(
            actor=world.users["county_admin"], item=item, today=TODAY
        ),
    )
    assert waited, "the second approval did not wait for the first one's row lock"
    assert outcomes["first"].status == ItemStatus.CLOSED
    assert "已由他人确认销号" in messages_of(outcomes["second"])
    stored = LedgerItem.objects.get(pk=item.pk)
    assert stored.closed_by == world.users["township_a_admin"]
    assert AuditEvent.objects.filter(action="ledger.close_approve").count() == 1


def test_a_return_and_an_approval_at_once_the_first_decides(world, close_requested_item):
    item = close_requested_item
    outcomes, waited = race(
        lambda: ledger_services.ledger_item_close_return(
            actor=world.users["township_a_admin"], item=item, reason="佐证材料不清晰"
        ),
        lambda: ledger_services.ledger_item_close_approve(
            actor=world.users["county_admin"], item=item, today=TODAY
        ),
    )
    assert waited
    assert outcomes["first"].status == ItemStatus.OPEN
    assert "未申请销号或已被退回" in messages_of(outcomes["second"])
    assert LedgerItem.objects.get(pk=item.pk).status == ItemStatus.OPEN
    assert not AuditEvent.objects.filter(action="ledger.close_approve").exists()
