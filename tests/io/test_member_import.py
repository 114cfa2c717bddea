"""Whole-file behaviour of the member import: idempotence, all-or-nothing, scope, logging, queries."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.models import AccessLog, AuditEvent
from dangjian.core.testing.world import new_id_number
from dangjian.members.models import Member, MemberEvent

from .conftest import member_row, run_members


def roster(count: int, **overrides):
    return [
        member_row(
            姓名=f"党员{i}",
            公民身份号码=new_id_number(dt.date(1980, 1, 1) + dt.timedelta(days=i)),
            出生日期="",
            **overrides,
        )
        for i in range(count)
    ]


def test_reimporting_the_same_file_writes_nothing(world):
    rows = roster(5)
    first = run_members(rows)
    assert (first.total, first.valid, first.written) == (5, 5, 5)
    assert MemberEvent.objects.filter(member__name__startswith="党员").count() == 10  # joined + converted
    audits, events = AuditEvent.objects.count(), MemberEvent.objects.count()
    again = run_members(rows)
    assert (again.total, again.valid, again.written, again.errors) == (5, 5, 0, [])
    assert (AuditEvent.objects.count(), MemberEvent.objects.count()) == (audits, events)


def test_reimport_in_another_format_is_also_idempotent(world):
    rows = roster(3)
    run_members(rows, fmt="book.xlsx")
    assert run_members(rows, fmt="book.csv").written == 0
    assert run_members(rows, fmt="book.ods").written == 0


def test_one_error_stops_everything_by_default(world):
    rows = [*roster(3), member_row(姓名="坏行", 入党日期="明年")]
    report = run_members(rows)
    assert (report.total, report.valid, report.written) == (4, 3, 0)
    assert [(p.row, p.column) for p in report.errors] == [(5, "入党日期")]
    assert not Member.objects.filter(name__startswith="党员").exists()


def test_keep_valid_writes_the_valid_rows(world):
    rows = [*roster(3), member_row(姓名="坏行", 入党日期="明年")]
    report = run_members(rows, keep_valid=True)
    assert (report.total, report.valid, report.written) == (4, 3, 3)
    assert Member.objects.filter(name__startswith="党员").count() == 3
    assert not Member.objects.filter(name="坏行").exists()


def test_dry_run_checks_without_writing(world):
    report = run_members(roster(2), dry_run=True)
    assert (report.valid, report.written) == (2, 0)
    assert not Member.objects.filter(name__startswith="党员").exists()


def test_errors_are_listed_in_row_order(world):
    rows = [member_row(联系电话="1"), member_row(姓名="", 入党日期="x"), member_row(民族="外星")]
    report = run_members(rows)
    assert [p.row for p in report.errors] == [2, 3, 3, 4]


def test_import_is_logged(world):
    run_members(roster(2), actor=world.users["township_a_admin"])
    log = AccessLog.objects.get(kind=AccessLog.Kind.IMPORT)
    assert log.actor == world.users["township_a_admin"]
    assert log.organization == world.branch_a1
    assert log.detail["written"] == 2 and log.detail["what"] == "members"


def test_township_cannot_import_into_another_township(world):
    admin = world.users["township_a_admin"]
    rows = [member_row(所在党组织代码="TB01"), *roster(1)]
    report = run_members(rows, actor=admin, keep_valid=True)
    problem = report.errors[0]
    assert (problem.row, problem.column) == (2, "所在党组织代码")
    assert problem.message == "所在党组织代码“TB01”不存在或不在您的导入范围内"
    assert not Member.objects.filter(organization=world.branch_b1, name="陈志强").exists()
    assert report.written == 1


def test_township_cannot_touch_a_member_of_another_township_by_id(world):
    zhao = world.members["zhao"]
    row = member_row(姓名="赵丽", 公民身份号码=zhao.id_number, 出生日期="", 性别="女", 所在党组织代码="TA01")
    report = run_members([row], actor=world.users["township_a_admin"])
    assert report.written == 0
    assert "乙镇" not in report.errors[0].message and "南村" not in report.errors[0].message
    zhao.refresh_from_db()
    assert zhao.organization == world.branch_b1


def test_secretary_imports_into_the_own_branch_only(world):
    secretary = world.users["secretary_a1"]
    ok = run_members(roster(1), actor=secretary)
    assert ok.written == 1
    other = run_members([member_row(所在党组织代码="TA02")], actor=secretary)
    assert "不在您的导入范围内" in other.errors[0].message


def test_users_without_import_rights_write_nothing(world):
    for name in ("inspector_a", "auditor", "nobody"):
        report = run_members(roster(1), actor=world.users[name])
        assert report.written == 0 and report.errors


def test_check_queries_do_not_grow_with_rows(world):
    def count(rows):
        with CaptureQueriesContext(connection) as queries:
            report = run_members(rows, dry_run=True)
        assert report.valid == len(rows)
        return len(queries)

    assert count(roster(5)) == count(roster(60))
