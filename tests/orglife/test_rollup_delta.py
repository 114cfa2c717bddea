"""The incremental rollup recompute updates a committee's row by differences (old row − old rows
of its changed children + their new rows): after any days of submitted records, corrections,
branches moved, dissolved or added, townships created or moved and local rules that redefine
a statutory code, the rows it leaves equal a full re-sum exactly; a plain day's records never
re-sum a committee; a committee where a code has two definitions is re-summed instead."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.orglife import rollups
from dangjian.orglife.choices import ActivityStatus
from dangjian.orglife.models import Activity, ActivityKindEntry
from dangjian.orglife.rollups import Merger
from dangjian.orglife.services import compliance_figures_recompute, local_rule_set_create
from dangjian.orgs.choices import OrgKind, OrgStatus, Sector
from dangjian.orgs.models import Organization
from dangjian.orgs.services import organization_create, organization_dissolve, organization_move
from tests.orglife.strategies import branch_shapes

from .test_precomputed_rollups import records_strategy, rollup_rows
from .test_rollup import KINDS, add_branch, add_records, days_2026

OPERATIONS = ["records", "correct", "move", "dissolve", "add", "township", "rules", "move_township"]


def stamp_new_records():
    Activity.objects.filter(topic="生成", submitted_at__isnull=True, status=ActivityStatus.SUBMITTED).update(
        submitted_at=timezone.now()
    )


def correct_some(data, count):
    """Corrections as record_correct leaves them: the old version no longer current, a new
    submitted version (another day, other kinds) pointing back to it."""
    current = list(
        Activity.objects.filter(topic="生成", is_current=True, status=ActivityStatus.SUBMITTED).order_by("pk")
    )
    if not current:
        return
    for old in data.draw(st.lists(st.sampled_from(current), max_size=count, unique=True)):
        old.is_current = False
        old.save(update_fields=["is_current"])
        new = Activity.objects.create(
            organization_id=old.organization_id,
            group_id=old.group_id,
            held_on=data.draw(days_2026),
            is_current=True,
            status=ActivityStatus.SUBMITTED,
            secretary_spoke=old.secretary_spoke,
            topic="生成",
            previous=old,
            version=old.version + 1,
            submitted_at=timezone.now(),
        )
        kinds = sorted(data.draw(st.sets(st.sampled_from(KINDS), min_size=1, max_size=3)))
        ActivityKindEntry.objects.bulk_create([ActivityKindEntry(activity=new, kind=kind) for kind in kinds])


def active_branches(world):
    return list(
        Organization.objects.filter(
            path__startswith=world.county.path, kind=OrgKind.BRANCH, status=OrgStatus.ACTIVE
        ).order_by("path")
    )


def townships(world):
    return list(
        Organization.objects.filter(
            path__startswith=world.county.path, kind=OrgKind.COMMITTEE, depth__gt=world.county.depth
        ).order_by("path")
    )


def a_day(world, data, branches, number):
    """One day's changes, drawn: each operation at most once, in a drawn order."""
    for operation in data.draw(st.lists(st.sampled_from(OPERATIONS), max_size=4, unique=True)):
        live = active_branches(world)
        if operation == "records" and any(b.is_active for b, _ in branches):
            add_records(records_strategy(data, [b for b in branches if b[0].is_active], 8))
        elif operation == "correct":
            correct_some(data, 3)
        elif operation == "move" and live:
            moved = data.draw(st.sampled_from(live))
            targets = [t for t in townships(world) if not moved.path.startswith(t.path)]
            if targets:
                organization_move(
                    actor=None, organization=moved, new_parent=data.draw(st.sampled_from(targets))
                )
        elif operation == "dissolve" and any(b.is_active for b, _ in branches):
            # Generated branches: no members to transfer first.
            gone = data.draw(st.sampled_from([b for b, _ in branches if b.is_active]))
            for group in Organization.objects.filter(path__startswith=gone.path, kind=OrgKind.GROUP):
                organization_dissolve(actor=None, organization=group, dissolved_on=timezone.localdate())
            organization_dissolve(actor=None, organization=gone, dissolved_on=timezone.localdate())
            for branch, _ in branches:
                branch.refresh_from_db()
        elif operation == "add":
            parent = data.draw(st.sampled_from(townships(world)))
            branches.append(add_branch(parent, data.draw(st.sampled_from(["rural", "school"])), True, 1))
        elif operation == "township":
            organization_create(
                actor=None,
                parent=world.county,
                code=f"TN{number}",
                name=f"新设镇党委{number}",
                kind=OrgKind.COMMITTEE,
                sector=Sector.GOVERNMENT,
            )
        elif operation == "rules":
            # A township's or a branch's own definition of a statutory code: two definitions
            # of "theme_day" below the county from then on.
            owner = data.draw(st.sampled_from([*townships(world), *live]))
            local_rule_set_create(
                actor=None,
                organization=owner,
                name=f"本地规定{number}",
                effective_from=data.draw(days_2026),
                rules_data=[{"code": "theme_day", "kind": "theme_day", "period": "month", "minimum": 2}],
            )
        elif operation == "move_township":
            first, *others = townships(world)
            if others:
                organization_move(actor=None, organization=others[-1], new_parent=first)
    for branch, _ in branches:
        branch.refresh_from_db()
    stamp_new_records()


