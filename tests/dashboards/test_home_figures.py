"""The home page's figures: the same answers as the orgs selectors, reading only the user's reach."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.dashboards.selectors import member_figures, scope_root_rows
from dangjian.members.models import Member
from dangjian.orgs.selectors import roots_with_figures


def test_root_rows_match_the_orgs_selector_at_every_grant(world):
    for name in ("county_admin", "township_a_admin", "township_b_admin"):
        user = world.users[name]
        expected = [
            (r.organization.pk, r.full_members, r.probationary_members) for r in roots_with_figures(user)
        ]
        got = [(r.organization.pk, r.full_members, r.probationary_members) for r in scope_root_rows(user)]
        assert got == expected and got, name
        assert [r.warnings for r in scope_root_rows(user)] == [r.warnings for r in roots_with_figures(user)]


def test_root_rows_read_only_the_members_under_the_roots(world):
    user = world.users["township_a_admin"]
    with CaptureQueriesContext(connection) as queries:
        scope_root_rows(user)
    member_table = Member._meta.db_table
    (aggregate,) = [q["sql"] for q in queries if f'FROM "{member_table}"' in q["sql"]]
    assert " WHERE " in aggregate and "LIKE" in aggregate.split(" WHERE ", 1)[1]


def test_member_figures_add_up_in_one_scan(world):
    user = world.users["county_admin"]
    with CaptureQueriesContext(connection) as queries:
        figures = member_figures(user)
    member_table = Member._meta.db_table
    assert len([q for q in queries if f'FROM "{member_table}"' in q["sql"]]) == 1
    on_roll = Member.objects.restrict(user, "view").filter(status="active")
    assert figures["total"] == on_roll.count() > 0
    assert figures["full"] == on_roll.filter(category="full").count()
    assert sum(row["value"] for row in figures["education"]) == figures["total"]
    assert sum(row["value"] for row in figures["ages"]) == figures["total"]


def test_orgs_root_figures_read_only_the_members_under_the_roots(world):
    """The organization tree page's roots: the aggregate is restricted by a WHERE on the roots'
    paths, so a township does not read the province's members."""
    user = world.users["township_a_admin"]
    with CaptureQueriesContext(connection) as queries:
        rows = roots_with_figures(user)
    member_table = Member._meta.db_table
    (aggregate,) = [q["sql"] for q in queries if f'FROM "{member_table}"' in q["sql"]]
    assert " WHERE " in aggregate and "LIKE" in aggregate.split(" WHERE ", 1)[1]
    (row,) = rows
    on_roll = Member.objects.filter(organization__path__startswith=row.organization.path, status="active")
    assert (row.full_members, row.probationary_members) == (
        on_roll.filter(category="full").count(),
        on_roll.filter(category="probationary").count(),
    )
