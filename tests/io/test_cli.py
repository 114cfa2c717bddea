"""`dangjian import-orgs`, `import-members` and `export-members`."""

import io
import json

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError

from dangjian import cli
from dangjian.core.models import AccessLog
from dangjian.members.models import Member

from . import files
from .conftest import MEMBER_HEADERS, ORG_HEADERS, grid, member_row, org_row


def write(tmp_path, name, rows):
    path = tmp_path / name
    path.write_bytes(files.BUILDERS["book" + path.suffix](rows))
    return path


def run(command, *args):
    out = io.StringIO()
    code = 0
    try:
        call_command(command, *args, stdout=out)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue()


def test_the_console_script_reaches_each_command_by_its_hyphenated_name(monkeypatch):
    # In-process runs of the entry point would close the test's database connection
    # (run_from_argv does), so only the name mapping is checked here.
    reached = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", reached.append)
    for typed, module in [
        ("import-orgs", "import_orgs"),
        ("import-members", "import_members"),
        ("export-members", "export_members"),
    ]:
        cli.main(["dangjian", typed, "x.xlsx"])
        assert reached.pop() == ["dangjian", module, "x.xlsx"]
        assert module in get_commands()


def test_import_members_json_success(world, tmp_path):
    path = write(tmp_path, "roster.xlsx", grid([member_row()], MEMBER_HEADERS))
    code, output = run("import_members", str(path), "--format", "json")
    assert code == 0
    assert json.loads(output) == {"total": 1, "valid": 1, "written": 1, "errors": [], "warnings": []}
    assert "\n" not in output.strip()  # exactly one JSON object, nothing else printed


def test_import_members_json_errors_exit_1_and_write_nothing(world, tmp_path):
    rows = [member_row(), member_row(姓名="坏行", 公民身份号码="123")]
    path = write(tmp_path, "roster.csv", grid(rows, MEMBER_HEADERS))
    code, output = run("import_members", str(path), "--format", "json")
    data = json.loads(output)
    assert code == 1
    assert (data["total"], data["valid"], data["written"]) == (2, 1, 0)
    assert data["errors"] == [
        {
            "row": 3,
            "column": "公民身份号码",
            "value": "123",
            "message": "公民身份号码有误：应为18位（或旧版15位），实际3位",
        }
    ]
    assert "\\u" not in output  # Chinese printed as is
    assert not Member.objects.filter(name="陈志强").exists()


def test_keep_valid_exits_0_after_writing_the_valid_rows(world, tmp_path):
    rows = [member_row(), member_row(姓名="坏行", 公民身份号码="123")]
    path = write(tmp_path, "roster.xlsx", grid(rows, MEMBER_HEADERS))
    code, output = run("import_members", str(path), "--keep-valid", "--format", "json")
    assert code == 0 and json.loads(output)["written"] == 1


def test_dry_run_and_table_output(world, tmp_path):
    path = write(tmp_path, "roster.xlsx", grid([member_row(入党日期="某年")], MEMBER_HEADERS))
    code, output = run("import_members", str(path), "--dry-run")
    assert code == 1
    assert "共 1 行，无误 0 行，写入 0 行" in output
    assert "第2行\t入党日期\t某年\t无法识别的日期" in output


def test_import_orgs_as_a_user_is_scoped(world, tmp_path):
    rows = grid(
        [org_row(), org_row(组织代码="TB02", 组织名称="乙镇北村党支部", 上级组织代码="TB")], ORG_HEADERS
    )
    path = write(tmp_path, "orgs.xls", rows)
    code, output = run(
        "import_orgs", str(path), "--format", "json", "--user", "township_a_admin", "--keep-valid"
    )
    data = json.loads(output)
    assert code == 0 and data["written"] == 1 and data["errors"][0]["row"] == 3
    assert AccessLog.objects.get(kind="import").actor == world.users["township_a_admin"]


def test_unknown_user_and_missing_file(world, tmp_path):
    with pytest.raises(CommandError, match="用户“ghost”不存在"):
        call_command("import_orgs", str(write(tmp_path, "o.xlsx", grid([org_row()]))), "--user", "ghost")
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_members", str(tmp_path / "missing.xlsx"))


def test_export_members_masked_by_default(world, tmp_path):
    target = tmp_path / "ta.xlsx"
    out = io.StringIO()
    call_command("export_members", "--org", "TA", str(target), stdout=out)
    assert "3 名" in out.getvalue()
    from python_calamine import CalamineWorkbook

    watermark, *rows = CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0).to_python()
    assert "身份证号已脱敏" in watermark[0]
    assert rows[0] == [
        *MEMBER_HEADERS[:7],
        "所在党组织代码",
        "所在党组织",
        "入党日期",
        "转正日期",
        "联系电话",
        "工作岗位",
        "家庭住址",
    ]
    assert all("********" in row[3] for row in rows[1:])
    assert AccessLog.objects.get().kind == AccessLog.Kind.EXPORT


def test_export_members_out_of_scope(world, tmp_path):
    with pytest.raises(CommandError, match="不存在或不在您的导出范围内"):
        call_command("export_members", "--org", "TB", str(tmp_path / "x.xlsx"), "--user", "township_a_admin")
    with pytest.raises(CommandError, match="无权导出完整身份证号"):
        call_command(
            "export_members", "--org", "TA", str(tmp_path / "x.xlsx"), "--user", "inspector_a", "--unmasked"
        )
