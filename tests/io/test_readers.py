"""Every file format, header detection, row numbering, unreadable files."""

import datetime as dt
import io

import pytest

from dangjian.io.readers import UnreadableFile, read_table
from dangjian.io.rules import MEMBER_COLUMNS, header_map
from dangjian.members.models import Member

from . import files
from .conftest import MEMBER_HEADERS, grid, member_row, run_members

HEADERS = header_map(MEMBER_COLUMNS)
FORMATS = [
    ("book.xlsx", files.xlsx),
    ("book.xls", files.xls),
    ("book.ods", files.ods),
    ("book.csv", lambda rows: files.csv_bytes(rows, "utf-8")),
    ("book.csv", lambda rows: files.csv_bytes(rows, "utf-8-sig")),
    ("book.csv", lambda rows: files.csv_bytes(rows, "gbk")),
]
FORMAT_IDS = ["xlsx", "xls", "ods", "csv-utf8", "csv-utf8-bom", "csv-gbk"]


@pytest.mark.parametrize(("filename", "build"), FORMATS, ids=FORMAT_IDS)
def test_every_format_imports_the_same_roster(world, filename, build):
    first = member_row(入党日期=dt.date(2010, 7, 1), 民族="彝族")
    second = member_row(
        姓名="王芳", 性别="女", 公民身份号码=None, 出生日期="", 入党日期="2012年5月4日", 转正日期="2013.5.4"
    )
    from dangjian.core.testing.world import new_id_number

    second["公民身份号码"] = new_id_number(dt.date(1990, 1, 2), "F")
    rows = [["2026年党员花名册"], [], *grid([first, second], MEMBER_HEADERS)]
    report = run_from_bytes(build(rows), filename)
    assert report.errors == [] and (report.total, report.written) == (2, 2)
    chen, wang = Member.objects.get(name="陈志强"), Member.objects.get(name="王芳")
    assert (chen.joined_on, chen.ethnicity, chen.organization) == (
        dt.date(2010, 7, 1),
        "彝族",
        world.branch_a1,
    )
    assert (wang.joined_on, wang.converted_on, wang.sex) == (dt.date(2012, 5, 4), dt.date(2013, 5, 4), "F")


def run_from_bytes(data: bytes, filename: str, **kwargs):
    from dangjian.io.services import members_import

    return members_import(actor=None, stream=io.BytesIO(data), filename=filename, **kwargs)


@pytest.mark.parametrize(("filename", "build"), FORMATS[:3], ids=FORMAT_IDS[:3])
def test_row_numbers_count_title_and_blank_rows(world, filename, build):
    bad = member_row(入党日期="不详")
    rows = [["党员信息采集表"], ["填报单位：甲镇党委", "", "日期：2026年"], [], *grid([member_row(), bad])]
    report = run_from_bytes(build(rows), filename)
    problem = report.errors[0]
    assert (problem.row, problem.column, problem.value) == (6, "入党日期", "不详")


def test_headers_match_after_full_width_spaces_and_star():
    rows = [
        ["姓　名*", "公民身份号码 *", "ＩＤ", "人员类别＊", " 入党日期 "],
        ["陈志强", "x", "1", "正式党员", "2010-07-01"],
    ]
    table = read_table(io.BytesIO(files.xlsx(rows)), "a.xlsx", HEADERS)
    assert [c.field for c in table.columns] == ["name", "id_number", "category", "joined_on"]
    assert table.unknown_headers == ["ID"]
    assert table.header_row == 1


def test_aliases_are_headers():
    rows = [["姓名", "身份证号", "党员类别", "所在党支部代码", "手机号码"]]
    table = read_table(io.BytesIO(files.xlsx(rows)), "a.xlsx", HEADERS)
    assert [c.field for c in table.columns] == ["name", "id_number", "category", "org_code", "phone"]


def test_unknown_column_is_reported_once(world):
    headers = [*MEMBER_HEADERS, "备注"]
    rows = [member_row(备注="村医"), member_row(公民身份号码=files_id(), 备注="会计")]
    report = run_from_bytes(files.xlsx(grid(rows, headers)), "a.xlsx")
    assert report.errors == []
    assert [(w.row, w.column, w.message) for w in report.warnings] == [(1, "备注", "未识别的列，已忽略")]


def files_id():
    from dangjian.core.testing.world import new_id_number

    return new_id_number(dt.date(1985, 3, 12), "M")


def test_blank_rows_between_data_are_skipped(world):
    rows = grid([member_row()])
    rows.insert(2, [""] * len(MEMBER_HEADERS))
    rows.append([])
    rows.append(grid([member_row(公民身份号码=files_id())])[1])
    report = run_from_bytes(files.xlsx(rows), "a.xlsx")
    assert (report.total, report.written) == (2, 2)


def test_missing_required_column_is_an_error_on_the_header_row(world):
    headers = [h for h in MEMBER_HEADERS if h != "入党日期"]
    report = run_members([member_row()], headers=headers)
    assert [(p.row, p.column, p.message) for p in report.errors] == [(1, "入党日期", "缺少必填列“入党日期”")]
    assert report.written == 0


@pytest.mark.parametrize(
    ("data", "filename", "words"),
    [
        (b"PK\x03\x04 this is not really a zip", "roster.xlsx", "无法读取文件：文件已损坏"),
        (b"\xd0\xcf\x11\xe0 garbage", "roster.xls", "无法读取文件"),
        (b"hello", "roster.txt", "不支持“.txt”格式"),
        (files.xlsx([["甲"], ["乙"]]), "roster.xlsx", "没有找到表头行"),
        ("姓名,公民身份号码\n".encode("utf-16"), "roster.csv", "无法读取文件"),
    ],
    ids=["corrupt-xlsx", "corrupt-xls", "extension", "no-header", "utf16-csv"],
)
def test_unreadable_files_get_a_chinese_message(world, data, filename, words):
    report = run_from_bytes(data, filename)
    assert report.total == 0 and report.written == 0
    problem = report.errors[0]
    assert problem.row is None and words in problem.message


def test_unreadable_file_raises_for_the_reader():
    with pytest.raises(UnreadableFile, match="无法读取文件"):
        read_table(io.BytesIO(b"garbage"), "x.ods", HEADERS)
