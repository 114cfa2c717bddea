import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.access.roles import Role
from dangjian.core.testing.world import make_member, make_user, new_id_number
from dangjian.dues.choices import DuesCategory
from dangjian.dues.services import dues_month_open, dues_profile_set
from dangjian.notifications.choices import NotificationKind
from dangjian.notifications.models import Notification
from dangjian.notifications.reminders import collect_reminders, reminders_run
from dangjian.notifications.services import Draft, notifications_send
from dangjian.notifications.tasks import send_daily_reminders
from dangjian.orgs.choices import OrgKind, Sector
from dangjian.orgs.services import organization_create
from dangjian.recruitment.services import candidate_create

TODAY = dt.date(2026, 5, 20)


def applicant(branch, name, applied_on):
    return candidate_create(
        actor=None,
        organization=branch,
        name=name,
        id_number=new_id_number(dt.date(1996, 8, 12)),
        applied_on=applied_on,
        today=TODAY,
    )


def arrears_in(branch, months=4):
    """Every member of the branch owes the first `months` months of 2026."""
    for member in branch.members.all():
        dues_profile_set(
            actor=None,
            member=member,
            year=2026,
            category=DuesCategory.SALARIED,
            monthly_base=Decimal("4200"),
            set_on=dt.date(2026, 1, 5),
        )
    for month in range(1, months + 1):
        dues_month_open(actor=None, branch=branch, month=dt.date(2026, month, 1))


@pytest.fixture
def busy_world(world):
    """TA01 has an applicant whose talk is due within days and a member four months behind on
    dues (as everyone there); township A's term ends within 90 days; TB01 has its own secretary."""
    applicant(world.branch_a1, "孙志远", TODAY - dt.timedelta(days=25))
    arrears_in(world.branch_a1)
    world.township_a.term_started_on = dt.date(2021, 7, 1)
    world.township_a.term_years = 5
    world.township_a.save(update_fields=["term_started_on", "term_years"])
    world.users["secretary_b1"] = make_user("secretary_b1", Role.SECRETARY, world.branch_b1)
    return world


def texts_of(user):
    return list(Notification.objects.filter(user=user).values_list("text", flat=True))


def test_every_source_gives_its_reminder(busy_world):
    reminders = collect_reminders(TODAY)
    by_kind = {(r.kind, r.organization_id): r.text for r in reminders}
    a1 = busy_world.branch_a1.pk
    assert "孙志远" in by_kind[(NotificationKind.RECRUITMENT, a1)]
    assert "李秀英 连续4个月未交" in by_kind[(NotificationKind.DUES, a1)]
    assert "2026-07-01届满" in by_kind[(NotificationKind.TERM, busy_world.township_a.pk)]
    # No records at all: May's 主题党日 is still to hold, and April's was missed.
    orglife = by_kind[(NotificationKind.ORGLIFE, busy_world.branch_b1.pk)]
    assert "2026年5月" in orglife and "逾期：2026年4月" in orglife


def test_recruitment_step_beyond_two_weeks_is_not_reminded(world):
    applicant(world.branch_a1, "钱多多", TODAY - dt.timedelta(days=1))
    assert not [r for r in collect_reminders(TODAY) if r.kind == NotificationKind.RECRUITMENT]


def test_secretaries_get_their_branch_items_and_admins_one_summary_per_scope_root(busy_world):
    reminders_run(today=TODAY)
    users = busy_world.users
    a1_items = texts_of(users["secretary_a1"])
    assert {text.split(" ")[0] for text in a1_items} == {"甲镇东村党支部"}
    assert any("孙志远" in text for text in a1_items)
    b1_items = texts_of(users["secretary_b1"])
    assert b1_items and all(text.startswith("乙镇南村党支部") for text in b1_items)
    # Township B's administrator never hears of township A's branches or term.
    b_admin = Notification.objects.get(user=users["township_b_admin"])
    assert b_admin.kind == NotificationKind.SUMMARY
    assert "乙镇党委" in b_admin.text and "甲镇" not in b_admin.text
    assert "组织生活 1个党组织" in b_admin.text and "换届" not in b_admin.text
    a_admin = Notification.objects.get(user=users["township_a_admin"])
    assert "组织生活 2个党组织" in a_admin.text and "换届 1个党组织" in a_admin.text
    county = Notification.objects.get(user=users["county_admin"])
    assert "组织生活 3个党组织" in county.text
    # Viewing or auditing is not acting: no reminders.
    for name in ("inspector_a", "auditor", "nobody"):
        assert not Notification.objects.filter(user=users[name]).exists()


