"""/api/assessment/ and /api/ledger/: the isolation matrix of every route and method (a user
sees and changes nothing outside the own reach), the writes in Chinese, the superior's
close-out with two approvers at once, and targets read at a level."""

import datetime as dt
import json
from decimal import Decimal as D

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from dangjian.api_urls import router
from dangjian.assessment import services as asvc
from dangjian.assessment.models import Assessment, AssessmentEntry, ChecklistTemplate, WeakOrganization
from dangjian.core.models import AuditEvent
from dangjian.ledger import services as lsvc
from dangjian.ledger.choices import ItemStatus, TargetMetric
from dangjian.ledger.models import DispatchRecipient, DispatchSheet, LedgerItem, ProgressNote, Target
from dangjian.orgs.choices import Sector
from dangjian.orgs.models import Organization

TODAY = timezone.localdate()
YEAR = TODAY.year
LATER = TODAY + dt.timedelta(days=30)
ITEMS = [
    asvc.ItemSpec(area="organization", title="支部班子健全", points=D(10), evidence_required="选举结果批复"),
    asvc.ItemSpec(area="activity", title="三会一课按时开展", points=D(10)),
]
HIDDEN, READ_ONLY = 404, 403


def client_for(world, username):
    client = APIClient()
    if username:
        client.force_authenticate(world.users[username])
    return client


def year_of(world, branch, ledger_item=True):
    """The branch's year begun: template (the county's), self-check started, a ledger item, a
    dispatch item from its township and a target set by its township."""
    if not world.county.checklist_templates.filter(sector=Sector.RURAL, year=YEAR).exists():
        asvc.checklist_template_create(
            actor=None, owner=world.county, sector=Sector.RURAL, year=YEAR, name="农村清单", items=ITEMS
        )
    assessment = asvc.assessment_start(actor=None, organization=branch, year=YEAR)
    ledger = lsvc.ledger_create(actor=None, organization=branch, year=YEAR, title=f"{branch.name}整改台账")
    item = lsvc.ledger_item_add(
        actor=None,
        ledger=ledger,
        problem="三会一课不规范",
        measure="按月开展",
        responsible_person="张",
        deadline=LATER,
    )
    township = Organization.objects.get(path=branch.parent_path)
    sheet = lsvc.dispatch_sheet_issue(
        actor=None,
        issuer=township,
        title=f"{township.name}交办",
        assignments=[lsvc.Assignment(branch, LATER, "李书记")],
    )
    lsvc.target_set(
        actor=None,
        organization=township,
        year=YEAR,
        name=f"{township.name}自查全覆盖",
        metric=TargetMetric.CHECKLIST_COMPLETE_SHARE,
        comparison="at_least",
        threshold=D(100),
    )
    asvc.weak_org_identify(
        actor=None,
        organization=branch,
        year=YEAR,
        categories=["life"],
        leader_name="王镇长",
        items=[asvc.RectificationSpec("组织生活不经常", "按月开展", "张", LATER)],
    )
    return assessment, item, sheet.recipients.get()


def weak_of(branch):
    return WeakOrganization.objects.get(organization=branch).pk


