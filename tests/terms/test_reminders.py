"""Term reminders through the notifications job: overdue and within 90 days, postponements
applied, each organization's own secretary and the township summary notified."""

import datetime as dt

from django.utils import timezone

from dangjian.notifications.choices import NotificationKind
from dangjian.notifications.models import Notification
from dangjian.notifications.reminders import reminders_run, term_reminders
from dangjian.terms.services import term_postpone

TODAY = timezone.localdate()


def test_overdue_and_soon_terms_are_reminded(termed):
    found = {r.organization_id: r.text for r in term_reminders(TODAY)}
    assert "已逾期" in found[termed.branch_a1.pk] and "还有" in found[termed.branch_a2.pk]
    assert termed.township_a.pk not in found and termed.branch_b1.pk in found


def test_a_postponement_moves_the_reminder(termed):
    ends = termed.branch_a1.term_ends_on
    term_postpone(
        actor=None,
        organization=termed.branch_a1,
        postponed_to=ends + dt.timedelta(days=200),
        reason="统一安排",
        approved_by="甲镇党委",
        approved_on=TODAY,
    )
    found = {r.organization_id for r in term_reminders(TODAY)}
    assert termed.branch_a1.pk not in found  # now due in more than 90 days


def test_secretary_is_notified_once_a_day(termed):
    reminders_run(today=TODAY)
    reminders_run(today=TODAY)
    mine = Notification.objects.filter(user=termed.users["secretary_a1"], kind=NotificationKind.TERM)
    assert mine.count() == 1 and "换届" in mine.get().text and mine.get().link == "/terms/org/TA01/term/"
    assert not Notification.objects.filter(
        user=termed.users["township_b_admin"], organization=termed.branch_a1
    ).exists()
