"""Writes of /api/ledger/ and /api/assessment/ beyond the branch's year: a level sets its
targets, issues dispatch sheets and words its checklists through the API, within its reach
only, with Chinese messages and nothing half-written. (The isolation matrix of every route is
in test_api.py.)"""

import datetime as dt
import json

from django.utils import timezone
from rest_framework.test import APIClient

from dangjian.assessment.models import ChecklistTemplate
from dangjian.ledger.choices import TargetMetric
from dangjian.ledger.models import DispatchRecipient, DispatchSheet, Target

LATER = timezone.localdate() + dt.timedelta(days=30)
YEAR = timezone.localdate().year


def client_for(world, username):
    client = APIClient()
    client.force_authenticate(world.users[username])
    return client


def text(response):
    return json.dumps(response.json(), ensure_ascii=False)


TARGET = {
    "year": YEAR,
    "name": "一二类占比",
    "metric": TargetMetric.GRADE_ONE_TWO_SHARE,
    "comparison": "at_least",
    "threshold": "70",
}


def test_a_township_sets_its_target_and_not_another(world):
    township = client_for(world, "township_a_admin")
    created = township.post("/api/ledger/targets/", {"org": "TA", **TARGET}, format="json")
    assert created.status_code == 201, text(created)
    assert created.json()["set_by"] == "TA" and created.json()["metric_display"]
    listed = township.get(f"/api/ledger/targets/?org=TA&year={YEAR}").json()
    assert [t["name"] for t in listed] == ["一二类占比"]
    assert township.post("/api/ledger/targets/", {"org": "TB", **TARGET}, format="json").status_code == 404
    # The county is visible to none of the township's users: hidden, not refused.
    assert township.post("/api/ledger/targets/", {"org": "C1", **TARGET}, format="json").status_code == 404
    bad = township.post("/api/ledger/targets/", {"org": "TA", **TARGET, "metric": "x"}, format="json")
    assert bad.status_code == 400 and "metric" in bad.json()
    assert Target.objects.count() == 1


def test_a_township_issues_a_dispatch_sheet_to_its_branches_only(world):
    township = client_for(world, "township_a_admin")
    body = {
        "issuer": "TA",
        "title": "整顿软弱涣散",
        "content": "按方案推进",
        "assignments": [
            {"org": "TA01", "deadline": str(LATER), "responsible_person": "张书记"},
            {"org": "TB01", "deadline": str(LATER), "responsible_person": "赵书记"},
        ],
    }
    refused = township.post("/api/ledger/dispatch-sheets/", body, format="json")
    assert refused.status_code == 400
    assert "第2个承办单位“TB01”不存在或不在授权范围内" in text(refused) and "乙镇" not in text(refused)
    body["assignments"][1] = {"org": "TA02", "deadline": str(LATER), "responsible_person": "王书记"}
    late = township.post(
        "/api/ledger/dispatch-sheets/",
        body | {"assignments": [{"org": "TA01", "deadline": "2000-01-01", "responsible_person": "张"}]},
        format="json",
    )
    assert late.status_code == 400 and "办理时限早于交办日期" in text(late)
    assert not DispatchSheet.objects.exists()
    created = township.post("/api/ledger/dispatch-sheets/", body, format="json")
    assert created.status_code == 201, text(created)
    assert [r["org"] for r in created.json()["recipients"]] == ["TA01", "TA02"]
    # The branch sees its own item, answers it; the other township sees nothing.
    assert client_for(world, "secretary_a1").get("/api/ledger/dispatch/").json()["count"] == 1
    assert client_for(world, "township_b_admin").get("/api/ledger/dispatch/").json()["count"] == 0
    other = client_for(world, "township_b_admin").post(
        "/api/ledger/dispatch-sheets/", body | {"issuer": "TA"}, format="json"
    )
    assert other.status_code == 404
    assert DispatchRecipient.objects.count() == 2


def test_the_county_words_a_checklist_with_its_grading(world):
    county = client_for(world, "county_admin")
    areas = ["organization", "team", "system", "activity", "guarantee"]
    body = {
        "owner": "C1",
        "sector": "community",
        "year": YEAR,
        "name": "社区清单",
        "items": [
            {
                "area": area,
                "title": f"事项{n}",
                "points": "20",
                "method": "manual",
                "evidence_required": "记录",
            }
            for n, area in enumerate(areas, 1)
        ],
        "grade_basis": "five_goods",
        "good_share_min": "75",
        "goods_for": [5, 4, 2],
        "star_lines": ["95", "85", "75", "60"],
    }
    bad = county.post("/api/assessment/templates/", body | {"goods_for": [5, 5, 2]}, format="json")
    assert bad.status_code == 400 and "5 ≥ 一类 > 二类 > 三类 ≥ 0" in text(bad)
    missing = county.post("/api/assessment/templates/", body | {"items": body["items"][:4]}, format="json")
    assert missing.status_code == 400 and "缺少：基本保障" in text(missing)
    assert not ChecklistTemplate.objects.exists()
    created = county.post("/api/assessment/templates/", body, format="json")
    assert created.status_code == 201, text(created)
    data = created.json()
    assert (data["grade_basis"], data["goods_for_three"], data["star_lines"]) == (
        "five_goods",
        2,
        ["95", "85", "75", "60"],
    )
    assert len(data["items"]) == 5
    township = client_for(world, "township_a_admin")
    assert township.post("/api/assessment/templates/", body, format="json").status_code == 404
    assert (
        client_for(world, "secretary_a1").post("/api/assessment/templates/", body, format="json").status_code
        == 403
    )
    assert ChecklistTemplate.objects.count() == 1