def routes(assessment, item, recipient, org, weak=1):
    a, i, r = assessment.pk, item.pk, recipient.pk
    return [
        ("api-assessment-template-list", "get", "/api/assessment/templates/", None),
        (
            "api-assessment-template-detail",
            "get",
            f"/api/assessment/templates/{assessment.template_id}/",
            None,
        ),
        ("api-assessment-list", "get", f"/api/assessment/assessments/?org={org}", None),
        ("api-assessment-detail", "get", f"/api/assessment/assessments/{a}/", None),
        (
            "api-assessment-self-check",
            "post",
            f"/api/assessment/assessments/{a}/self-check/",
            {"number": 1, "result": "met", "evidence": "批复"},
        ),
        ("api-assessment-submit", "post", f"/api/assessment/assessments/{a}/submit/", {}),
        (
            "api-assessment-score",
            "post",
            f"/api/assessment/assessments/{a}/score/",
            {"number": 2, "score": "5"},
        ),
        ("api-assessment-sign-off", "post", f"/api/assessment/assessments/{a}/sign-off/", {}),
        ("api-assessment-weak-list", "get", f"/api/assessment/weak/?org={org}", None),
        ("api-assessment-weak-detail", "get", f"/api/assessment/weak/{weak}/", None),
        ("api-assessment-weak-recheck", "post", f"/api/assessment/weak/{weak}/recheck/", {}),
        ("api-assessment-weak-close", "post", f"/api/assessment/weak/{weak}/close/", {}),
        ("api-ledger-item-list", "get", f"/api/ledger/items/?org={org}", None),
        ("api-ledger-item-detail", "get", f"/api/ledger/items/{i}/", None),
        (
            "api-ledger-item-note",
            "post",
            f"/api/ledger/items/{i}/note/",
            {"note": "已开展", "evidence": "记录"},
        ),
        (
            "api-ledger-item-close-request",
            "post",
            f"/api/ledger/items/{i}/close-request/",
            {"evidence": "照片"},
        ),
        ("api-ledger-item-approve", "post", f"/api/ledger/items/{i}/approve/", {}),
        ("api-ledger-item-return", "post", f"/api/ledger/items/{i}/return/", {"reason": "不足"}),
        ("api-ledger-dispatch-list", "get", f"/api/ledger/dispatch/?org={org}", None),
        ("api-ledger-dispatch-respond", "post", f"/api/ledger/dispatch/{r}/respond/", {"response": "已办"}),
        ("api-ledger-target-list", "get", f"/api/ledger/targets/?org={org}&year={YEAR}", None),
        (
            "api-ledger-target-list",
            "post",
            "/api/ledger/targets/",
            {
                "org": org,
                "year": YEAR,
                "name": "自查全覆盖",
                "metric": TargetMetric.CHECKLIST_COMPLETE_SHARE,
                "comparison": "at_least",
                "threshold": "70",
            },
        ),
        (
            "api-ledger-dispatch-sheet-list",
            "post",
            "/api/ledger/dispatch-sheets/",
            {
                "issuer": org,
                "title": "交办",
                "assignments": [{"org": org, "deadline": str(LATER), "responsible_person": "李"}],
            },
        ),
        (
            "api-assessment-template-list",
            "post",
            "/api/assessment/templates/",
            {
                "owner": org,
                "sector": "rural",
                "year": YEAR + 1,
                "name": "清单",
                "items": [{"area": "organization", "title": "班子健全", "points": "10"}],
            },
        ),
    ]


# Writes that need 设立、调整党组织 (manage_orgs): a user holding it nowhere is refused at once
# (403, which tells nothing about the organization named).
MANAGE_ORGS_WRITES = {("api-ledger-target-list", "post"), ("api-assessment-template-list", "post")}


def test_matrix_covers_every_route():
    served = set()
    for _prefix, viewset, basename in router.registry:
        if basename.startswith(("api-assessment", "api-ledger-")):
            for route in router.get_routes(viewset):
                for method in router.get_method_map(viewset, route.mapping):
                    served.add((route.name.format(basename=basename), method))
    fake = type("Fake", (), {"pk": 1, "template_id": 1})()
    assert {(name, method) for name, method, *_ in routes(fake, fake, fake, "X")} == served


def state():
    return [
        list(model.objects.order_by("pk").values())
        for model in (
            Assessment,
            AssessmentEntry,
            LedgerItem,
            ProgressNote,
            DispatchRecipient,
            Target,
            WeakOrganization,
            ChecklistTemplate,
            DispatchSheet,
        )
    ] + [AuditEvent.objects.count()]


def send(client, method, url, body):
    return client.get(url) if method == "get" else client.post(url, body, format="json")


