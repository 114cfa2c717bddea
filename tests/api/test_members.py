import datetime as dt

import pytest

from dangjian.core.idnumber import mask_id_number
from dangjian.core.models import AccessLog, AuditEvent
from dangjian.core.testing.world import make_member, new_id_number
from dangjian.members.choices import Category, EventKind
from dangjian.members.models import Member


def names(response) -> list[str]:
    return sorted(row["name"] for row in response.json()["results"])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "zjg"}, ["张建国"]),
        ({"q": "zhangjianguo"}, ["张建国"]),
        ({"q": "秀英"}, ["李秀英"]),
        ({"org": "TA01"}, ["张建国", "李秀英"]),
        ({"org": "TA"}, ["张建国", "李秀英", "王小明"]),
        ({"org": "NOPE"}, []),
        ({"category": "probationary"}, ["赵丽"]),
        ({"sex": "F"}, ["李秀英", "赵丽"]),
        ({"joined_year": 2015}, ["李秀英"]),
        ({"age_band": "30-39"}, ["李秀英"]),
        ({"age_band": "40-49", "org": "TA02"}, ["王小明"]),
        ({"status": "transferred_out"}, []),
        ({"ethnicity": "回族"}, ["马军"]),
        ({"education": "bachelor"}, ["马军"]),
    ],
)
def test_list_filters(world, api, params, expected):
    make_member(world.branch_b1, name="马军", ethnicity="回族", education="bachelor")
    assert names(api("county_admin").get("/api/members/", params)) == expected


def test_list_is_scoped_paginated_and_masked(world, api):
    response = api("township_a_admin").get("/api/members/", {"page_size": 2})
    body = response.json()
    assert response.status_code == 200 and body["count"] == 3 and len(body["results"]) == 2
    zhang = world.members["zhang"]
    row = api("township_a_admin").get("/api/members/", {"q": "zjg"}).json()["results"][0]
    assert row["id_number"] == mask_id_number(zhang.id_number) != zhang.id_number
    assert row["organization"] == {"code": "TA01", "name": "甲镇东村党支部"}
    assert row["group"] == {"code": "TA01G1", "name": "东村第一党小组"}
    assert row["category_display"] == "正式党员" and row["age"] == zhang.age()


def test_detail_masks_and_shows_history(world, api):
    zhang = world.members["zhang"]
    body = api("secretary_a1").get(f"/api/members/{zhang.pk}/").json()
    assert body["id_number"] == mask_id_number(zhang.id_number) and body["id_number_revealed"] is False
    assert [e["kind"] for e in body["events"]] == [EventKind.JOINED, EventKind.CONVERTED]
    assert zhang.id_number not in str(body)


def test_reveal_id_for_holder_of_reveal_id_is_logged(world, api):
    zhang = world.members["zhang"]
    body = api("township_a_admin").get(f"/api/members/{zhang.pk}/", {"reveal_id": "1"}).json()
    assert body["id_number"] == zhang.id_number and body["id_number_revealed"] is True
    log = AccessLog.objects.get(kind=AccessLog.Kind.REVEAL_ID)
    assert log.actor == world.users["township_a_admin"] and log.object_id == str(zhang.pk)
    assert log.organization == world.branch_a1


@pytest.mark.parametrize("user", ["secretary_a1", "inspector_a"])
def test_reveal_id_refused_without_the_right(world, api, user):
    zhang = world.members["zhang"]
    response = api(user).get(f"/api/members/{zhang.pk}/", {"reveal_id": "1"})
    assert response.status_code == 403
    assert response.json()["detail"] == "您无权查看该党员的完整身份证号"
    assert zhang.id_number not in response.content.decode()
    # Only the refusal itself is logged (kind request), no reveal.
    assert not AccessLog.objects.exclude(kind=AccessLog.Kind.REQUEST).exists()


def member_payload(**fields):
    data = {
        "organization": "TA02",
        "name": "周国强",
        "id_number": new_id_number(dt.date(1985, 2, 3), "M"),
        "category": "full",
        "joined_on": "2010-07-01",
        "converted_on": "2011-07-01",
        "education": "bachelor",
        "ethnicity": "汉族",
    }
    data.update(fields)
    return data


