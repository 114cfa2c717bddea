"""Every rule of the 党员 table of import-formats.md, one row per case."""

import datetime as dt

import pytest
from django.utils import timezone

from dangjian.core.dates import add_years
from dangjian.core.idnumber import build_id_number, check_char
from dangjian.core.models import AuditEvent
from dangjian.members.models import Member

from .conftest import BIRTH, MEMBER_HEADERS, member_row, run_members

TODAY = timezone.localdate()
SERIAL_2010_07_01 = (dt.date(2010, 7, 1) - dt.date(1899, 12, 30)).days
OLD_15 = "530121" + BIRTH.strftime("%y%m%d") + "013"  # an odd sequence: a man


def id_ending_in_x() -> str:
    for sequence in range(1, 999, 2):
        number = build_id_number("530121", BIRTH, sequence)
        if number.endswith("X"):
            return number
    raise AssertionError("no sequence gives the check character X")


def wrong_check_digit() -> str:
    number = build_id_number("530121", BIRTH, 21)
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


def only(report, kind="errors"):
    problems = getattr(report, kind)
    assert len(problems) == 1, problems
    return problems[0]


# (case, overrides, column with the error, words the message contains)
ERROR_CASES = [
    ("name empty", {"姓名": ""}, "姓名", "必填"),
    ("id empty", {"公民身份号码": ""}, "公民身份号码", "必填"),
    ("id check digit", {"公民身份号码": wrong_check_digit()}, "公民身份号码", "校验码错误"),
    ("id length", {"公民身份号码": "5301211985031"}, "公民身份号码", "18位"),
    ("id letters", {"公民身份号码": "53012119850312A01X"}, "公民身份号码", "无效字符"),
    ("sex disagrees", {"性别": "女"}, "性别", "性别不一致"),
    ("sex unknown", {"性别": "未知"}, "性别", "不是有效的性别"),
    ("birth disagrees", {"出生日期": "1985-03-13"}, "出生日期", "出生日期1985-03-12不一致"),
    ("birth month disagrees", {"出生日期": "1985年4月"}, "出生日期", "出生日期1985-03-12不一致"),
    ("ethnicity unknown", {"民族": "火星族"}, "民族", "56个民族"),
    ("education unknown", {"学历": "博士后"}, "学历", "不是有效的学历"),
    ("category unknown", {"人员类别": "群众"}, "人员类别", "不是有效的人员类别"),
    ("category empty", {"人员类别": ""}, "人员类别", "必填"),
    ("org code unknown", {"所在党组织代码": "NOPE"}, "所在党组织代码", "不存在或不在您的导入范围内"),
    ("org is a committee", {"所在党组织代码": "TA"}, "所在党组织代码", "不是党支部"),
    ("org empty", {"所在党组织代码": ""}, "所在党组织代码", "至少填一项"),
    ("joined empty", {"入党日期": ""}, "入党日期", "必填"),
    ("joined bad form", {"入党日期": "2010年七月"}, "入党日期", "无法识别的日期"),
    ("joined not a day", {"入党日期": "2010-02-30"}, "入党日期", "日期不存在"),
    ("joined a bare year", {"入党日期": "2010"}, "入党日期", "无法识别的日期"),
    (
        "joined in the future",
        {
            "人员类别": "预备党员",
            "入党日期": (TODAY + dt.timedelta(days=3)).isoformat(),
            "转正日期": "",
        },
        "入党日期",
        "不能晚于今天",
    ),
    (
        "joined under 18",
        {"入党日期": "2003-03-11", "转正日期": "2004-03-11"},
        "入党日期",
        "未满18周岁",
    ),
    ("converted too early", {"转正日期": "2011-06-30"}, "转正日期", "1至2年内"),
    ("converted too late", {"转正日期": "2012-07-02"}, "转正日期", "1至2年内"),
    ("full member without conversion", {"转正日期": ""}, "转正日期", "须填写转正日期"),
    (
        "probationary with conversion",
        {"人员类别": "预备党员", "入党日期": (TODAY - dt.timedelta(days=100)).isoformat()},
        "转正日期",
        "不应有转正日期",
    ),
    ("phone too short", {"联系电话": "12345"}, "联系电话", "11位手机号"),
    ("phone second digit", {"联系电话": "12812345678"}, "联系电话", "11位手机号"),
    ("phone landline without area code", {"联系电话": "1234567"}, "联系电话", "区号"),
]


@pytest.mark.parametrize(
    ("overrides", "column", "words"), [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES]
)
def test_member_error(world, overrides, column, words):
    row = member_row(**overrides)
    report = run_members([row])
    problem = only(report)
    assert (problem.row, problem.column, problem.value) == (2, column, str(row[column]))
    assert words in problem.message
    assert report.valid == 0 and report.written == 0
    assert not Member.objects.filter(name="陈志强").exists()


