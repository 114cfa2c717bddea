"""Constant query counts of the pages and API lists added with the checklist, weak-organization,
dispatch-issue, report and export work: the same number of queries with one record as with many."""

import datetime as dt
from decimal import Decimal as D

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from dangjian.assessment import services as asvc
from dangjian.assessment.choices import AssessmentStatus
from dangjian.assessment.models import Assessment, ChecklistTemplate
from dangjian.ledger import services as lsvc
from dangjian.orgs.choices import OrgKind, Sector
from dangjian.orgs.services import organization_create

TODAY = timezone.localdate()
YEAR = TODAY.year
LATER = TODAY + dt.timedelta(days=30)


def grow(world, count, start):
    """`count` more rural branches under township A, each with a confirmed 四类 result, a weak
    record with a two-item plan, a ledger item and a progress note."""
    template = ChecklistTemplate.objects.filter(owner=world.county, sector=Sector.RURAL, year=YEAR).first()
    for n in range(start, start + count):
        branch = organization_create(
            actor=None,
            parent=world.township_a,
            code=f"TQ{n}",
            name=f"测试{n}村党支部",
            kind=OrgKind.BRANCH,
            sector=Sector.RURAL,
        )
        Assessment.objects.create(
            organization=branch,
            year=YEAR,
            template=template,
            status=AssessmentStatus.SIGNED,
            grade=4,
            percent=D(40),
        )
        asvc.weak_org_identify(
            actor=None,
            organization=branch,
            year=YEAR,
            categories=["life"],
            leader_name="王",
            items=[
                asvc.RectificationSpec("a", "b", "c", LATER),
                asvc.RectificationSpec("d", "e", "f", LATER),
            ],
        )
        ledger = lsvc.ledger_create(actor=None, organization=branch, year=YEAR, title="台账")
        item = lsvc.ledger_item_add(
            actor=None, ledger=ledger, problem="p", measure="m", responsible_person="r", deadline=LATER
        )
        lsvc.progress_note_add(actor=None, item=item, note="进展", evidence="照片")
    lsvc.target_set(
        actor=None,
        organization=world.county,
        year=YEAR,
        name=f"目标{start}",
        metric="grade_four_share",
        comparison="below",
        threshold=D(2),
    )


def counts(client, urls):
    found = []
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        found.append(len(captured))
    return found


def test_pages_and_api_lists_take_constant_queries(world):
    asvc.checklist_defaults_install(actor=None, owner=world.county, year=YEAR)
    grow(world, 1, 1)
    lsvc.dispatch_sheet_issue(
        actor=None,
        issuer=world.township_a,
        title="一个承办",
        assignments=[lsvc.Assignment(world.branch_a1, LATER, "张")],
    )
    template = ChecklistTemplate.objects.get(sector=Sector.RURAL, year=YEAR)
    pages = [
        reverse("assessment:weak", args=["TA", YEAR]),
        reverse("assessment:templates", args=["C1"]),
        reverse("assessment:template", args=[template.pk]),
        reverse("assessment:report", args=["TA", YEAR]),
        reverse("assessment:results-export", args=["TA", YEAR]),
        reverse("ledger:list-export", args=["TA"]),
        reverse("ledger:targets-export", args=["TA", YEAR]),
        reverse("ledger:dispatch-issue", args=["TA"]) + "?mode=subtree",
    ]
    apis = [
        "/api/ledger/items/?org=TA",
        "/api/ledger/dispatch/",
        f"/api/ledger/targets/?org=TA&year={YEAR}",
        "/api/assessment/assessments/",
        "/api/assessment/templates/",
    ]
    client = Client()
    client.force_login(world.users["county_admin"])
    api = APIClient()
    api.force_authenticate(world.users["county_admin"])
    counts(client, pages), counts(api, apis)  # sessions and grants read once
    few = counts(client, pages), counts(api, apis)
    grow(world, 6, 2)
    lsvc.dispatch_sheet_issue(
        actor=None,
        issuer=world.township_a,
        title="多个承办",
        assignments=[
            lsvc.Assignment(world.branch_a1, LATER, "张"),
            lsvc.Assignment(world.branch_a2, LATER, "李"),
        ],
    )
    many = counts(client, pages), counts(api, apis)
    assert many == few
