"""Every rule of the 党组织 table of import-formats.md."""

import datetime as dt

import pytest

from dangjian.core.models import AuditEvent
from dangjian.orgs.models import Organization

from .conftest import ORG_HEADERS, org_row, run_orgs

ERROR_CASES = [
    ("code empty", {"组织代码": ""}, "组织代码", "必填"),
    ("code punctuation", {"组织代码": "TA-03"}, "组织代码", "1至32位字母或数字"),
    ("code too long", {"组织代码": "A" * 33}, "组织代码", "1至32位字母或数字"),
    ("name empty", {"组织名称": ""}, "组织名称", "必填"),
    ("kind unknown", {"组织类别": "党组"}, "组织类别", "不是有效的组织类别"),
    ("sector unknown", {"单位属性": "外企"}, "单位属性", "不是有效的单位属性"),
    ("sector empty", {"单位属性": ""}, "单位属性", "必填"),
    ("date bad", {"成立日期": "2001-13-01"}, "成立日期", "日期不存在"),
    ("term years 4", {"任期年限": "4"}, "任期年限", "3或5"),
    ("parent unknown", {"上级组织代码": "ZZ"}, "上级组织代码", "不存在或不在您的导入范围内"),
    ("parent empty for a new non-root", {"上级组织代码": ""}, "上级组织代码", "不能为空"),
    ("parent is itself", {"上级组织代码": "TA03"}, "上级组织代码", "不能是自己"),
    ("parent is a group", {"上级组织代码": "TA01G1"}, "上级组织代码", "党小组下不能再设下级组织"),
    ("group under a committee", {"组织类别": "党小组"}, "组织类别", "党小组只能设在党支部"),
]


@pytest.mark.parametrize(
    ("overrides", "column", "words"), [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES]
)
def test_org_error(world, township_a_admin, overrides, column, words):
    row = org_row(**overrides)
    report = run_orgs([row], actor=township_a_admin)
    assert len(report.errors) == 1, report.errors
    problem = report.errors[0]
    assert (problem.row, problem.column, problem.value) == (2, column, str(row[column]))
    assert words in problem.message
    assert report.written == 0
    assert not Organization.objects.filter(name="甲镇南村党支部").exists()


ACCEPTED_CASES = [
    ("all labels", {}, "kind", "branch"),
    ("joint branch", {"组织类别": "联合党支部"}, "kind", "joint_branch"),
    ("general branch", {"组织类别": "党总支"}, "kind", "general_branch"),
    ("sector soe", {"单位属性": "国有企业"}, "sector", "soe"),
    ("sector liangxin", {"单位属性": "非公有制企业"}, "sector", "private_enterprise"),
    ("date chinese", {"成立日期": "2001年7月1日"}, "established_on", dt.date(2001, 7, 1)),
    ("date cell", {"成立日期": dt.date(2001, 7, 1)}, "established_on", dt.date(2001, 7, 1)),
    ("date serial", {"成立日期": 37073}, "established_on", dt.date(2001, 7, 1)),
    ("date month", {"本届任期开始": "2024.03"}, "month_precision_dates", ["term_started_on"]),
    ("term 3", {"任期年限": 3}, "term_years", 3),
    ("term 5 with unit", {"任期年限": "5年"}, "term_years", 5),
    ("term empty", {"任期年限": ""}, "term_years", None),
    ("full-width code", {"组织代码": "ＴＡ０３"}, "code", "TA03"),
]


@pytest.mark.parametrize(
    ("overrides", "field", "expected"), [c[1:] for c in ACCEPTED_CASES], ids=[c[0] for c in ACCEPTED_CASES]
)
def test_org_accepted(world, township_a_admin, overrides, field, expected):
    report = run_orgs([org_row(**overrides)], actor=township_a_admin)
    assert report.errors == [] and report.written == 1
    created = Organization.objects.get(name="甲镇南村党支部")
    assert getattr(created, field) == expected
    assert Organization.objects.get_parent(created) == world.township_a


def test_parents_may_come_after_their_children(world, township_a_admin):
    rows = [
        org_row(组织代码="TA03G1", 组织名称="南村第一党小组", 上级组织代码="TA03", 组织类别="党小组"),
        org_row(组织代码="TA03", 上级组织代码="TA04"),
        org_row(组织代码="TA04", 组织名称="甲镇片区党总支", 组织类别="党总支"),
    ]
    report = run_orgs(rows, actor=township_a_admin)
    assert report.errors == [] and report.written == 3
    group = Organization.objects.get(code="TA03G1")
    assert [o.code for o in Organization.objects.get_ancestors(group)] == ["C1", "TA", "TA04", "TA03"]
    assert all(not problems for problems in Organization.objects.find_problems())


def test_cycles_are_errors(world, township_a_admin):
    rows = [
        org_row(组织代码="X1", 组织名称="甲", 上级组织代码="X2", 组织类别="党总支"),
        org_row(组织代码="X2", 组织名称="乙", 上级组织代码="X1", 组织类别="党总支"),
        org_row(组织代码="X3", 组织名称="丙", 上级组织代码="X2"),
        org_row(组织代码="TA03"),
    ]
    report = run_orgs(rows, actor=township_a_admin, keep_valid=True)
    messages = {(p.row, p.column): p.message for p in report.errors}
    assert "循环" in messages[(2, "上级组织代码")] and "循环" in messages[(3, "上级组织代码")]
    assert "第3行" in messages[(4, "上级组织代码")]
    assert report.valid == 1 and report.written == 1
    assert list(
        Organization.objects.filter(code__in=["X1", "X2", "X3", "TA03"]).values_list("code", flat=True)
    ) == ["TA03"]


