"""Each character that makes Excel, WPS or LibreOffice read a cell as a formula (=, +, -, @, and
the tab and carriage return that some of them skip first) is neutralised in a real export:
the cell is text with the quote prefix, never a formula, and its value is exactly what was stored."""

import openpyxl
import pytest

from dangjian.core.testing.world import make_member
from dangjian.io.services import members_export, members_for_export
from dangjian.io.writers import FORMULA_TRIGGERS

pytestmark = pytest.mark.django_db

PAYLOADS = {
    "=": '=HYPERLINK("http://example.invalid/","点击")',
    "+": "+1+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
}


def test_payloads_cover_every_trigger():
    assert set(PAYLOADS) == set(FORMULA_TRIGGERS)


def test_every_trigger_leaves_the_export_as_quoted_text(world, tmp_path):
    for number, payload in enumerate(PAYLOADS.values()):
        make_member(world.branch_a1, name=f"测试{number}", address=payload, job=payload[:100])
    target = tmp_path / "roster.xlsx"
    actor = world.users["county_admin"]
    members_export(actor=actor, queryset=members_for_export(actor), target=str(target))

    sheet = openpyxl.load_workbook(target).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    for payload in PAYLOADS.values():
        # The file format writes a carriage return as the escape _x000D_, which openpyxl leaves as is.
        holding = [cell for cell in cells if cell.value == payload.replace("\r", "_x000D_")]
        assert len(holding) == 2, repr(payload)  # address and job, stored text unchanged
        assert all(cell.quotePrefix and cell.data_type == "s" for cell in holding), repr(payload)
