"""The rollup is checked against a brute-force computation written independently of
compliance.py (plain loops over the generated records), and its query count is pinned."""

import datetime as dt
import itertools

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.orglife.choices import ActivityKind as K
from dangjian.orglife.choices import ActivityStatus
from dangjian.orglife.compliance import compliance_report
from dangjian.orglife.models import Activity, ActivityKindEntry
from dangjian.orglife.periods import window_for
from dangjian.orglife.services import local_rule_set_create
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.services import organization_create
from tests.orglife.strategies import branch_shapes

_codes = itertools.count(1)
KINDS = [
    K.GENERAL_MEETING,
    K.COMMITTEE_MEETING,
    K.GROUP_MEETING,
    K.PARTY_LECTURE,
    K.THEME_DAY,
    K.LIFE_MEETING,
    K.MEMBER_REVIEW,
    K.HEART_TALK,
]
# (code, kind, months per period, minimum, applies to, secretary only): domain.md's statutory set.
STATUTORY = [
    ("general_meeting", K.GENERAL_MEETING, 3, 1, "all", False),
    ("committee_meeting", K.COMMITTEE_MEETING, 1, 1, "committee", False),
    ("group_meeting", K.GROUP_MEETING, 1, 1, "group", False),
    ("party_lecture", K.PARTY_LECTURE, 3, 1, "all", False),
    ("party_lecture_secretary", K.PARTY_LECTURE, 12, 1, "all", True),
    ("theme_day", K.THEME_DAY, 1, 1, "all", False),
    ("life_meeting", K.LIFE_MEETING, 12, 1, "all", False),
    ("member_review", K.MEMBER_REVIEW, 12, 1, "all", False),
    ("heart_talk", K.HEART_TALK, 12, 1, "all", False),
]
SEVERITY = {"met": 0, "due": 1, "missed": 2}


def add_branch(parent, sector, has_committee, groups):
    number = next(_codes)
    branch = organization_create(
        actor=None,
        parent=parent,
        code=f"GB{number}",
        name=f"生成党支部{number}",
        kind=OrgKind.BRANCH,
        sector=sector,
        has_committee=has_committee,
    )
    made = [
        organization_create(
            actor=None,
            parent=branch,
            code=f"GB{number}G{g}",
            name=f"生成党小组{number}-{g}",
            kind=OrgKind.GROUP,
            sector=sector,
        )
        for g in range(groups)
    ]
    return branch, made


def add_records(records):
    """records: (branch, group or None, kinds, day, current, submitted, secretary)."""
    activities = Activity.objects.bulk_create(
        [
            Activity(
                organization=branch,
                group=group,
                held_on=day,
                is_current=current,
                status=ActivityStatus.SUBMITTED if submitted else ActivityStatus.DRAFT,
                secretary_spoke=secretary,
                topic="生成",
            )
            for branch, group, kinds, day, current, submitted, secretary in records
        ]
    )
    ActivityKindEntry.objects.bulk_create(
        [
            ActivityKindEntry(activity=a, kind=kind)
            for a, record in zip(activities, records, strict=True)
            for kind in record[2]
        ]
    )


