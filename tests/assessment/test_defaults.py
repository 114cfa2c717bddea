"""The default checklists shipped as data: sizes per sector, five basics, 100 points each,
automatic items only where the platform holds the figure, installing twice changes nothing."""

from collections import Counter
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from dangjian.assessment import services as svc
from dangjian.assessment.choices import BasicArea, ScoringMethod
from dangjian.assessment.defaults import AREA_ORDER, TEMPLATE_NAMES, default_items, spread_points
from dangjian.assessment.models import ChecklistTemplate
from dangjian.assessment.rules import AUTOMATIC_METHODS
from dangjian.orgs.choices import Sector


@pytest.mark.parametrize(
    ("sector", "count"),
    [
        (Sector.RURAL, 20),
        (Sector.COMMUNITY, 20),
        (Sector.GOVERNMENT, 18),
        (Sector.PRIVATE_ENTERPRISE, 18),
        (Sector.SOCIAL_ORG, 18),
        (Sector.SCHOOL, 16),
        (Sector.SOE, 15),
    ],
)
def test_each_sector_has_its_number_of_items_in_the_five_basics(sector, count):
    items = default_items(sector)
    assert len(items) == count
    assert sum(points for _, points in items) == D(100)
    areas = [item.area for item, _ in items]
    assert set(areas) == set(BasicArea.values)
    # Grouped: the areas appear in the order of the five basics, each as one run.
    assert areas == sorted(areas, key=lambda a: AREA_ORDER.index(BasicArea(a)))
    titles = [item.title for item, _ in items]
    assert len(set(titles)) == len(titles)


@pytest.mark.parametrize("sector", list(TEMPLATE_NAMES))
def test_manual_items_name_their_evidence_and_automatic_items_are_ones_the_rules_compute(sector):
    for item, points in default_items(sector):
        assert item.description
        assert points > 0 and points % D("0.5") == 0
        if item.method == ScoringMethod.MANUAL:
            assert item.evidence_required, item.title
        else:
            assert item.method in AUTOMATIC_METHODS


@pytest.mark.parametrize("count", [1, 3, 7, 15, 16, 18, 20, 33])
def test_spread_points_always_adds_up_to_the_total_in_half_points(count):
    points = spread_points(count)
    assert sum(points) == D(100)
    assert max(points) - min(points) <= D("0.5")


def test_install_creates_one_template_per_sector_and_a_second_run_changes_nothing(world):
    created = svc.checklist_defaults_install(actor=world.users["county_admin"], owner=world.county, year=2026)
    assert len(created) == len(TEMPLATE_NAMES)
    sizes = Counter(t.items.count() for t in created)
    assert sizes == Counter({20: 2, 18: 5, 16: 2, 15: 1})
    again = svc.checklist_defaults_install(actor=world.users["county_admin"], owner=world.county, year=2026)
    assert again == []
    assert ChecklistTemplate.objects.filter(owner=world.county, year=2026).count() == len(TEMPLATE_NAMES)


def test_install_is_refused_outside_the_users_scope_and_for_unknown_sectors(world):
    from dangjian.core.exceptions import ScopeDenied

    with pytest.raises(ScopeDenied):
        svc.checklist_defaults_install(actor=world.users["township_a_admin"], owner=world.county, year=2026)
    with pytest.raises(ValidationError, match="未知的单位属性"):
        svc.checklist_defaults_install(actor=None, owner=world.county, year=2026, sectors=["farm"])
    assert not ChecklistTemplate.objects.exists()


def test_default_rural_checklist_runs_a_whole_assessment(world):
    """A branch self-checks against the installed default and the superior signs it off:
    the automatic items are computed, the percentage equals the score (100 points)."""
    svc.checklist_defaults_install(actor=None, owner=world.county, year=2026, sectors=[Sector.RURAL])
    import datetime as dt

    today = dt.date(2026, 12, 1)
    assessment = svc.assessment_start(actor=None, organization=world.branch_a1, year=2026)
    for entry in assessment.entries.select_related("item"):
        svc.self_check_record(
            actor=None, assessment=assessment, number=entry.item.number, result="met", evidence="见档案"
        )
    svc.self_check_submit(actor=None, assessment=assessment, today=today)
    manual = assessment.entries.select_related("item").filter(item__method=ScoringMethod.MANUAL)
    for entry in manual:
        svc.assessment_score(
            actor=world.users["township_a_admin"],
            assessment=assessment,
            number=entry.item.number,
            score=entry.item.points,
        )
    signed = svc.assessment_sign_off(
        actor=world.users["township_a_admin"], assessment=assessment, today=today
    )
    assert signed.max_score == D(100)
    assert signed.percent == signed.total_score


def test_command_installs_for_an_organization_code(world, capsys):
    call_command("load_default_checklists", "--org", "C1", "--year", "2027")
    assert ChecklistTemplate.objects.filter(owner=world.county, year=2027).count() == len(TEMPLATE_NAMES)
    assert "农村党支部规范化建设清单（20项）" in capsys.readouterr().out
