"""Elections start the new term on the organization through orgs.services (both audited);
postponements are the superior's, move the due date and stay with their term; the calendar
lists overdue and due-soon elections at every level in a constant number of queries."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dangjian.core.audit import AuditEvent
from dangjian.core.exceptions import ScopeDenied
from dangjian.orgs.services import organization_create
from dangjian.terms.models import Election, TermPostponement
from dangjian.terms.selectors import organization_term, term_calendar
from dangjian.terms.services import election_record, term_postpone

TODAY = timezone.localdate()


def elect(world, organization, actor=None, **changes):
    values = dict(
        held_on=TODAY,
        term_years=5,
        seats=3,
        candidates=["张建国", "李秀英", "王强", "刘芳"],
        voters_entitled=10,
        voters_present=9,
        elected=[("张建国", 9), ("李秀英", 8), ("王强", 6)],
        secretary_name="张建国",
        today=TODAY,
    )
    values.update(changes)
    return election_record(actor=actor, organization=organization, **values)


def test_election_starts_the_new_term_and_is_audited(termed):
    branch = termed.branch_a1
    old_start = branch.term_started_on
    election = elect(termed, branch, actor=termed.users["secretary_a1"])
    branch.refresh_from_db()
    assert branch.term_started_on == TODAY and branch.term_years == 5
    assert branch.secretary_name == "张建国"
    assert election.previous_term_started_on == old_start
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"terms.election_record", "organization.update"} <= actions
    update = AuditEvent.objects.filter(action="organization.update", object_id=str(branch.pk)).first()
    assert update.after["term_started_on"] == TODAY.isoformat()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"candidates": ["张建国", "李秀英", "王强"]}, "candidates"),
        ({"voters_present": 8, "elected": [("张建国", 8), ("李秀英", 8), ("王强", 6)]}, "voters_present"),
        ({"elected": [("张建国", 9), ("李秀英", 8), ("王强", 4)]}, "elected"),
        ({"term_years": 3}, "term_years"),  # a village branch serves 5 years
        ({"secretary_name": "刘芳"}, "secretary_name"),
    ],
)
def test_a_broken_rule_writes_nothing(termed, changes, field):
    branch = termed.branch_a1
    before = branch.term_started_on
    with pytest.raises(ValidationError) as caught:
        elect(termed, branch, **changes)
    assert field in caught.value.message_dict
    branch.refresh_from_db()
    assert branch.term_started_on == before
    assert (
        not Election.objects.exists() and not AuditEvent.objects.filter(action__startswith="terms.").exists()
    )


def test_groups_do_not_elect_and_others_cannot_record(termed):
    with pytest.raises(ValidationError):
        elect(termed, termed.group_a1)
    with pytest.raises(ScopeDenied):
        elect(termed, termed.branch_a2, actor=termed.users["secretary_a1"])


def test_postponement_is_the_superiors_and_moves_the_due_date(termed):
    branch = termed.branch_a1
    ends = branch.term_ends_on
    with pytest.raises(ScopeDenied):
        term_postpone(
            actor=termed.users["secretary_a1"],
            organization=branch,
            postponed_to=ends + dt.timedelta(days=90),
            reason="村“两委”换届统一安排",
            approved_by="甲镇党委",
            approved_on=TODAY,
        )
    with pytest.raises(ValidationError) as caught:
        term_postpone(
            actor=termed.users["township_a_admin"],
            organization=branch,
            postponed_to=ends.replace(year=ends.year + 1) + dt.timedelta(days=1),
            reason="统一安排",
            approved_by="甲镇党委",
            approved_on=TODAY,
        )
    assert "postponed_to" in caught.value.message_dict
    term_postpone(
        actor=termed.users["township_a_admin"],
        organization=branch,
        postponed_to=ends + dt.timedelta(days=90),
        reason="村“两委”换届统一安排",
        approved_by="甲镇党委",
        approved_on=TODAY,
    )
    term = organization_term(user=termed.users["secretary_a1"], organization=branch)
    assert term.due_on == ends + dt.timedelta(days=90)
    assert AuditEvent.objects.filter(action="terms.postpone").count() == 1
    calendar = term_calendar(
        user=termed.users["township_a_admin"], organization=termed.township_a, today=TODAY
    )
    assert [row.organization.code for row in calendar.overdue] == []
    assert branch.code in [row.organization.code for row in calendar.due_soon]
    # The next election starts a new term: the old postponement no longer applies.
    elect(termed, branch)
    branch.refresh_from_db()
    term = organization_term(user=termed.users["secretary_a1"], organization=branch)
    assert term.in_force is None and term.due_on == branch.term_ends_on
    assert TermPostponement.objects.count() == 1


def test_calendar_lists_overdue_and_due_soon_within_reach(termed):
    calendar = term_calendar(user=termed.users["county_admin"], organization=termed.county, today=TODAY)
    assert [row.organization.code for row in calendar.overdue] == ["TB01", "TA01"]
    assert [row.organization.code for row in calendar.due_soon] == ["TA02"]
    assert calendar.unknown == 2  # the county and township B have no term on file
    by_kind = {row["kind"]: row for row in calendar.by_kind}
    assert by_kind["branch"]["overdue"] == 2 and by_kind["branch"]["due_soon"] == 1
    mine = term_calendar(user=termed.users["township_a_admin"], organization=termed.township_a, today=TODAY)
    assert [row.organization.code for row in mine.overdue] == ["TA01"]
    # Township A's reach ends at its own subtree, even when asked about the county.
    wide = term_calendar(user=termed.users["township_a_admin"], organization=termed.county, today=TODAY)
    assert {row.organization.code for row in wide.overdue + wide.due_soon} == {"TA01", "TA02"}


def test_calendar_queries_do_not_grow_with_the_tree(termed, django_assert_num_queries):
    user = termed.users["county_admin"]
    # One query for the user's grants (cached on the user), then three.
    with django_assert_num_queries(4):
        term_calendar(user=user, organization=termed.county, today=TODAY)
    for index in range(5):
        branch = organization_create(
            actor=None,
            parent=termed.township_b,
            code=f"TBX{index}",
            name=f"乙镇新村{index}党支部",
            kind="branch",
            sector="rural",
            term_started_on=dt.date(TODAY.year - 5, 1, 1),
            term_years=5,
        )
        term_postpone(
            actor=None,
            organization=branch,
            postponed_to=branch.term_ends_on + dt.timedelta(days=30),
            reason="统一安排",
            approved_by="乙镇党委",
            approved_on=TODAY,
        )
    with django_assert_num_queries(3):
        calendar = term_calendar(user=user, organization=termed.county, today=TODAY)
    assert len(calendar.overdue) >= 2
