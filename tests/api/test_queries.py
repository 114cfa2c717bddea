"""The API lists cost a fixed number of queries whatever the number of rows."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.testing.world import make_member
from dangjian.orgs.choices import OrgKind, Sector
from dangjian.orgs.services import organization_create


def count_queries(client, url: str, rows: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"] if isinstance(body, dict) else body) == rows
    return len(queries)


def add_branches(parent, start: int, stop: int) -> None:
    for number in range(start, stop):
        branch = organization_create(
            actor=None,
            parent=parent,
            code=f"TX{number:02d}",
            name=f"新区第{number}党支部",
            kind=OrgKind.BRANCH,
            sector=Sector.COMMUNITY,
            term_started_on=parent.term_started_on,
            term_years=3,
        )
        make_member(branch, name=f"党员{number}")


def new_committee(world):
    return organization_create(
        actor=None,
        parent=world.township_a,
        code="TX",
        name="新区党委",
        kind=OrgKind.COMMITTEE,
        sector=Sector.COMMUNITY,
    )


def test_org_list_queries_do_not_grow_with_rows(world, api):
    committee = new_committee(world)
    client = api("township_a_admin")
    url = "/api/orgs/?parent=TX&page_size=100"
    add_branches(committee, 0, 3)
    with_three = count_queries(client, url, 3)
    add_branches(committee, 3, 30)
    assert count_queries(client, url, 30) == with_three


def test_children_queries_do_not_grow_with_rows(world, api):
    committee = new_committee(world)
    client = api("township_a_admin")
    add_branches(committee, 0, 3)
    with_three = count_queries(client, "/api/orgs/TX/children/", 3)
    add_branches(committee, 3, 30)
    assert count_queries(client, "/api/orgs/TX/children/", 30) == with_three


def test_member_list_queries_do_not_grow_with_rows(world, api):
    client = api("township_a_admin")
    url = "/api/members/?org=TA02&page_size=100"
    for number in range(2):
        make_member(world.branch_a2, name=f"西村党员{number}")
    with_three = count_queries(client, url, 3)
    for number in range(2, 29):
        make_member(world.branch_a2, name=f"西村党员{number}")
    assert count_queries(client, url, 30) == with_three
    # Rows in a 党小组 join one more table, not one more query per row.
    for number in range(5):
        make_member(world.branch_a1, name=f"东村党员{number}", group=world.group_a1)
    assert count_queries(client, "/api/members/?org=TA&page_size=100", 37) == with_three