# (case, overrides, field, stored value)
ACCEPTED_CASES = [
    ("date iso", {"入党日期": "2010-07-01"}, "joined_on", dt.date(2010, 7, 1)),
    ("date slashes", {"入党日期": "2010/7/1"}, "joined_on", dt.date(2010, 7, 1)),
    ("date dots", {"入党日期": "2010.07.01"}, "joined_on", dt.date(2010, 7, 1)),
    ("date short dots", {"入党日期": "2010.7.1"}, "joined_on", dt.date(2010, 7, 1)),
    ("date chinese", {"入党日期": "2010年7月1日"}, "joined_on", dt.date(2010, 7, 1)),
    ("date compact", {"入党日期": "20100701"}, "joined_on", dt.date(2010, 7, 1)),
    ("date cell", {"入党日期": dt.date(2010, 7, 1)}, "joined_on", dt.date(2010, 7, 1)),
    ("date serial", {"入党日期": SERIAL_2010_07_01}, "joined_on", dt.date(2010, 7, 1)),
    ("date serial as text", {"入党日期": str(SERIAL_2010_07_01)}, "joined_on", dt.date(2010, 7, 1)),
    ("month dots", {"入党日期": "2010.07"}, "joined_on", dt.date(2010, 7, 1)),
    ("month dash", {"入党日期": "2010-07"}, "joined_on", dt.date(2010, 7, 1)),
    ("month chinese", {"入党日期": "2010年7月"}, "joined_on", dt.date(2010, 7, 1)),
    (
        "fifteen digits",
        {"公民身份号码": OLD_15},
        "id_number",
        OLD_15[:6] + "19" + OLD_15[6:] + check_char(OLD_15[:6] + "19" + OLD_15[6:]),
    ),
    ("lower-case x", {"公民身份号码": id_ending_in_x().lower()}, "id_number", id_ending_in_x()),
    ("id with spaces", {"公民身份号码": " 530121 19850312 0215 "}, "id_number", None),
    ("han", {"民族": "汉"}, "ethnicity", "汉族"),
    ("yi", {"民族": "彝族"}, "ethnicity", "彝族"),
    ("ethnicity empty", {"民族": ""}, "ethnicity", ""),
    ("benke", {"学历": "本科"}, "education", "bachelor"),
    ("dazhuan", {"学历": "大专"}, "education", "junior_college"),
    ("postgraduate", {"学历": "研究生"}, "education", "postgraduate"),
    ("sex from id", {"性别": ""}, "sex", "M"),
    ("birth from id", {"出生日期": ""}, "birth_date", BIRTH),
    ("birth as cell", {"出生日期": BIRTH}, "birth_date", BIRTH),
    ("birth month agrees", {"出生日期": "1985.03"}, "birth_date", BIRTH),
    ("mobile spaced", {"联系电话": "138 1234 5678"}, "phone", "13812345678"),
    ("mobile +86", {"联系电话": "+86 138-1234-5678"}, "phone", "13812345678"),
    ("mobile number cell", {"联系电话": 13812345678}, "phone", "13812345678"),
    ("landline", {"联系电话": "0871-1234567"}, "phone", "0871-1234567"),
    ("phone empty", {"联系电话": ""}, "phone", ""),
    (
        "joined exactly 18",
        {"入党日期": "2003-03-12", "转正日期": "2004-03-12"},
        "joined_on",
        dt.date(2003, 3, 12),
    ),
    ("converted after exactly 2 years", {"转正日期": "2012-07-01"}, "converted_on", dt.date(2012, 7, 1)),
    ("group code", {"所在党组织代码": "TA01G1"}, "group_id", "group"),
    ("full-width text", {"姓名": "　陈志强　"}, "name", "陈志强"),
]


@pytest.mark.parametrize(
    ("overrides", "field", "expected"), [c[1:] for c in ACCEPTED_CASES], ids=[c[0] for c in ACCEPTED_CASES]
)
def test_member_accepted(world, overrides, field, expected):
    if "公民身份号码" in overrides and overrides["公民身份号码"].strip().startswith("530121 "):
        number = build_id_number("530121", BIRTH, 21)
        overrides = {"公民身份号码": f" {number[:6]} {number[6:14]} {number[14:]} "}
        expected = number
    report = run_members([member_row(**overrides)])
    assert report.errors == []
    assert (report.total, report.valid, report.written) == (1, 1, 1)
    member = Member.objects.get(name="陈志强")
    if expected == "group":
        assert (member.organization, member.group) == (world.branch_a1, world.group_a1)
    else:
        assert getattr(member, field) == expected


def test_month_precision_is_flagged(world):
    run_members([member_row(入党日期="2010.07", 转正日期="2011年7月")])
    member = Member.objects.get(name="陈志强")
    assert member.month_precision_dates == ["converted_on", "joined_on"]


def test_fifteen_digit_upgrade_is_reported_as_a_warning(world):
    report = run_members([member_row(公民身份号码=OLD_15)])
    warning = only(report, "warnings")
    assert (warning.row, warning.column, warning.value) == (2, "公民身份号码", OLD_15)
    assert "升级为18位" in warning.message


