"""少交或免交党费: approved by the superior committee, within one year, below the set amount;
the ledger months in range are due the new amount and arrears go; the yearly re-basing
reminder names the members without a base for the year."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F
from django.test import Client
from django.urls import reverse

from dangjian.core.audit import AuditEvent
from dangjian.core.exceptions import ScopeDenied
from dangjian.dues import rules
from dangjian.dues.models import DuesExemption, DuesMonth
from dangjian.dues.selectors import dues_arrears, members_without_base
from dangjian.dues.services import dues_exemption_grant
from dangjian.notifications.choices import NotificationKind
from dangjian.notifications.reminders import dues_reminders

from .test_services import open_months, profile_all

D = dt.date
M = Decimal
TODAY = D(2026, 11, 23)


def check(**changes):
    values = dict(
        first_month=3,
        last_month=12,
        monthly_amount=M(0),
        normal_due=M("42.00"),
        reason="因病生活困难",
        approved_by="甲镇党委",
        branch_decided_on=D(2026, 3, 2),
        approved_on=D(2026, 3, 10),
        today=TODAY,
    )
    values.update(changes)
    return [name for name, _ in rules.exemption_errors(**values)]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, []),
        ({"first_month": 12, "last_month": 12}, []),
        ({"first_month": 1, "last_month": 1}, []),
        ({"first_month": 5, "last_month": 4}, ["last_month"]),
        ({"first_month": 0}, ["first_month"]),
        ({"last_month": 13}, ["first_month"]),
        ({"monthly_amount": M("41.99")}, []),
        ({"monthly_amount": M("42.00")}, ["monthly_amount"]),
        ({"monthly_amount": M("-0.01")}, ["monthly_amount"]),
        ({"monthly_amount": M("5"), "normal_due": None}, []),
        ({"reason": " "}, ["reason"]),
        ({"approved_by": ""}, ["approved_by"]),
        ({"approved_on": D(2026, 3, 1)}, ["approved_on"]),
        ({"approved_on": D(2026, 3, 2)}, []),
        ({"branch_decided_on": TODAY, "approved_on": TODAY}, []),
        ({"branch_decided_on": TODAY, "approved_on": TODAY + dt.timedelta(days=1)}, ["approved_on"]),
    ],
)
def test_exemption_rules_at_their_bounds(changes, expected):
    assert check(**changes) == expected


def grant(world, actor=None, member="li", **changes):
    values = dict(
        year=2026,
        first_month=3,
        last_month=12,
        monthly_amount=M(0),
        reason="因病生活困难",
        branch_decided_on=D(2026, 3, 2),
        approved_by="甲镇党委",
        approved_on=D(2026, 3, 10),
        today=TODAY,
    )
    values.update(changes)
    return dues_exemption_grant(actor=actor, member=world.members[member], **values)


def test_exemption_adjusts_open_months_and_clears_arrears(world):
    profile_all(world)
    open_months(world.branch_a1, range(1, 6))
    li = world.members["li"]
    before = [
        a for a in dues_arrears(user=world.users["county_admin"], today=D(2026, 6, 1)) if a.member_id == li.pk
    ]
    assert before and before[0].months_unpaid == 5
    grant(world, actor=world.users["township_a_admin"])
    dues = dict(DuesMonth.objects.filter(member=li).values_list("month__month", "due"))
    assert dues == {1: M("42.00"), 2: M("42.00"), 3: M(0), 4: M(0), 5: M(0)}
    after = [
        a for a in dues_arrears(user=world.users["county_admin"], today=D(2026, 6, 1)) if a.member_id == li.pk
    ]
    # March to May are no longer owed, so no run of unpaid months reaches the last month
    # (January and February stay unpaid in the ledger).
    assert after == []
    assert DuesMonth.objects.filter(member=li, paid__lt=F("due")).count() == 2
    # Months opened later in the range are due the reduced amount from the start.
    open_months(world.branch_a1, [6])
    assert DuesMonth.objects.get(member=li, month=D(2026, 6, 1)).due == M(0)
    assert DuesMonth.objects.get(member=world.members["zhang"], month=D(2026, 6, 1)).due == M("42.00")
    event = AuditEvent.objects.get(action="dues.exemption_grant")
    assert event.after["ledger_months_adjusted"] == 3


def test_exemption_is_the_superiors_and_not_twice_for_a_month(world):
    profile_all(world)
    with pytest.raises(ScopeDenied):
        grant(world, actor=world.users["secretary_a1"])
    with pytest.raises(ValidationError) as caught:
        grant(world, member="wang", year=2025)  # no 2025 base
    assert "year" in caught.value.message_dict
    grant(world, first_month=3, last_month=6)
    with pytest.raises(ValidationError) as caught:
        grant(world, first_month=6, last_month=8, monthly_amount=M("10"))
    assert "重叠" in caught.value.message_dict["first_month"][0]
    grant(world, first_month=7, last_month=8, monthly_amount=M("10"))
    assert DuesExemption.objects.count() == 2


def test_members_without_base_and_the_reminder(world):
    profile_all(world, year=2025)
    missing = members_without_base(user=world.users["county_admin"], year=2026)
    assert missing == {
        world.branch_a1.pk: ["张建国", "李秀英"],
        world.branch_a2.pk: ["王小明"],
        world.branch_b1.pk: ["赵丽"],
    }
    assert set(members_without_base(user=world.users["township_b_admin"], year=2026)) == {world.branch_b1.pk}
    assert members_without_base(user=world.users["county_admin"], year=2025) == {}
    found = {r.organization_id: r for r in dues_reminders(TODAY) if r.kind == NotificationKind.DUES}
    assert "2名党员尚未核定2026年党费基数（张建国、李秀英）" in found[world.branch_a1.pk].text
    assert found[world.branch_a1.pk].link == reverse("dues:profiles", args=["TA01"])


def test_exemption_page_isolation_and_form(world):
    profile_all(world)
    url = reverse("dues:exemption", args=[world.members["li"].pk])
    data = {
        "first_month": 3,
        "last_month": 12,
        "monthly_amount": "0",
        "reason": "因病生活困难",
        "branch_decided_on": "2026-03-02",
        "approved_by": "甲镇党委",
        "approved_on": "2026-03-10",
    }
    for username in ("secretary_a1", "township_b_admin", "inspector_a"):
        client = Client()
        client.force_login(world.users[username])
        assert client.get(url).status_code == 404, username
        assert client.post(url, data).status_code == 404, username
    assert not DuesExemption.objects.exists()
    client = Client()
    client.force_login(world.users["township_a_admin"])
    page = client.post(url, {**data, "reason": ""}).content.decode()
    assert "减免理由" in page and not DuesExemption.objects.exists()
    response = client.post(url + "?year=2026", data)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "因病生活困难" in page and "免交" in page
