"""The reminders on the branch's home page and calendar: what is still to hold this period and
what is overdue, only for branches within reach, in a constant number of queries."""

import datetime as dt

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.orglife.choices import ActivityKind as K
from dangjian.orglife.pending import pending_for_branches, pending_for_user
from dangjian.orgs.choices import OrgKind, Sector
from dangjian.orgs.services import organization_create

from .conftest import hold
from .test_rollup import add_branch, add_records

NOV_23 = dt.date(2026, 11, 23)


def test_outstanding_and_overdue_for_a_branch(world):
    hold(world.branch_a2, dt.date(2026, 11, 5), K.THEME_DAY, today=NOV_23)
    [pending] = pending_for_branches([world.branch_a2], NOV_23)
    # November's 主题党日 is held; the quarter's 党员大会 and 党课 and the year's items are not.
    assert not any("主题党日" in text for text in pending.outstanding)
    assert "2026年第4季度 尚需召开党员大会1次（12月31日前）" in pending.outstanding
    # October ended without a 主题党日: overdue. The running quarter is not "overdue" yet.
    assert pending.overdue == ["2026年10月 未开展主题党日"]


def test_overdue_quarter_is_named_in_the_month_after_it_ends(world):
    [pending] = pending_for_branches([world.branch_b1], dt.date(2026, 10, 2))
    assert "2026年第3季度 未召开党员大会" in pending.overdue
    [later] = pending_for_branches([world.branch_b1], dt.date(2026, 11, 2))
    assert "2026年第3季度 未召开党员大会" not in later.overdue


def test_january_reads_last_years_december(world):
    add_records([(world.branch_b1, None, [K.THEME_DAY], dt.date(2025, 12, 5), True, True, False)])
    [pending] = pending_for_branches([world.branch_b1], dt.date(2026, 1, 10))
    assert "2025年12月 未开展主题党日" not in pending.overdue
    assert "2025年第4季度 未召开党员大会" in pending.overdue
    assert "2025年 未开展民主评议党员" in pending.overdue


def test_per_group_items_name_the_group(world):
    [pending] = pending_for_branches([world.branch_a1], NOV_23)
    assert any(world.group_a1.name in text and "党小组会" in text for text in pending.outstanding)


def test_query_count_does_not_grow_with_branches_or_records(world):
    def queries(branches):
        with CaptureQueriesContext(connection) as captured:
            pending_for_branches(branches, NOV_23)
        return len(captured)

    few = queries([world.branch_a1])
    more = [add_branch(world.township_b, "rural", True, 2)[0] for _ in range(6)]
    add_records(
        [
            (branch, None, [K.THEME_DAY, K.PARTY_LECTURE], dt.date(2026, 11, 5), True, True, False)
            for branch in more
        ]
    )
    assert queries([world.branch_a1, *more]) == few <= 3


def home(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client.get(reverse("home")).content.decode()


def test_home_page_shows_the_secretarys_branch_only(world):
    today = timezone.localdate()
    hold(world.branch_a1, today.replace(day=1), K.THEME_DAY, today=today)
    page = home(world, "secretary_a1")
    assert f'data-pending="{world.branch_a1.code}"' in page
    assert "组织生活待办" in page
    assert "尚需" in page  # the quarter's 党员大会 at least is still to hold
    assert f'data-pending="{world.branch_a2.code}"' not in page
    assert world.branch_a2.name not in page
    # A township administrator reads the dashboard, not a hundred branches' reminders.
    assert "data-pending=" not in home(world, "township_a_admin")


def test_calendar_shows_the_reminders_and_they_go_when_held(world):
    today = timezone.localdate()
    client = Client()
    client.force_login(world.users["secretary_a1"])
    url = reverse("orglife:calendar", args=[world.branch_a1.code])
    page = client.get(url).content.decode()
    assert f"{today.year}年{today.month}月 尚需开展主题党日1次" in page
    hold(world.branch_a1, today.replace(day=1), K.THEME_DAY, today=today)
    page = client.get(url).content.decode()
    assert f"{today.year}年{today.month}月 尚需开展主题党日1次" not in page
    # Out of reach: another branch's calendar, with its reminders, is a 404.
    assert client.get(reverse("orglife:calendar", args=[world.branch_a2.code])).status_code == 404


def test_home_query_count_does_not_grow_with_records(world):
    client = Client()
    client.force_login(world.users["secretary_a1"])
    url = reverse("home")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    today = timezone.localdate()
    few = queries()
    for day in range(1, 4):
        hold(world.branch_a1, today - dt.timedelta(days=day), K.THEME_DAY, K.GENERAL_MEETING, today=today)
    organization_create(
        actor=None,
        parent=world.branch_a1,
        code="TA01G9",
        name="新党小组",
        kind=OrgKind.GROUP,
        sector=Sector.RURAL,
    )
    assert queries() == few


def test_pending_for_user_is_empty_without_a_branch_grant(world):
    assert pending_for_user(world.users["county_admin"], NOV_23) == []
    assert [p.branch.code for p in pending_for_user(world.users["secretary_a1"], NOV_23)] == [
        world.branch_a1.code
    ]
