"""No audit or access record ever holds a full ID number, whichever service wrote it."""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.core.idnumber import is_valid_id_number
from dangjian.core.models import AccessLog, AuditEvent
from dangjian.core.testing.world import PASSWORD, new_id_number
from dangjian.io.services import members_export, members_for_export
from dangjian.members import services as member_services
from tests.io.conftest import member_row, run_members

pytestmark = pytest.mark.django_db

# Eighteen characters shaped like an ID number, wherever they sit inside a longer string.
ID_SHAPED = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9Xx])")


def _all_audit_text() -> list[str]:
    texts = []
    for event in AuditEvent.objects.all():
        texts.append(json.dumps([event.object_repr, event.before, event.after], ensure_ascii=False))
    for log in AccessLog.objects.all():
        texts.append(json.dumps([log.object_repr, log.detail], ensure_ascii=False))
    return texts


def test_services_leave_audit_rows_without_full_id_numbers(world, client, tmp_path):
    county_admin = world.users["county_admin"]
    zhang = world.members["zhang"]
    known = {m.id_number for m in world.members.values()}

    replacement = new_id_number(dt.date(1980, 5, 17), "M")
    member_services.member_update(actor=county_admin, member=zhang, id_number=replacement)
    known.add(replacement)
    member_services.member_transfer(
        actor=county_admin,
        member=world.members["wang"],
        to_organization=world.branch_a1,
        on=timezone.localdate(),
    )
    imported = member_row()
    known.add(imported["公民身份号码"])
    report = run_members([imported], actor=county_admin)
    assert not report.errors
    members_export(
        actor=county_admin,
        queryset=members_for_export(county_admin),
        target=str(tmp_path / "out.xlsx"),
        unmasked=True,
    )
    client.login(username="county_admin", password=PASSWORD)
    client.post(reverse("members:reveal-id", args=[zhang.pk]))

    texts = _all_audit_text()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    kinds = set(AccessLog.objects.values_list("kind", flat=True))
    # The scan means something only if the id-bearing services actually wrote their rows.
    assert {"member.create", "member.update", "member.transfer"} <= actions
    assert {"import", "export_unmasked", "reveal_id"} <= kinds
    leaks = [
        match
        for text in texts
        for match in ID_SHAPED.findall(text)
        if match in known or is_valid_id_number(match)
    ]
    assert not leaks
    assert any("*" in text for text in texts)  # the masked form is what was recorded


def test_a_changed_phone_number_is_masked_in_the_audit_row(world):
    zhang = world.members["zhang"]
    member_services.member_update(actor=world.users["county_admin"], member=zhang, phone="13912345678")

    event = AuditEvent.objects.filter(action="member.update").latest("pk")
    recorded = json.dumps([event.before, event.after], ensure_ascii=False)
    assert "13912345678" not in recorded
    assert "139****5678" in recorded
