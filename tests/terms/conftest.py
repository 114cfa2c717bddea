import datetime as dt

import pytest
from django.utils import timezone

from dangjian.orgs.services import organization_update

TODAY = timezone.localdate()


@pytest.fixture
def termed(world):
    """Terms on file: branch A1 (village, 5 years) ended 10 days ago, branch A2 ends in two
    months, township A in five years, branch B1 ended 20 days ago."""

    def years_ago(years, days=0):
        return dt.date(TODAY.year - years, TODAY.month, min(TODAY.day, 28)) - dt.timedelta(days=days)

    organization_update(
        actor=None, organization=world.branch_a1, term_started_on=years_ago(5, 10), term_years=5
    )
    organization_update(
        actor=None, organization=world.branch_a2, term_started_on=years_ago(5, -60), term_years=5
    )
    organization_update(
        actor=None, organization=world.township_a, term_started_on=years_ago(0, 1), term_years=5
    )
    organization_update(
        actor=None, organization=world.branch_b1, term_started_on=years_ago(5, 20), term_years=5
    )
    for name in ("branch_a1", "branch_a2", "township_a", "branch_b1"):
        getattr(world, name).refresh_from_db()
    return world