def test_overdue_probationary_member_is_imported_with_a_warning(world):
    joined = add_years(TODAY, -3)
    report = run_members([member_row(人员类别="预备党员", 入党日期=joined.isoformat(), 转正日期="")])
    assert report.errors == [] and report.written == 1
    warning = only(report, "warnings")
    assert (warning.column, warning.row) == ("入党日期", 2)
    assert "转正逾期" in warning.message


def test_recent_probationary_member_has_no_warning(world):
    joined = TODAY - dt.timedelta(days=200)
    report = run_members([member_row(人员类别="预备党员", 入党日期=joined.isoformat(), 转正日期="")])
    assert report.errors == [] and report.warnings == [] and report.written == 1


def test_org_by_unique_full_name(world):
    headers = [h if h != "所在党组织代码" else "所在党组织" for h in MEMBER_HEADERS]
    report = run_members([member_row(所在党组织="甲镇西村党支部")], headers=headers)
    assert report.errors == []
    assert Member.objects.get(name="陈志强").organization == world.branch_a2


def test_org_name_must_be_unique(world):
    from dangjian.orgs.services import organization_update

    organization_update(actor=None, organization=world.branch_b1, name="甲镇西村党支部")
    headers = [h if h != "所在党组织代码" else "所在党组织" for h in MEMBER_HEADERS]
    report = run_members([member_row(所在党组织="甲镇西村党支部")], headers=headers)
    assert "多个党组织" in only(report).message
    # Within a township's own scope the name is unique again.
    report = run_members(
        [member_row(所在党组织="甲镇西村党支部")], headers=headers, actor=world.users["township_a_admin"]
    )
    assert report.errors == [] and report.written == 1


def test_org_code_and_name_must_agree(world):
    headers = [*MEMBER_HEADERS, "所在党组织"]
    report = run_members([member_row(所在党组织="甲镇西村党支部")], headers=headers)
    problem = only(report)
    assert (problem.column, problem.value) == ("所在党组织", "甲镇西村党支部")
    assert "不一致" in problem.message


def test_duplicate_id_in_file_later_row_is_the_error(world):
    first = member_row()
    second = member_row(姓名="陈志刚", 公民身份号码=first["公民身份号码"])
    third = member_row(姓名="王芳", 性别="女", 公民身份号码=build_id_number("530121", BIRTH, 42))
    report = run_members([first, third, second], keep_valid=True)
    problem = only(report)
    assert (problem.row, problem.column) == (4, "公民身份号码")
    assert "与第2行的公民身份号码重复" in problem.message
    assert set(
        Member.objects.filter(name__in=["陈志强", "陈志刚", "王芳"]).values_list("name", flat=True)
    ) == {
        "陈志强",
        "王芳",
    }


def test_fifteen_and_eighteen_digit_forms_of_one_number_are_duplicates(world):
    upgraded = OLD_15[:6] + "19" + OLD_15[6:]
    upgraded += check_char(upgraded)
    report = run_members([member_row(公民身份号码=OLD_15), member_row(公民身份号码=upgraded)])
    assert "与第2行" in only(report).message


def test_id_of_a_member_of_another_org_is_an_error(world):
    zhang = world.members["zhang"]
    row = member_row(姓名="张建国", 公民身份号码=zhang.id_number, 出生日期="", 所在党组织代码="TA02")
    row.update({"入党日期": "2005-07-01", "转正日期": "2006-07-01"})
    report = run_members([row])
    problem = only(report)
    assert problem.column == "公民身份号码"
    assert "组织关系转接" in problem.message
    assert "东村" not in problem.message  # never names the other organization
    zhang.refresh_from_db()
    assert zhang.organization == world.branch_a1


def test_id_of_a_member_of_the_same_org_updates_them(world):
    li = world.members["li"]
    row = member_row(
        姓名="李秀英",
        性别="女",
        公民身份号码=li.id_number,
        出生日期="1990-03-08",
        入党日期="2015-06-20",
        转正日期="2016-06-20",
        联系电话="13900001111",
    )
    before = AuditEvent.objects.filter(action="member.update").count()
    report = run_members([row])
    assert report.errors == [] and report.written == 1
    li.refresh_from_db()
    assert li.phone == "13900001111"
    assert AuditEvent.objects.filter(action="member.update").count() == before + 1


def test_update_keeps_values_of_columns_the_file_leaves_out(world):
    zhang = world.members["zhang"]
    zhang.job = "村医"
    zhang.save()
    row = {
        "姓名": "张建国",
        "公民身份号码": zhang.id_number,
        "人员类别": "正式党员",
        "所在党组织代码": "TA01",
    }
    row |= {"入党日期": "2005-07-01", "转正日期": "2006-07-01"}
    headers = ["姓名", "公民身份号码", "人员类别", "所在党组织代码", "入党日期", "转正日期"]
    report = run_members([row], headers=headers)
    assert report.errors == [] and report.written == 0
    zhang.refresh_from_db()
    assert (zhang.job, zhang.group) == ("村医", world.group_a1)
