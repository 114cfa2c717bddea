import datetime as dt

import pytest

from dangjian.orgs.rules import OrgFigures, org_warnings

TODAY = dt.date(2026, 11, 23)


def codes(**kw):
    defaults = dict(
        kind="branch", full_members=5, probationary_members=0, has_committee=False, term_ends_on=None
    )
    defaults.update(kw)
    return [w.code for w in org_warnings(OrgFigures(**defaults), TODAY)]


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        ({"full_members": 50}, ["committee_missing"]),
        ({"full_members": 50, "has_committee": True}, []),
        ({"full_members": 50, "probationary_members": 1, "has_committee": True}, ["branch_too_large"]),
        ({"full_members": 6}, []),
        ({"full_members": 7}, ["committee_missing"]),
        ({"full_members": 7, "has_committee": True}, []),
        ({"full_members": 3}, []),
        ({"full_members": 2, "probationary_members": 4}, ["too_few_full_members"]),
        ({"kind": "joint_branch", "full_members": 2}, []),
        ({"kind": "committee", "full_members": 0}, []),
        ({"term_ends_on": TODAY + dt.timedelta(days=91)}, []),
        ({"term_ends_on": TODAY + dt.timedelta(days=90)}, ["term_ending"]),
        ({"term_ends_on": TODAY}, ["term_ending"]),
        ({"term_ends_on": TODAY - dt.timedelta(days=1)}, ["term_ended"]),
        ({"kind": "group", "full_members": 0, "term_ends_on": TODAY - dt.timedelta(days=1)}, []),
        ({"full_members": 0, "is_active": False}, []),
    ],
)
def test_warnings_at_each_boundary(figures, expected):
    assert codes(**figures) == expected
