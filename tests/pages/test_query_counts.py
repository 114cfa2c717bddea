"""Pages cost the same number of queries however many rows they show."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core.testing.world import make_member
from dangjian.members.choices import Category
from dangjian.orgs.choices import OrgKind, Sector
from dangjian.orgs.services import organization_create


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def grow(world, branches=6, members_per_branch=8):
    """More branches under township A, each with members of several kinds, and a term ending."""
    for number in range(branches):
        branch = organization_create(
            actor=None,
            parent=world.township_a,
            code=f"TAX{number}",
            name=f"甲镇新建第{number}党支部",
            kind=OrgKind.BRANCH,
            sector=Sector.COMMUNITY if number % 2 else Sector.PRIVATE_ENTERPRISE,
            term_started_on=dt.date(2021, 1, 1),
            term_years=3,
        )
        for index in range(members_per_branch):
            make_member(
                branch,
                name=f"成员{number}{index}",
                birth_date=dt.date(1940 + index * 5, 3, 1),
                sex="F" if index % 2 else "M",
                education="bachelor" if index % 3 else "high_school",
                category=Category.PROBATIONARY if index == 0 else Category.FULL,
                joined_on=dt.date(2025, 1, 1) if index == 0 else dt.date(2000, 7, 1),
                converted_on=None if index == 0 else dt.date(2001, 7, 1),
            )
    for index in range(members_per_branch):
        make_member(world.branch_a1, name=f"东村{index}")


def test_pages_query_count_is_constant(world, client_for):
    client = client_for("township_a_admin")
    urls = [
        reverse("home"),
        reverse("orgs:tree"),
        reverse("orgs:detail", args=["TA"]),
        reverse("orgs:detail", args=["TA01"]),
        reverse("orgs:children", args=["TA"]),
        reverse("members:list"),
        reverse("members:list") + "?org=TA&sex=F&age_band=40-49",
        reverse("members:detail", args=[world.members["zhang"].pk]),
    ]
    before = {url: count_queries(client, url) for url in urls}
    grow(world)
    after = {url: count_queries(client, url) for url in urls}
    assert after == before


def test_grown_rows_are_shown(world, client_for):
    """The constant count above is of pages that really list the new rows."""
    grow(world, branches=2, members_per_branch=3)
    client = client_for("township_a_admin")
    children = client.get(reverse("orgs:children", args=["TA"])).content.decode()
    assert "甲镇新建第1党支部" in children
    assert "党员3名" in children
    members = client.get(reverse("members:list") + "?org=TAX1").content.decode()
    assert "成员10" in members and "成员12" in members
    home = client.get(reverse("home")).content.decode()
    assert "任期已于2024-01-01届满" in home