def test_group_with_children_is_an_error(world, township_a_admin):
    rows = [
        org_row(组织代码="TA01G2", 组织名称="东村第二党小组", 上级组织代码="TA01", 组织类别="党小组"),
        org_row(组织代码="TA01G3", 组织名称="东村第三党小组", 上级组织代码="TA01G2", 组织类别="党小组"),
    ]
    report = run_orgs(rows, actor=township_a_admin)
    messages = {(p.row, p.column): p.message for p in report.errors}
    assert "党小组不能有下级组织（第3行以它为上级）" in messages[(2, "组织类别")]
    assert "党小组下不能再设下级组织" in messages[(3, "上级组织代码")]


def test_existing_org_with_children_cannot_become_a_group(world):
    row = org_row(组织代码="TA01", 组织名称="甲镇东村党支部", 组织类别="党小组", 上级组织代码="TA")
    report = run_orgs([row], headers=["组织代码", "组织名称", "上级组织代码", "组织类别", "单位属性"])
    assert any("已有下级组织" in p.message for p in report.errors)


def test_duplicate_code_later_row_is_the_error(world, township_a_admin):
    report = run_orgs([org_row(), org_row(组织名称="另一个")], actor=township_a_admin)
    assert [(p.row, p.message) for p in report.errors] == [(3, "与第2行的组织代码重复")]


def test_root_needs_the_system(world, township_a_admin):
    root = org_row(组织代码="C2", 组织名称="另一县委", 上级组织代码="", 组织类别="党委", 单位属性="机关")
    assert run_orgs([root], actor=township_a_admin).errors[0].column == "上级组织代码"
    report = run_orgs([root])
    assert report.errors == [] and Organization.objects.get(code="C2").is_root()


def test_reimport_is_idempotent_and_updates_are_audited(world, township_a_admin):
    rows = [
        org_row(),
        org_row(组织代码="TA03G1", 组织名称="南村党小组", 上级组织代码="TA03", 组织类别="党小组"),
    ]
    assert run_orgs(rows, actor=township_a_admin).written == 2
    events = AuditEvent.objects.count()
    again = run_orgs(rows, actor=township_a_admin)
    assert (again.total, again.valid, again.written, again.errors) == (2, 2, 0, [])
    assert AuditEvent.objects.count() == events
    rows[0]["组织名称"] = "甲镇南村联合党支部"
    rows[0]["组织类别"] = "联合党支部"
    rows[1]["任期年限"] = "3"
    changed = run_orgs(rows, actor=township_a_admin)
    assert changed.errors == [] and changed.written == 2
    updated = Organization.objects.get(code="TA03")
    assert (updated.name, updated.kind) == ("甲镇南村联合党支部", "joint_branch")
    assert AuditEvent.objects.filter(action="organization.update", object_id=str(updated.pk)).count() == 1


def test_kind_change_the_tree_forbids_is_reported_on_its_row(world):
    row = org_row(组织代码="TA01", 组织名称="甲镇东村党支部", 组织类别="党总支", 上级组织代码="TA")
    report = run_orgs([row], headers=["组织代码", "组织名称", "上级组织代码", "组织类别", "单位属性"])
    assert report.written == 0
    assert [(p.row, p.column) for p in report.errors] == [(2, "组织代码")]
    assert "该组织有党员" in report.errors[0].message
    assert Organization.objects.get(code="TA01").kind == "branch"


def test_existing_org_parent_cannot_be_changed_by_import(world):
    row = org_row(组织代码="TA01", 组织名称="甲镇东村党支部", 上级组织代码="TB")
    report = run_orgs([row])
    assert "移动" in report.errors[0].message


def test_scope_township_cannot_import_into_another_township(world, township_a_admin):
    rows = [org_row(组织代码="TB02", 组织名称="乙镇北村党支部", 上级组织代码="TB")]
    report = run_orgs(rows, actor=township_a_admin)
    problem = report.errors[0]
    assert problem.column == "上级组织代码" and "不存在或不在您的导入范围内" in problem.message
    assert "乙镇党委" not in problem.message
    updated = run_orgs([org_row(组织代码="TB01", 组织名称="改名", 上级组织代码="TB")], actor=township_a_admin)
    assert "不在您的导入范围内" in updated.errors[0].message
    assert Organization.objects.get(code="TB01").name == "乙镇南村党支部"
    assert not Organization.objects.filter(code="TB02").exists()


def test_secretary_cannot_create_organizations(world):
    secretary = world.users["secretary_a1"]
    row = org_row(组织代码="TA01G2", 组织名称="东村第二党小组", 上级组织代码="TA01", 组织类别="党小组")
    report = run_orgs([row], actor=secretary)
    assert "无权" in report.errors[0].message


def test_all_or_nothing_by_default(world, township_a_admin):
    rows = [org_row(), org_row(组织代码="TA04", 组织名称="坏行", 组织类别="党组")]
    report = run_orgs(rows, actor=township_a_admin)
    assert (report.total, report.valid, report.written, len(report.errors)) == (2, 1, 0, 1)
    assert not Organization.objects.filter(code="TA03").exists()
    kept = run_orgs(rows, actor=township_a_admin, keep_valid=True)
    assert (kept.valid, kept.written) == (1, 1)
    assert Organization.objects.filter(code="TA03").exists()


def test_dry_run_writes_nothing(world, township_a_admin):
    report = run_orgs([org_row()], actor=township_a_admin, dry_run=True)
    assert (report.valid, report.written) == (1, 0)
    assert not Organization.objects.filter(code="TA03").exists()


def test_headers_without_optional_columns(world, township_a_admin):
    headers = ORG_HEADERS[:5]
    report = run_orgs([org_row()], actor=township_a_admin, headers=headers)
    assert report.errors == [] and report.written == 1