def brute_force(branches, records, year, first_month, last_month, today):
    """branches: (branch, sector, has_committee, groups). Returns per-branch {rule: (required, held, status)}."""
    result = {}
    for branch, _sector, has_committee, groups in branches:
        judged = {}
        for code, kind, months, minimum, applies_to, secretary_only in STATUTORY:
            if applies_to == "committee" and not has_committee:
                continue
            units = [("group", g) for g in groups] if applies_to == "group" else [("branch", branch)]
            if not units:
                continue
            required = held = 0
            status = "met"
            for index in range((first_month - 1) // months, (last_month - 1) // months + 1):
                start = dt.date(year, index * months + 1, 1)
                end_month = index * months + months
                end = (
                    dt.date(year + 1, 1, 1) if end_month == 12 else dt.date(year, end_month + 1, 1)
                ) - dt.timedelta(days=1)
                for level, unit in units:
                    count = sum(
                        1
                        for r_branch, r_group, r_kinds, day, current, submitted, secretary in records
                        if current
                        and submitted
                        and kind in r_kinds
                        and start <= day <= end
                        and (r_group == unit if level == "group" else r_branch == unit)
                        and (secretary or not secretary_only)
                    )
                    required += minimum
                    held += min(count, minimum)
                    here = "met" if count >= minimum else ("missed" if end < today else "due")
                    status = max(status, here, key=SEVERITY.__getitem__)
            judged[code] = (required, held, status)
        result[branch.code] = judged
    return result


days_2026 = st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 12, 31))


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_rollup_equals_brute_force_over_branches(world, data):
    shapes = data.draw(branch_shapes(max_size=5))
    quarter = data.draw(st.none() | st.integers(1, 4))
    month = None if quarter else data.draw(st.none() | st.integers(1, 12))
    today = data.draw(
        st.sampled_from(
            [dt.date(2026, 2, 10), dt.date(2026, 7, 1), dt.date(2026, 9, 30), dt.date(2027, 1, 1)]
        )
    )
    with transaction.atomic():
        parents = {"TA": world.township_a, "TB": world.township_b}
        branches = []
        for parent, sector, has_committee, groups in shapes:
            branch, made = add_branch(parents[parent], sector, has_committee, groups)
            branches.append((branch, sector, has_committee, made))
        records = []
        for _ in range(data.draw(st.integers(0, 40))):
            branch, _s, _c, groups = data.draw(st.sampled_from(branches))
            group = data.draw(st.sampled_from([None, *groups]))
            kinds = data.draw(st.sets(st.sampled_from(KINDS), min_size=1, max_size=3))
            records.append(
                (
                    branch,
                    group,
                    sorted(kinds),
                    data.draw(days_2026),
                    data.draw(st.booleans() | st.just(True)),
                    data.draw(st.booleans() | st.just(True)),
                    data.draw(st.booleans()),
                )
            )
        add_records(records)
        window = window_for(2026, quarter, month)
        first_month, last_month = window.start.month, window.end.month
        # The world's own branches take part too, with no records of their own.
        all_branches = [
            (world.branch_a1, "rural", False, [world.group_a1]),
            (world.branch_a2, "rural", False, []),
            (world.branch_b1, "rural", False, []),
            *branches,
        ]
        expected = brute_force(all_branches, records, 2026, first_month, last_month, today)

        county = compliance_report(organization=world.county, window=window, today=today)
        for branch, *_ in all_branches:
            own = compliance_report(organization=branch, window=window, today=today)
            assert {r["rule"]: (r["required"], r["held"], r["status"]) for r in own["rules"]} == expected[
                branch.code
            ]
        statuses = {
            code: max((s for _, _, s in rules.values()), key=SEVERITY.__getitem__, default="met")
            for code, rules in expected.items()
        }
        assert county["branches"] == len(all_branches)
        assert county["met_all"] == sum(s == "met" for s in statuses.values())
        assert county["missed_any"] == sum(s == "missed" for s in statuses.values())
        assert sorted(b["org"] for b in county["failing"]) == sorted(
            code for code, s in statuses.items() if s == "missed"
        )
        for rule in county["rules"]:
            per_branch = [rules[rule["rule"]] for rules in expected.values() if rule["rule"] in rules]
            assert rule["branches"] == len(per_branch)
            assert rule["required"] == sum(r for r, _, _ in per_branch)
            assert rule["held"] == sum(h for _, h, _ in per_branch)
            assert rule["met"] == sum(s == "met" for _, _, s in per_branch)
            assert rule["missed"] == sum(s == "missed" for _, _, s in per_branch)
        assert {r["rule"] for r in county["rules"]} == {code for rules in expected.values() for code in rules}
        # Each township's figures add up to the county's.
        assert sum(child["branches"] for child in county["children"]) == county["branches"]
        assert sum(child["met_all"] for child in county["children"]) == county["met_all"]
        transaction.set_rollback(True)


def test_rollup_query_count_does_not_grow_with_the_subtree(world):
    window = window_for(2026, quarter=3)
    today = dt.date(2026, 11, 23)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            compliance_report(organization=world.county, window=window, today=today)
        return len(captured)

    add_records([(world.branch_a1, None, [K.THEME_DAY], dt.date(2026, 7, 5), True, True, False)])
    small = queries()
    more = [add_branch(world.township_b, "rural", True, 2) for _ in range(12)]
    add_records(
        [
            (branch, groups[0], [K.GROUP_MEETING, K.THEME_DAY], dt.date(2026, m, 5), True, True, False)
            for branch, groups in more
            for m in (7, 8, 9)
        ]
    )
    local_rule_set_create(
        actor=None,
        organization=world.township_b,
        name="乙镇规定",
        effective_from=dt.date(2026, 1, 1),
        rules_data=[
            {"code": "theme_day_5th", "kind": "theme_day", "period": "month", "minimum": 1, "day_of_month": 5}
        ],
    )
    large = queries()
    assert small == large <= 6
    report = compliance_report(organization=world.county, window=window, today=today)
    assert report["branches"] == 15
    assert {r["rule"]: r["met"] for r in report["rules"]}["theme_day_5th"] == 12
