"""评星晋级: community branches rated 1–5 stars from score lines the county sets, stored on
the signed assessment with the change from last year; shown on the pages."""

import datetime as dt
import html
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dangjian.assessment import rules
from dangjian.assessment import services as svc
from dangjian.assessment.choices import GradeChange
from dangjian.assessment.models import ChecklistTemplate
from dangjian.core.testing.world import PASSWORD
from dangjian.orgs.choices import Sector

LINES = rules.DEFAULT_STAR_LINES


@pytest.mark.parametrize(
    ("percent", "stars"),
    [
        (D(100), 5),
        (D(95), 5),
        (D("94.99"), 4),
        (D(85), 4),
        (D("84.99"), 3),
        (D(75), 3),
        (D("74.99"), 2),
        (D(60), 2),
        (D("59.99"), 1),
        (D(0), 1),
    ],
)
def test_stars_at_each_line(percent, stars):
    assert rules.stars_for(percent, LINES) == stars


@pytest.mark.parametrize(
    ("lines", "ok"),
    [
        ((), True),
        (LINES, True),
        ((D(100), D(99), D(98), D(1)), True),
        ((D(95), D(85), D(75)), False),
        ((D(95), D(95), D(75), D(60)), False),
        ((D(101), D(85), D(75), D(60)), False),
        ((D(95), D(85), D(75), D(0)), False),
    ],
)
def test_star_lines_descend_within_0_to_100(lines, ok):
    assert (rules.star_lines_error(lines) is None) is ok


@pytest.mark.parametrize(
    ("previous", "current", "change"),
    [(None, 3, GradeChange.NEW), (3, 4, GradeChange.UP), (4, 4, GradeChange.SAME), (5, 2, GradeChange.DOWN)],
)
def test_more_stars_is_a_step_up(previous, current, change):
    assert rules.star_change(previous, current) == change


def test_only_the_community_default_rates_stars(world):
    svc.checklist_defaults_install(actor=None, owner=world.county, year=2026)
    rated = {t.sector for t in ChecklistTemplate.objects.all() if t.star_lines}
    assert rated == {Sector.COMMUNITY}
    assert ChecklistTemplate.objects.get(sector=Sector.COMMUNITY).stars == LINES


ITEMS = [svc.ItemSpec(area="organization", title="支部班子健全", points=D(100))]


def community(world):
    from dangjian.orgs.services import organization_create

    return organization_create(
        actor=None,
        parent=world.township_a,
        code="TA09",
        name="甲镇幸福社区党支部",
        kind="branch",
        sector="community",
    )


def sign(world, branch, year, score):
    assessment = svc.assessment_start(actor=None, organization=branch, year=year)
    svc.self_check_record(actor=None, assessment=assessment, number=1, result="met", evidence="档案")
    svc.self_check_submit(actor=None, assessment=assessment, today=dt.date(year, 12, 1))
    svc.assessment_score(actor=None, assessment=assessment, number=1, score=D(score))
    return svc.assessment_sign_off(
        actor=world.users["township_a_admin"], assessment=assessment, today=dt.date(year, 12, 2)
    )


def test_stars_are_stored_on_the_signed_assessment_with_the_change(world):
    svc.checklist_template_create(
        actor=None,
        owner=world.county,
        sector=Sector.COMMUNITY,
        year=2025,
        name="社区清单",
        items=ITEMS,
        star_lines=LINES,
    )
    branch = community(world)
    first = sign(world, branch, 2025, "84.5")
    assert (first.stars, first.previous_stars, first.star_change) == (3, None, GradeChange.NEW)
    second = sign(world, branch, 2026, 95)
    assert (second.stars, second.previous_stars, second.star_change) == (5, 3, GradeChange.UP)
    assert second.grade == 1  # the class is kept alongside the stars


def test_a_checklist_without_lines_rates_no_stars(world):
    svc.checklist_template_create(
        actor=None, owner=world.county, sector=Sector.RURAL, year=2026, name="农村清单", items=ITEMS
    )
    signed = sign(world, world.branch_a1, 2026, 100)
    assert (signed.stars, signed.star_change) == (None, "")


def test_bad_lines_are_refused(world):
    with pytest.raises(ValidationError, match="五星线 > 四星线"):
        svc.checklist_template_create(
            actor=None,
            owner=world.county,
            sector=Sector.COMMUNITY,
            year=2026,
            name="社区清单",
            items=ITEMS,
            star_lines=(D(60), D(75), D(85), D(95)),
        )
    assert not ChecklistTemplate.objects.exists()


def test_stars_on_the_branch_page_and_in_the_distribution(world, client):
    template = svc.checklist_template_create(
        actor=None, owner=world.county, sector=Sector.COMMUNITY, year=2026, name="社区清单", items=ITEMS
    )
    client.login(username="county_admin", password=PASSWORD)
    url = reverse("assessment:template-settings", args=[template.pk])
    form = {
        "set-name": "社区清单",
        "set-grade_one_min": "90",
        "set-grade_two_min": "75",
        "set-grade_three_min": "60",
        "set-star_lines": "90、80、70、50",
    }
    assert client.post(url, form | {"set-star_lines": "90、八十"}).status_code == 400
    assert client.post(url, form).status_code == 302
    template.refresh_from_db()
    assert template.star_lines == ["90", "80", "70", "50"]
    signed = sign(world, community(world), 2026, 82)
    assert signed.stars == 4
    page = html.unescape(client.get(reverse("assessment:branch", args=["TA09", 2026])).content.decode())
    assert "评星晋级：★★★★☆（4星）· 首次定级" in " ".join(page.split()).replace(
        '<strong title="4星">', ""
    ).replace("</strong>", "")
    township = html.unescape(
        client.get(reverse("assessment:distribution", args=["TA", 2026])).content.decode()
    )
    assert "评星晋级：5星 0 · 4星 1 · 3星 0" in township
    county = html.unescape(client.get(reverse("assessment:distribution", args=["C1", 2026])).content.decode())
    assert "4星 1" in county
    # Another township's administrator sees neither the branch nor its stars.
    client.logout()
    client.login(username="township_b_admin", password=PASSWORD)
    assert client.get(reverse("assessment:branch", args=["TA09", 2026])).status_code == 404
    assert client.get(reverse("assessment:distribution", args=["TA", 2026])).status_code == 404


def test_stars_in_the_township_year_report(world, client):
    svc.checklist_template_create(
        actor=None,
        owner=world.county,
        sector=Sector.COMMUNITY,
        year=2026,
        name="社区清单",
        items=ITEMS,
        star_lines=LINES,
    )
    sign(world, community(world), 2026, 86)
    client.login(username="township_a_admin", password=PASSWORD)
    page = html.unescape(client.get(reverse("assessment:report", args=["TA", 2026])).content.decode())
    assert "评星晋级：5星0个，4星1个，3星0个，2星0个，1星0个。" in page
    assert '<span title="4星">★★★★☆</span> 首次定级' in page