def test_create(world, api):
    data = member_payload()
    response = api("township_a_admin").post("/api/members/", data, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["sex"] == "M" and body["birth_date"] == "1985-02-03"
    assert body["id_number"] == mask_id_number(data["id_number"])
    member = Member.objects.get(pk=body["id"])
    assert member.organization == world.branch_a2 and member.name_initials == "zgq"
    assert AuditEvent.objects.filter(action="member.create", object_id=str(member.pk)).exists()


def test_create_with_group_code_places_member_in_its_branch(world, api):
    response = api("secretary_a1").post("/api/members/", member_payload(organization="TA01G1"), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["organization"]["code"] == "TA01"
    assert response.json()["group"]["code"] == "TA01G1"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"id_number": "53012119850203001"}, "id_number", "应为18位（或旧版15位），实际17位"),
        ({"organization": "TA"}, "organization", "“甲镇党委”不是党支部"),
        ({"converted_on": "2010-08-01"}, "converted_on", "转正日期应在入党日期后1至2年内"),
        ({"category": "probationary"}, "converted_on", "预备党员不应有转正日期"),
        ({"joined_on": "2000-01-01"}, "joined_on", "入党时未满18周岁"),
        ({"sex": "F"}, "sex", "与身份证号中的性别不一致"),
        ({"group": "TA01G1"}, "group", "不是“甲镇西村党支部”下设的党小组"),
        ({"name": ""}, "name", "不能为空"),
    ],
)
def test_create_errors_are_chinese_and_name_the_field(world, api, fields, field, message):
    response = api("township_a_admin").post("/api/members/", member_payload(**fields), format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field]), response.json()
    assert not Member.objects.filter(name="周国强").exists()


def test_duplicate_id_number(world, api):
    data = member_payload(id_number=world.members["wang"].id_number)
    response = api("township_a_admin").post("/api/members/", data, format="json")
    assert response.status_code == 400 and "已存在" in response.json()["id_number"][0]


def test_update(world, api):
    zhang = world.members["zhang"]
    client = api("secretary_a1")
    response = client.patch(
        f"/api/members/{zhang.pk}/", {"phone": "13800138000", "job": "村会计"}, format="json"
    )
    assert response.status_code == 200 and response.json()["job"] == "村会计"
    assert AuditEvent.objects.filter(action="member.update", object_id=str(zhang.pk)).exists()
    response = client.patch(f"/api/members/{zhang.pk}/", {"converted_on": "2020-01-01"}, format="json")
    assert (
        response.status_code == 400 and "转正日期应在入党日期后1至2年内" in response.json()["converted_on"][0]
    )


def test_update_cannot_move_member_to_another_branch(world, api):
    zhang = world.members["zhang"]
    response = api("township_a_admin").patch(
        f"/api/members/{zhang.pk}/", {"organization": "TA02"}, format="json"
    )
    zhang.refresh_from_db()
    assert response.status_code == 200 and zhang.organization == world.branch_a1


def test_transfer(world, api):
    zhang = world.members["zhang"]
    response = api("township_a_admin").post(
        f"/api/members/{zhang.pk}/transfer/",
        {"to_organization": "TA02", "date": "2026-03-01", "note": "迁居"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["organization"]["code"] == "TA02" and body["group"] is None
    assert [e["kind"] for e in body["events"]][-2:] == [EventKind.TRANSFERRED_OUT, EventKind.TRANSFERRED_IN]
    assert AuditEvent.objects.filter(action="member.transfer").exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"to_organization": "TA02", "date": "2099-01-01"}, "date", "转接日期不能晚于今天"),
        ({"to_organization": "TA02", "date": "1999-01-01"}, "date", "转接日期不能早于入党日期"),
        ({"to_organization": "TA01", "date": "2026-03-01"}, "to_organization", "转入组织与当前所在组织相同"),
        ({"to_organization": "TA01G1", "date": "2026-03-01"}, "to_organization", "不是党支部"),
        ({"to_organization": "TB01", "date": "2026-03-01"}, "to_organization", "不存在或不在您的授权范围内"),
        ({"date": "2026-03-01"}, "to_organization", "该字段是必填项"),
    ],
)
def test_transfer_errors(world, api, body, field, message):
    zhang = world.members["zhang"]
    response = api("township_a_admin").post(f"/api/members/{zhang.pk}/transfer/", body, format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field]), response.json()
    zhang.refresh_from_db()
    assert zhang.organization == world.branch_a1


def test_convert(world, api):
    member = make_member(
        world.branch_a2, name="孙红", category=Category.PROBATIONARY, joined_on=dt.date(2025, 3, 1)
    )
    client = api("township_a_admin")
    too_early = client.post(
        f"/api/members/{member.pk}/convert/", {"converted_on": "2025-09-01"}, format="json"
    )
    assert too_early.status_code == 400
    assert "转正日期应在入党日期后1至2年内" in too_early.json()["converted_on"][0]
    response = client.post(
        f"/api/members/{member.pk}/convert/", {"converted_on": "2026-03-02"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["category"] == "full" and response.json()["converted_on"] == "2026-03-02"
    again = client.post(f"/api/members/{member.pk}/convert/", {"converted_on": "2026-03-02"}, format="json")
    assert again.status_code == 400 and again.json()["category"] == ["孙红已是正式党员"]


def test_unknown_member_is_404_in_chinese(world, api):
    for url in ("/api/members/999999/", "/api/members/abc/"):
        response = api("county_admin").get(url)
        assert (
            response.status_code == 404 and response.json()["detail"] == "未找到该党员，或不在您的授权范围内"
        )
