"""The commands on an empty database, with the small `tiny` scale, and the larger scales'
layout (built without writing: loading a prefecture takes half a minute)."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from dangjian.access.models import Grant
from dangjian.core.idnumber import is_valid_id_number
from dangjian.core.models import AuditEvent
from dangjian.demo.generator import SCALES, build_county, plan_counties
from dangjian.demo.logins import DEMO_PASSWORD
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

pytestmark = pytest.mark.django_db


def test_demo_loads_a_county_into_an_empty_database_and_prints_the_logins():
    out = io.StringIO()
    call_command("demo", "--no-serve", "--scale", "tiny", stdout=out)
    text = out.getvalue()
    assert "正在生成演示县" in text and "已生成" in text
    assert "http://127.0.0.1:8000/" in text
    assert Member.objects.exists()
    users = get_user_model().objects.filter(
        username__in=["county", "township", "secretary", "auditor", "security", "admin"]
    )
    assert users.count() == 6
    township_grant = Grant.objects.get(user__username="township")
    assert township_grant.organization.depth == 2
    assert Organization.objects.find_problems() == ([], [], [], [], [])

    again = io.StringIO()
    call_command("demo", "--no-serve", "--scale", "tiny", stdout=again)
    assert "正在生成" not in again.getvalue()
    assert get_user_model().objects.count() == 6
    for username in ("county", "township", "secretary", "auditor", "security", "admin"):
        assert Grant.objects.filter(user__username=username).count() == 1, username


def test_demo_data_replace_swaps_the_data_and_keeps_the_logins_working():
    first = io.StringIO()
    call_command("demo_data", "--scale", "tiny", "--seed", "1", stdout=first)
    assert "已生成" in first.getvalue() and "用时" in first.getvalue() and DEMO_PASSWORD in first.getvalue()
    old_numbers = set(Member.objects.values_list("id_number", flat=True))

    second = io.StringIO()
    call_command("demo_data", "--scale", "tiny", "--seed", "2", "--replace", stdout=second)
    new_numbers = set(Member.objects.values_list("id_number", flat=True))
    assert new_numbers and not old_numbers & new_numbers
    assert all(is_valid_id_number(number) for number in new_numbers)
    assert Organization.objects.filter(depth=1).count() == 1
    assert Organization.objects.find_problems() == ([], [], [], [], [])
    # The old grants went with the old organizations; the logins were granted the new ones.
    root = Organization.objects.get(depth=1)
    assert Grant.objects.filter(user__username="county", organization=root).exists()
    assert AuditEvent.objects.filter(action="demo.load").count() == 2


def test_demo_data_with_an_as_of_day_is_reproducible():
    as_of = dt.date(2025, 3, 1)
    call_command("demo_data", "--scale", "tiny", "--as-of", as_of.isoformat(), stdout=io.StringIO())
    stored = sorted(Member.objects.values_list("id_number", "joined_on", "converted_on"))
    _, (spec,) = plan_counties(SCALES["tiny"], 1, as_of)
    planned = sorted(
        (m.id_number, m.joined_on, m.converted_on)
        for m in build_county(spec, SCALES["tiny"], 1, as_of).members
    )
    assert stored == planned
    assert max(joined for _, joined, _ in stored) <= as_of


@pytest.mark.parametrize(
    ("scale", "uppers", "counties"),
    [("county", 0, 1), ("prefecture", 1, 10), ("province", 16, 150)],
)
def test_larger_scales_hang_counties_under_a_prefecture_or_province(scale, uppers, counties):
    tops, specs = plan_counties(SCALES[scale], 1, dt.date(2026, 1, 1))
    assert len(tops) == uppers and len(specs) == counties
    assert len({spec.code for spec in specs}) == counties
    assert len({spec.name for spec in specs}) == counties
    if tops:
        root = tops[0]
        assert root.depth == 1 and root.numchild == (SCALES[scale].prefectures or SCALES[scale].counties)
        for spec in specs:
            assert spec.code.startswith(spec.parent.code)
            assert spec.parent.numchild == 10


def test_counties_of_a_prefecture_have_their_own_region_codes_and_no_clashes():
    tops, specs = plan_counties(SCALES["prefecture"], 1, dt.date(2026, 1, 1))
    plans = [build_county(spec, SCALES["tiny"], 1, dt.date(2026, 1, 1)) for spec in specs[:3]]
    codes = [o.code for plan in plans for o in plan.organizations]
    paths = [o.path for plan in plans for o in plan.organizations]
    names = [o.name for plan in plans for o in plan.organizations]
    assert len(set(codes)) == len(codes) and len(set(paths)) == len(paths) and len(set(names)) == len(names)
    for spec, plan in zip(specs, plans, strict=False):
        assert {m.id_number[:6] for m in plan.members} == {spec.code}
        assert all(o.path.startswith(tops[0].path) for o in plan.organizations)
