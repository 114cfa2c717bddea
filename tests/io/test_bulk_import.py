"""The chunked, instance-free write path of the member import (issue 6): it must write what
`member_create` writes (audit rows included, hash chain intact) and keep the all-or-nothing
and duplicate rules across chunk boundaries."""

import datetime as dt
import io

import pytest
from python_calamine import CalamineWorkbook

from dangjian.core.audit import audit_verify, snapshot
from dangjian.core.models import AuditEvent
from dangjian.io import services
from dangjian.io.xlsxstream import RosterSheet
from dangjian.members.choices import EventKind
from dangjian.members.models import Member, MemberEvent
from dangjian.members.selectors import member_by_id_number
from dangjian.members.services import AUDITED_FIELDS
from tests.members.test_encryption import stored_row

from .conftest import member_row, run_members
from .test_member_import import roster


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of two rows, so a five-row file crosses chunk boundaries."""
    monkeypatch.setattr(services, "IMPORT_CHUNK", 2)


def test_bulk_written_members_have_the_audit_rows_and_events_of_member_create(world, small_chunks):
    actor = world.users["township_a_admin"]
    report = run_members(roster(5), actor=actor)
    assert (report.total, report.valid, report.written, report.errors) == (5, 5, 5, [])
    for member in Member.objects.filter(name__startswith="党员"):
        audit = AuditEvent.objects.get(action="member.create", object_id=str(member.pk))
        assert audit.after == snapshot(member, AUDITED_FIELDS)
        assert (audit.actor, audit.organization_id) == (actor, member.organization_id)
        kinds = sorted(MemberEvent.objects.filter(member=member).values_list("kind", flat=True))
        assert kinds == sorted([EventKind.JOINED.value, EventKind.CONVERTED.value])
    assert all(chain.ok for chain in audit_verify())


def test_an_error_in_a_later_chunk_undoes_the_earlier_chunks(world, small_chunks):
    rows = [*roster(4), member_row(姓名="坏行", 入党日期="明年")]
    report = run_members(rows)
    assert (report.total, report.valid, report.written) == (5, 4, 0)
    assert not Member.objects.filter(name__startswith="党员").exists()
    assert not AuditEvent.objects.filter(action="member.create", object_repr__startswith="党员").exists()


def test_keep_valid_keeps_the_chunks_around_an_error(world, small_chunks):
    rows = [*roster(2), member_row(姓名="坏行", 入党日期="明年"), *roster(5)[2:]]
    report = run_members(rows, keep_valid=True)
    assert (report.total, report.valid, report.written) == (6, 5, 5)
    assert Member.objects.filter(name__startswith="党员").count() == 5


def test_a_duplicate_in_a_later_chunk_points_at_the_first_row(world, small_chunks):
    rows = roster(3)
    report = run_members([*rows, rows[0]])
    (problem,) = report.errors
    assert (problem.row, problem.column) == (5, "公民身份号码")
    assert "与第2行的公民身份号码重复" in problem.message


def test_progress_reports_every_chunk_with_the_sheet_height_as_total(world, small_chunks):
    seen = []
    run_members(roster(5), progress=lambda done, total: seen.append((done, total)))
    assert seen == [(2, 5), (4, 5), (5, 5), (5, 5)]


def test_roster_sheet_keeps_awkward_text_and_dates(tmp_path):
    target = tmp_path / "r.xlsx"
    sheet = RosterSheet(str(target), "党员", [10, 10, 10])
    awkward = "a & b < c > d\r\n第二行"
    sheet.row([awkward, dt.date(2001, 7, 1), "=1+1"])
    sheet.row(["", None, "x"])
    sheet.close()
    rows = CalamineWorkbook.from_filelike(io.BytesIO(target.read_bytes())).get_sheet_by_index(0).to_python()
    assert rows[0][0] == awkward and rows[0][2] == "=1+1"
    assert rows[0][1] in (dt.date(2001, 7, 1), dt.datetime(2001, 7, 1))
    assert rows[1] == ["", "", "x"]


def test_bulk_written_members_are_encrypted_and_found_by_their_digest(world, small_chunks):
    rows = roster(3, 联系电话="13812345678")
    report = run_members(rows)
    assert report.written == 3
    for row in rows:
        member = member_by_id_number(row["公民身份号码"])
        assert member is not None and member.phone == "13812345678"
        stored_number, stored_phone, stored_digest = stored_row(member)
        assert row["公民身份号码"] not in stored_number and "13812345678" not in stored_phone
        assert stored_digest