@pytest.mark.parametrize(
    ("username", "branch", "secrets"),
    [
        ("township_a_admin", "branch_b1", ("乙镇", "TB")),
        ("secretary_a1", "branch_a2", ("西村", "TA02")),
    ],
)
def test_nothing_outside_the_reach_is_seen_or_changed(world, username, branch, secrets):
    target = getattr(world, branch)
    assessment, item, recipient = year_of(world, target)
    client = client_for(world, username)
    before = state()
    for name, method, url, body in routes(assessment, item, recipient, target.code, weak_of(target)):
        response = send(client, method, url, body)
        text = json.dumps(response.json(), ensure_ascii=False)
        if method == "get" and (name.endswith("template-list") or name.endswith("template-detail")):
            # The county's checklist concerns every branch below the county.
            assert response.status_code == 200, (url, text)
            continue
        refused_at_once = (name, method) in MANAGE_ORGS_WRITES and username == "secretary_a1"
        assert response.status_code == (READ_ONLY if refused_at_once else HIDDEN), (url, text)
        for secret in secrets:
            assert secret not in text, (url, secret)
    assert state() == before


@pytest.mark.parametrize("username", ["township_a_admin", "secretary_a1"])
def test_unfiltered_lists_hold_only_the_own_reach(world, username):
    year_of(world, world.branch_b1)
    year_of(world, world.branch_a2)
    client = client_for(world, username)
    for url in (
        "/api/assessment/assessments/",
        "/api/ledger/items/",
        "/api/ledger/items/?overdue=0",
        "/api/ledger/dispatch/",
        "/api/assessment/weak/",
    ):
        text = client.get(url).content.decode()
        assert "乙镇" not in text and "TB01" not in text, url
        if username == "secretary_a1":
            assert "西村" not in text, url
    county = client_for(world, "county_admin")
    # Each branch: its own ledger item and the one of its weak-organization plan.
    assert county.get("/api/ledger/items/").json()["count"] == 4
    assert county.get("/api/ledger/dispatch/").json()["count"] == 2


@pytest.mark.parametrize("username", ["inspector_a", "auditor", "nobody"])
def test_readers_and_users_without_reach_never_write(world, username):
    assessment, item, recipient = year_of(world, world.branch_a1)
    client = client_for(world, username)
    before = state()
    for _name, method, url, body in routes(assessment, item, recipient, "TA01", weak_of(world.branch_a1)):
        if method == "post":
            assert send(client, method, url, body).status_code == READ_ONLY, url
    assert state() == before


def test_anonymous_gets_nothing(world):
    assessment, item, recipient = year_of(world, world.branch_a1)
    for _name, method, url, body in routes(assessment, item, recipient, "TA01", weak_of(world.branch_a1)):
        assert send(APIClient(), method, url, body).status_code == 401, url


def test_branch_self_checks_and_the_township_signs_off_through_the_api(world):
    assessment, _item, _recipient = year_of(world, world.branch_a1)
    branch = client_for(world, "secretary_a1")
    base = f"/api/assessment/assessments/{assessment.pk}"
    missing = branch.post(f"{base}/self-check/", {"number": 2, "result": "missing"}, format="json")
    assert missing.status_code == 200
    refused = branch.post(f"{base}/submit/", {}, format="json")
    assert refused.status_code == 400
    assert "第1项未填写自查结果" in json.dumps(refused.json(), ensure_ascii=False)
    branch.post(f"{base}/self-check/", {"number": 1, "result": "met", "evidence": "批复"}, format="json")
    branch.post(
        f"{base}/self-check/",
        {
            "number": 2,
            "result": "missing",
            "measure": "补开",
            "responsible_person": "张",
            "deadline": str(LATER),
        },
        format="json",
    )
    submitted = branch.post(f"{base}/submit/", {}, format="json").json()
    assert submitted["status"] == "self_checked" and submitted["entries"][1]["rectification"]
    # The branch cannot score itself; its township can.
    assert branch.post(f"{base}/score/", {"number": 2, "score": "0"}, format="json").status_code == 403
    township = client_for(world, "township_a_admin")
    over = township.post(f"{base}/score/", {"number": 2, "score": "11"}, format="json")
    assert over.status_code == 400 and "第2项得分应在0至10" in json.dumps(over.json(), ensure_ascii=False)
    for number, score in ((1, "10"), (2, "0")):
        assert (
            township.post(f"{base}/score/", {"number": number, "score": score}, format="json").status_code
            == 200
        )
    signed = township.post(f"{base}/sign-off/", {}, format="json").json()
    assert (signed["percent"], signed["grade"], signed["grade_change"]) == ("50.00", 4, "new")