def assert_equals_a_full_resum():
    incremental = rollup_rows()
    with transaction.atomic():
        compliance_figures_recompute(year=2026, full=True)
        assert rollup_rows() == incremental
        transaction.set_rollback(True)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_rows_updated_by_differences_equal_a_full_resum(world, data):
    shapes = data.draw(branch_shapes(max_size=4))
    with transaction.atomic():
        parents = {"TA": world.township_a, "TB": world.township_b}
        branches = [
            add_branch(parents[p], sector, committee, groups) for p, sector, committee, groups in shapes
        ]
        add_records(records_strategy(data, branches, 20))
        stamp_new_records()
        compliance_figures_recompute(year=2026, full=True)
        for number in range(data.draw(st.integers(1, 3))):
            a_day(world, data, branches, number)
            assert compliance_figures_recompute(year=2026).run.mode == "incremental"
            assert_equals_a_full_resum()
        transaction.set_rollback(True)


def no_resum_guard(*args, **kwargs):
    raise AssertionError("re-summed a committee")


def test_a_days_records_update_the_ancestors_by_difference(world, monkeypatch):
    branches = [
        add_branch(world.township_a, "rural", True, 1),
        add_branch(world.township_b, "school", False, 0),
    ]
    add_records([(branches[0][0], None, ["theme_day"], dt.date(2026, 3, 5), True, True, False)])
    stamp_new_records()
    compliance_figures_recompute(year=2026)
    before = rollup_rows()
    monkeypatch.setattr(rollups, "_resum", no_resum_guard)
    monkeypatch.setattr(rollups, "_resum_all", no_resum_guard)
    add_records(
        [
            (branches[0][0], branches[0][1][0], ["group_meeting"], dt.date(2026, 4, 8), True, True, False),
            (branches[1][0], None, ["theme_day", "general_meeting"], dt.date(2026, 9, 5), True, True, True),
        ]
    )
    stamp_new_records()
    result = compliance_figures_recompute(year=2026)
    assert sorted(result.recomputed) == sorted(b.pk for b, _ in branches)
    after = rollup_rows()
    assert after[world.county.pk] != before[world.county.pk]
    monkeypatch.undo()
    assert_equals_a_full_resum()


def test_a_code_with_two_definitions_below_is_resummed(world, monkeypatch):
    local_rule_set_create(
        actor=None,
        organization=world.township_b,
        name="乙镇规定",
        effective_from=dt.date(2026, 1, 1),
        rules_data=[{"code": "theme_day", "kind": "theme_day", "period": "month", "minimum": 2}],
    )
    compliance_figures_recompute(year=2026)
    rows = rollup_rows()
    assert rows[world.county.pk]["x"] == ["theme_day"]
    assert "x" not in rows[world.township_a.pk] and "x" not in rows[world.township_b.pk]
    resummed = []
    real = rollups._resum

    def spy(year, paths, *args):
        resummed.extend(paths)
        return real(year, paths, *args)

    monkeypatch.setattr(rollups, "_resum", spy)
    add_records([(world.branch_a1, None, ["theme_day"], dt.date(2026, 5, 5), True, True, False)])
    stamp_new_records()
    compliance_figures_recompute(year=2026)
    assert resummed == [world.county.path]  # the township by difference, the county re-summed
    monkeypatch.undo()
    assert_equals_a_full_resum()


def test_a_sum_less_a_childs_row_is_the_sum_of_the_others(world):
    add_records(
        [
            (world.branch_a1, None, ["theme_day"], dt.date(2026, 3, 5), True, True, False),
            (world.branch_a2, None, ["general_meeting"], dt.date(2026, 8, 5), True, True, False),
        ]
    )
    stamp_new_records()
    compliance_figures_recompute(year=2026)
    rows = rollup_rows()
    children = list(
        Organization.objects.filter(path__startswith=world.township_a.path, depth=world.township_a.depth + 1)
        .exclude(kind=OrgKind.GROUP)
        .order_by("path")
    )
    for left_out in children:
        everything, others, child = Merger(), Merger(), Merger()
        for organization in children:
            everything.add(rows[organization.pk], organization.sector)
            if organization != left_out:
                others.add(rows[organization.pk], organization.sector)
        child.add(rows[left_out.pk], left_out.sector)
        assert everything.subtract(child)
        assert everything.figures() == others.figures()
    assert not Merger().subtract(child)  # taking away what was never added is refused