def test_a_second_run_on_the_same_day_adds_nothing(busy_world):
    first = reminders_run(today=TODAY)
    count = Notification.objects.count()
    second = reminders_run(today=TODAY)
    assert first.result.created and count == len(first.result.created)
    assert second.result.created == [] and second.result.skipped == count
    assert Notification.objects.count() == count
    assert len(reminders_run(today=TODAY + dt.timedelta(days=1)).result.created) == count


def test_send_deduplicates_within_one_batch_and_per_user(world):
    user, other = world.users["secretary_a1"], world.users["township_b_admin"]
    drafts = [
        Draft(user_id=user.pk, kind=NotificationKind.DUES, text="一", dedup_key="k"),
        Draft(user_id=user.pk, kind=NotificationKind.DUES, text="二", dedup_key="k"),
        Draft(user_id=other.pk, kind=NotificationKind.DUES, text="一", dedup_key="k"),
    ]
    result = notifications_send(drafts=drafts)
    assert len(result.created) == 2 and result.skipped == 0
    assert texts_of(user) == ["一"]


def test_senders_from_settings_receive_each_new_notification(world, settings):
    settings.NOTIFICATION_SENDERS = ["tests.notifications.test_reminders.RecordingSender"]
    RecordingSender.sent.clear()
    user = world.users["secretary_a1"]
    notifications_send(
        drafts=[Draft(user_id=user.pk, kind=NotificationKind.TERM, text="换届", dedup_key="t")]
    )
    notifications_send(
        drafts=[Draft(user_id=user.pk, kind=NotificationKind.TERM, text="换届", dedup_key="t")]
    )
    assert [n.text for n in RecordingSender.sent] == ["换届"]


class RecordingSender:
    sent: list = []

    def send(self, notification):
        self.sent.append(notification)


def add_branches(world, township, count, start):
    for index in range(count):
        branch = organization_create(
            actor=None,
            parent=township,
            code=f"{township.code}X{start + index:02d}",
            name=f"新增第{start + index}党支部",
            kind=OrgKind.BRANCH,
            sector=Sector.RURAL,
        )
        make_member(branch, name=f"党员{start + index}")
        arrears_in(branch, months=3)
        applicant(branch, f"申请人{start + index}", TODAY - dt.timedelta(days=25))
        make_user(f"sec_{branch.code}", Role.SECRETARY, branch)


def queries_of_a_run(today):
    Notification.objects.all().delete()
    with CaptureQueriesContext(connection) as captured:
        reminders_run(today=today)
    return len(captured.captured_queries)


@pytest.mark.parametrize("today", [TODAY, dt.date(2026, 1, 10)], ids=["may", "january"])
def test_query_count_does_not_grow_with_the_branches(world, today):
    add_branches(world, world.township_a, 2, 1)
    few = queries_of_a_run(today)
    add_branches(world, world.township_b, 6, 10)
    assert queries_of_a_run(today) == few


def test_command_reports_what_it_sent(busy_world):
    out = StringIO()
    call_command("remind", "--today", "2026-05-20", stdout=out)
    lines = out.getvalue().splitlines()
    sent = Notification.objects.count()
    assert lines[0] == "2026-05-20 待办提醒"
    assert "  组织生活：3 个党组织" in lines
    assert "  发展党员：1 个党组织" in lines
    # TA01's arrears, and TA02 and TB01 whose members have no 2026 dues base yet.
    assert "  党费：3 个党组织" in lines
    assert "  换届：1 个党组织" in lines
    assert lines[-1] == f"新发消息 {sent} 条，今日已发过 0 条"
    again = StringIO()
    call_command("remind", "--today", "2026-05-20", stdout=again)
    assert again.getvalue().splitlines()[-1] == f"新发消息 0 条，今日已发过 {sent} 条"


def test_command_refuses_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--today 日期无效"):
        call_command("remind", "--today", "2026-13-01")


def test_the_task_runs_the_reminders(busy_world):
    result = send_daily_reminders.enqueue(today=TODAY.isoformat())
    assert result.return_value["sent"] == Notification.objects.count() > 0


def test_in_january_last_year_s_ended_periods_are_overdue(world):
    texts = [
        r.text
        for r in collect_reminders(dt.date(2026, 1, 10))
        if r.organization_id == world.branch_b1.pk and r.kind == NotificationKind.ORGLIFE
    ]
    (orglife,) = texts
    assert "逾期：2025年12月 未开展主题党日" in orglife
    assert "逾期：2025年第4季度 未召开党员大会" in orglife
    assert "2026年1月 尚需开展主题党日1次" in orglife