def test_close_out_two_approvers_one_wins(world):
    _assessment, item, _recipient = year_of(world, world.branch_a1)
    branch = client_for(world, "secretary_a1")
    url = f"/api/ledger/items/{item.pk}"
    no_evidence = branch.post(f"{url}/close-request/", {}, format="json")
    assert no_evidence.status_code == 400 and "没有整改佐证材料" in no_evidence.json()["evidence"][0]
    assert branch.post(f"{url}/close-request/", {"evidence": "照片"}, format="json").json()["status"] == (
        "close_requested"
    )
    assert branch.post(f"{url}/approve/", {}, format="json").status_code == 403
    first = client_for(world, "township_a_admin").post(f"{url}/approve/", {}, format="json")
    second = client_for(world, "county_admin").post(f"{url}/approve/", {}, format="json")
    assert first.status_code == 200 and first.json()["status"] == ItemStatus.CLOSED
    assert second.status_code == 400 and "已由他人确认销号" in second.json()["status"][0]


def test_overdue_notice_and_targets_at_a_level(world):
    _assessment, item, _recipient = year_of(world, world.branch_a1)
    LedgerItem.objects.filter(pk=item.pk).update(deadline=TODAY - dt.timedelta(days=2))
    client = client_for(world, "township_a_admin")
    overdue = client.get("/api/ledger/items/?org=TA&overdue=1").json()
    assert [row["id"] for row in overdue["results"]] == [item.pk] and overdue["results"][0]["overdue"]
    assert client.get("/api/ledger/items/?status=bogus").status_code == 400
    targets = client.get(f"/api/ledger/targets/?org=TA&year={YEAR}").json()
    assert [t["name"] for t in targets] == ["甲镇党委自查全覆盖"]
    assert targets[0]["total"]["denominator"] == 2 and targets[0]["total"]["met"] is False
    assert {row["org"] for row in targets[0]["laggards"]} == {"TA01", "TA02"}
    assert client.get("/api/ledger/targets/").status_code == 400


def test_weak_organization_recheck_and_close_through_the_api(world):
    year_of(world, world.branch_a1)
    record = WeakOrganization.objects.get()
    url = f"/api/assessment/weak/{record.pk}"
    branch = client_for(world, "secretary_a1")
    refused = branch.post(f"{url}/recheck/", {}, format="json")
    assert refused.status_code == 400 and "1项未销号" in refused.json()["ledger"][0]
    item = record.ledger.items.get()
    lsvc.ledger_item_close_request(actor=world.users["secretary_a1"], item=item, evidence="记录")
    lsvc.ledger_item_close_approve(actor=world.users["township_a_admin"], item=item)
    assert branch.post(f"{url}/close/", {}, format="json").status_code == 403
    assert branch.post(f"{url}/recheck/", {}, format="json").json()["status"] == "recheck"
    closed = client_for(world, "township_a_admin").post(f"{url}/close/", {}, format="json").json()
    assert closed["status"] == "closed" and closed["closed_on"] == TODAY.isoformat()
    listed = client_for(world, "township_a_admin").get(f"/api/assessment/weak/?org=TA&year={YEAR}").json()
    assert [row["org"] for row in listed["results"]] == ["TA01"] and listed["results"][0]["categories"] == [
        "life"
    ]
