"""Organization warnings read an approved postponement of the current term's election
through a subquery: the postponed wording once recorded, none for a previous term's, and
the member figures beside it never multiplied."""

import datetime as dt

from django.utils import timezone

from dangjian.assessment.services import org_figures
from dangjian.core.dates import add_years
from dangjian.orgs.selectors import organization_get, organization_row, warnings_in_scope
from dangjian.orgs.services import organization_update
from dangjian.terms.models import TermPostponement
from dangjian.terms.services import term_postpone

TODAY = timezone.localdate()


def ended_ten_days_ago(world):
    """Branch A1 (village, 5-year terms) whose term ended ten days ago."""
    started = add_years(TODAY - dt.timedelta(days=10), -5)
    organization_update(actor=None, organization=world.branch_a1, term_started_on=started, term_years=5)
    world.branch_a1.refresh_from_db()
    return world.branch_a1


def term_warning(user, code, django_assert_max_num_queries):
    # The user's grants (read once per user) and the one list query, postponements included.
    with django_assert_max_num_queries(2):
        rows, _ = warnings_in_scope(user)
    [row] = [row for row in rows if row.organization.code == code]
    return row, [w for w in row.warnings if w.code.startswith("term_")]


def test_warnings_in_scope_show_the_approved_postponement(world, django_assert_max_num_queries):
    branch = ended_ten_days_ago(world)
    admin = world.users["township_a_admin"]
    _, [before] = term_warning(admin, branch.code, django_assert_max_num_queries)
    assert before.code == "term_ended" and before.severity == "danger"

    postponed_to = branch.term_ends_on + dt.timedelta(days=90)
    term_postpone(
        actor=admin,
        organization=branch,
        postponed_to=postponed_to,
        reason="村“两委”换届统一安排",
        approved_by="甲镇党委",
        approved_on=TODAY,
    )
    _, [after] = term_warning(admin, branch.code, django_assert_max_num_queries)
    assert after.code == "term_postponed" and after.severity == "warning"
    assert f"经批准延期至{postponed_to:%Y-%m-%d}换届（还有80天）" in after.message
    detail = organization_row(organization_get(admin, branch.code))
    assert [w.code for w in detail.warnings if w.code.startswith("term_")] == ["term_postponed"]
    # The sign-off of an assessment reads the same figures (its automatic term item).
    assert org_figures(branch).term_postponed_to == postponed_to


def test_latest_approval_counts_and_member_figures_stay_whole(world, django_assert_max_num_queries):
    branch = ended_ten_days_ago(world)
    admin = world.users["township_a_admin"]
    before, _ = term_warning(admin, branch.code, django_assert_max_num_queries)
    for days, approved_on in ((30, TODAY - dt.timedelta(days=5)), (60, TODAY - dt.timedelta(days=1))):
        TermPostponement.objects.create(
            organization=branch,
            term_started_on=branch.term_started_on,
            term_ends_on=branch.term_ends_on,
            postponed_to=branch.term_ends_on + dt.timedelta(days=days),
            reason="统一安排",
            approved_by="甲镇党委",
            approved_on=approved_on,
        )
    after, [warning] = term_warning(admin, branch.code, django_assert_max_num_queries)
    assert f"{branch.term_ends_on + dt.timedelta(days=60):%Y-%m-%d}" in warning.message
    assert (after.full_members, after.probationary_members) == (
        before.full_members,
        before.probationary_members,
    )


def test_postponement_of_a_previous_term_is_ignored(world, django_assert_max_num_queries):
    branch = ended_ten_days_ago(world)
    admin = world.users["township_a_admin"]
    term_postpone(
        actor=admin,
        organization=branch,
        postponed_to=branch.term_ends_on + dt.timedelta(days=90),
        reason="统一安排",
        approved_by="甲镇党委",
        approved_on=TODAY,
    )
    # Another term on file (started a day later, so it too has ended): the approval was for the old one.
    organization_update(
        actor=None, organization=branch, term_started_on=branch.term_started_on + dt.timedelta(days=1)
    )
    _, [warning] = term_warning(admin, branch.code, django_assert_max_num_queries)
    assert warning.code == "term_ended" and "延期" not in warning.message
