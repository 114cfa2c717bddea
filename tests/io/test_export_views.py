"""Browser import flow and the roster export: scope, masking, logging, round trip, queries."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from python_calamine import CalamineWorkbook

from dangjian.core.models import AccessLog
from dangjian.core.testing.world import PASSWORD, make_member
from dangjian.io.models import ImportJob
from dangjian.io.services import members_import
from dangjian.members.models import Member

from . import files
from .conftest import MEMBER_HEADERS, grid, member_row


@pytest.fixture
def client_for(client):
    def login(username):
        assert client.login(username=username, password=PASSWORD)
        return client

    return login


def sheet_rows(response) -> list[list]:
    """The header and data rows of an export (the first row is its watermark)."""
    data = b"".join(response.streaming_content)
    _watermark, *rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    return rows


def upload(client, url_name, rows, *, name="roster.xlsx", keep_valid=False, data=None):
    content = data if data is not None else files.xlsx(rows)
    payload = {"file": SimpleUploadedFile(name, content)}
    if keep_valid:
        payload["keep_valid"] = "on"
    return client.post(reverse(url_name), payload)


# --- import pages --------------------------------------------------------------------------


def test_index_lists_both_imports_and_templates_download(world, client_for):
    client = client_for("township_a_admin")
    page = client.get(reverse("io:index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("io:import-orgs") in html and reverse("io:import-members") in html
    template = client.get(reverse("io:template", args=["members"]))
    table = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(template.streaming_content)))
    headers = table.get_sheet_by_index(0).to_python()[0]
    assert headers[0] == "姓名*" and "公民身份号码*" in headers
    assert client.get("/io/templates/other.xlsx").status_code == 404


def test_upload_preview_confirm(world, client_for):
    client = client_for("township_a_admin")
    rows = grid([member_row(), member_row(姓名="坏行", 公民身份号码="123")], MEMBER_HEADERS)
    response = upload(client, "io:import-members", rows, keep_valid=True)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("io:job", args=[job.pk])
    assert job.status == ImportJob.Status.CHECKED and job.total_rows == 2
    preview = client.get(reverse("io:job", args=[job.pk])).content.decode()
    assert "第3行" in preview and "公民身份号码有误" in preview and "确认导入" in preview
    assert not Member.objects.filter(name="陈志强").exists()

    client.post(reverse("io:job-confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.result["written"] == 1
    assert not job.file  # the uploaded roster is not kept after the import
    assert Member.objects.filter(name="陈志强", organization=world.branch_a1).exists()
    result = client.get(reverse("io:job", args=[job.pk])).content.decode()
    assert "实际写入 1 行" in result
    # A second press of the button does not import again.
    client.post(reverse("io:job-confirm", args=[job.pk]))
    assert ImportJob.objects.get().result["written"] == 1


def test_errors_without_keep_valid_offer_no_confirmation(world, client_for):
    client = client_for("township_a_admin")
    rows = grid([member_row(入党日期="不详")], MEMBER_HEADERS)
    upload(client, "io:import-members", rows)
    job = ImportJob.objects.get()
    page = client.get(reverse("io:job", args=[job.pk])).content.decode()
    assert "确认导入" not in page and "本次不能导入" in page
    client.post(reverse("io:job-confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED and job.result is None


def test_progress_fragment_polls_while_running_and_redirects_when_done(world, client_for):
    client = client_for("township_a_admin")
    job = ImportJob.objects.create(
        user=world.users["township_a_admin"],
        kind="members",
        file=SimpleUploadedFile("r.xlsx", b"x"),
        original_name="r.xlsx",
        status=ImportJob.Status.CHECKING,
        processed_rows=250,
        total_rows=1000,
    )
    fragment = client.get(reverse("io:job-progress", args=[job.pk]), headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert 'hx-trigger="every 1s"' in html and "25%" in html and "250 / 1000" in html
    assert 'hx-get="' in client.get(reverse("io:job", args=[job.pk])).content.decode()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKED, report={})
    done = client.get(reverse("io:job-progress", args=[job.pk]), headers={"HX-Request": "true"})
    assert done["HX-Redirect"] == reverse("io:job", args=[job.pk])


def test_org_import_through_the_browser(world, client_for):
    client = client_for("county_admin")
    rows = [
        ["组织代码", "组织名称", "上级组织代码", "组织类别", "单位属性"],
        ["TA09", "甲镇学校党支部", "TA", "党支部", "中小学校"],
    ]
    upload(client, "io:import-orgs", rows, name="orgs.ods", data=files.ods(rows))
    job = ImportJob.objects.get()
    assert job.report["valid"] == 1
    client.post(reverse("io:job-confirm", args=[job.pk]))
    assert ImportJob.objects.get().result["written"] == 1


@pytest.mark.parametrize(
    ("name", "size", "words"),
    [("roster.docx", 10, "不支持“.docx”格式"), ("roster.xlsx", 2048, "文件太大")],
)
def test_upload_rejects_unknown_extensions_and_big_files(world, client_for, settings, name, size, words):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    client = client_for("township_a_admin")
    response = upload(client, "io:import-members", [], name=name, data=b"x" * size)
    assert response.status_code == 400 and words in response.content.decode()
    assert not ImportJob.objects.exists()


def test_corrupt_file_shows_a_sentence_not_a_trace(world, client_for):
    # Refused at upload (dangjian/io/uploads.py); tests/security/test_hostile_uploads.py has the rest.
    client = client_for("township_a_admin")
    response = upload(client, "io:import-members", [], data=b"PK\x03\x04 broken")
    page = response.content.decode()
    assert response.status_code == 400 and "文件已损坏" in page and "Traceback" not in page
    assert not ImportJob.objects.exists()


def test_jobs_are_private(world, client_for):
    upload(client_for("township_a_admin"), "io:import-members", grid([member_row()], MEMBER_HEADERS))
    job = ImportJob.objects.get()
    other = client_for("township_b_admin")
    for name in ("io:job", "io:job-progress"):
        assert other.get(reverse(name, args=[job.pk])).status_code == 404
    assert other.post(reverse("io:job-confirm", args=[job.pk])).status_code == 404
    assert job.original_name not in other.get(reverse("io:index")).content.decode()


def test_users_without_import_rights_get_403(world, client_for):
    client = client_for("inspector_a")
    assert client.get(reverse("io:index")).status_code == 403
    assert client.get(reverse("io:import-members")).status_code == 403


def test_browser_import_is_scoped(world, client_for):
    client = client_for("township_a_admin")
    upload(client, "io:import-members", grid([member_row(所在党组织代码="TB01")], MEMBER_HEADERS))
    job = ImportJob.objects.get()
    assert job.report["written"] == 0
    assert "不在您的导入范围内" in job.report["errors"][0]["message"]


# --- export --------------------------------------------------------------------------------


def test_export_is_scoped_filtered_and_masked(world, client_for):
    client = client_for("township_a_admin")
    response = client.get(reverse("io:export-members"))
    assert response["Content-Disposition"].startswith("attachment")
    rows = sheet_rows(response)
    assert rows[0][:4] == ["姓名", "性别", "民族", "公民身份号码"]
    assert sorted(row[0] for row in rows[1:]) == ["张建国", "李秀英", "王小明"]
    assert all(row[3].count("*") == 8 for row in rows[1:])
    assert AccessLog.objects.get().kind == AccessLog.Kind.EXPORT
    other_township = sheet_rows(client.get(reverse("io:export-members"), {"org": "TB"}))
    assert other_township == [rows[0]]
    filtered = sheet_rows(client.get(reverse("io:export-members"), {"org": "TA02"}))
    assert [row[0] for row in filtered[1:]] == ["王小明"]
    zhang = sheet_rows(client.get(reverse("io:export-members"), {"q": "zjg"}))
    assert [row[0] for row in zhang[1:]] == ["张建国"]


def test_unmasked_export_needs_reveal_id_everywhere(world, client_for):
    inspector = client_for("inspector_a")
    assert inspector.get(reverse("io:export-members"), {"unmasked": "1"}).status_code == 403
    assert AccessLog.objects.exclude(kind=AccessLog.Kind.REQUEST).count() == 0  # the refusal alone
    admin = client_for("township_a_admin")
    rows = sheet_rows(admin.get(reverse("io:export-members"), {"unmasked": "1"}))
    assert world.members["zhang"].id_number in [row[3] for row in rows]
    log = AccessLog.objects.exclude(kind=AccessLog.Kind.REQUEST).get()
    assert (log.kind, log.actor, log.organization) == (
        AccessLog.Kind.EXPORT_UNMASKED,
        world.users["township_a_admin"],
        world.township_a,
    )


def test_export_without_rights_is_forbidden(world, client_for):
    assert client_for("auditor").get(reverse("io:export-members")).status_code == 403


def test_export_reimports_cleanly(world, client_for):
    client = client_for("county_admin")
    world.members["li"].education = "bachelor"
    world.members["li"].save()
    data = b"".join(client.get(reverse("io:export-members"), {"unmasked": "1"}).streaming_content)
    report = members_import(
        actor=world.users["county_admin"], stream=io.BytesIO(data), filename="export.xlsx"
    )
    assert report.errors == []
    assert (report.total, report.valid, report.written) == (4, 4, 0)


def test_export_round_trip_recreates_the_members(world, client_for):
    client = client_for("county_admin")
    data = b"".join(client.get(reverse("io:export-members"), {"unmasked": "1"}).streaming_content)
    before = {m.id_number: (m.name, m.organization_id, m.group_id, m.joined_on) for m in Member.objects.all()}
    Member.objects.all().delete()
    report = members_import(actor=None, stream=io.BytesIO(data), filename="export.xlsx")
    assert report.errors == [] and report.written == 4
    after = {m.id_number: (m.name, m.organization_id, m.group_id, m.joined_on) for m in Member.objects.all()}
    assert after == before


def test_export_queries_do_not_grow_with_rows(world, client_for):
    client = client_for("township_a_admin")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("io:export-members"))
            b"".join(response.streaming_content)
        return len(queries)

    few = count()
    for day in range(30):
        make_member(
            world.branch_a2, name=f"新党员{day}", birth_date=dt.date(1970, 1, 1) + dt.timedelta(days=day)
        )
    assert count() == few
