"""Every form of the pages: a valid submission changes the data through the service (and is
audited); an invalid one changes nothing and says in Chinese what is wrong."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.core.models import AccessLog, AuditEvent
from dangjian.core.testing.world import make_member
from dangjian.members.choices import Category, MemberStatus
from dangjian.members.models import Member, MemberRole
from dangjian.orgs.choices import OrgStatus
from dangjian.orgs.models import Organization

TODAY = timezone.localdate()


def text(response):
    return response.content.decode()


@pytest.fixture
def admin(client_for):
    return client_for("township_a_admin")


# --- organizations ---------------------------------------------------------------------------


def test_create_child_organization(world, admin):
    response = admin.post(
        reverse("orgs:create-child", args=["TA"]),
        {"code": "TA03", "name": "甲镇北村党支部", "kind": "branch", "sector": "rural"},
    )
    assert response.status_code == 302
    created = Organization.objects.get(code="TA03")
    assert Organization.objects.get_parent(created).code == "TA"
    assert AuditEvent.objects.filter(action="organization.create", object_id=str(created.pk)).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "TA04", "name": "", "kind": "branch", "sector": "rural"}, "组织名称：该字段是必填项。"),
        ({"code": "TA01", "name": "重复", "kind": "branch", "sector": "rural"}, "组织代码“TA01”已被使用"),
        ({"code": "TA04", "name": "小组", "kind": "group", "sector": "rural"}, "党小组只能设在党支部"),
        (
            {
                "code": "TA04",
                "name": "新支部",
                "kind": "branch",
                "sector": "rural",
                "term_started_on": "2024-01-01",
            },
            "请选择任期年限",
        ),
    ],
)
def test_create_child_organization_invalid(world, admin, data, message):
    count = Organization.objects.count()
    response = admin.post(reverse("orgs:create-child", args=["TA"]), data)
    assert response.status_code == 200
    assert message in text(response)
    assert Organization.objects.count() == count


def test_edit_organization_renames_and_sets_term(world, admin):
    response = admin.post(
        reverse("orgs:edit", args=["TA01"]),
        {
            "name": "甲镇东村党支部委员会",
            "kind": "branch",
            "sector": "rural",
            "term_started_on": "2024-03-01",
            "term_years": "5",
            "has_committee": "on",
        },
    )
    assert response.status_code == 302
    branch = Organization.objects.get(code="TA01")
    assert branch.name == "甲镇东村党支部委员会"
    assert branch.term_ends_on == dt.date(2029, 3, 1)
    assert AuditEvent.objects.filter(action="organization.update", object_id=str(branch.pk)).exists()


def test_edit_organization_invalid_kind_change(world, admin):
    # TA01 has members and a 党小组: it cannot become a committee.
    response = admin.post(
        reverse("orgs:edit", args=["TA01"]),
        {"name": "甲镇东村党支部", "kind": "committee", "sector": "rural"},
    )
    assert response.status_code == 200
    assert "只能是党支部" in text(response)
    assert Organization.objects.get(code="TA01").kind == "branch"


def test_secretary_edits_own_branch_details(world, client_for):
    response = client_for("secretary_a1").post(
        reverse("orgs:edit", args=["TA01"]),
        {"name": "甲镇东村党支部", "kind": "branch", "sector": "rural", "contact_phone": "0871-1234567"},
    )
    assert response.status_code == 302
    assert Organization.objects.get(code="TA01").contact_phone == "0871-1234567"


def test_move_organization(world, client_for):
    response = client_for("county_admin").post(reverse("orgs:move", args=["TA02"]), {"parent_code": "TB"})
    assert response.status_code == 302
    assert Organization.objects.get_parent(Organization.objects.get(code="TA02")).code == "TB"
    assert all(not problems for problems in Organization.objects.find_problems())


def test_move_organization_into_own_subtree_is_refused(world, admin):
    response = admin.post(reverse("orgs:move", args=["TA"]), {"parent_code": "TA01"})
    assert response.status_code == 200
    assert "不在您可调整的范围内" in text(response)
    response = admin.post(reverse("orgs:move", args=["TA01G1"]), {"parent_code": "TA"})
    assert response.status_code == 200
    assert "党小组只能设在" in text(response)
    assert Organization.objects.get_parent(Organization.objects.get(code="TA01G1")).code == "TA01"


def test_dissolve_organization(world, admin):
    admin.post(
        reverse("orgs:create-child", args=["TA"]),
        {"code": "TA09", "name": "临时支部", "kind": "temporary_branch", "sector": "other"},
    )
    response = admin.post(
        reverse("orgs:dissolve", args=["TA09"]),
        {"dissolved_on": TODAY.isoformat(), "reason": "任务完成", "confirm": "on"},
    )
    assert response.status_code == 302
    assert Organization.objects.get(code="TA09").status == OrgStatus.DISSOLVED


def test_dissolve_organization_with_members_is_refused(world, admin):
    response = admin.post(
        reverse("orgs:dissolve", args=["TA02"]), {"dissolved_on": TODAY.isoformat(), "confirm": "on"}
    )
    assert response.status_code == 200
    assert "仍有党员" in text(response)
    response = admin.post(reverse("orgs:dissolve", args=["TA02"]), {"dissolved_on": TODAY.isoformat()})
    assert "我已确认该组织应当撤销：该字段是必填项。" in text(response)
    assert Organization.objects.get(code="TA02").status == OrgStatus.ACTIVE


# --- members ---------------------------------------------------------------------------------


def member_form_data(member, **changes):
    data = {
        "name": member.name,
        "sex": member.sex,
        "ethnicity": member.ethnicity,
        "birth_date": member.birth_date.isoformat(),
        "education": member.education,
        "joined_on": member.joined_on.isoformat(),
        "converted_on": member.converted_on.isoformat() if member.converted_on else "",
        "phone": member.phone,
        "job": member.job,
        "address": member.address,
        "group": member.group_id or "",
    }
    data.update(changes)
    return data


def test_edit_member(world, admin):
    zhang = world.members["zhang"]
    response = admin.post(
        reverse("members:edit", args=[zhang.pk]),
        member_form_data(zhang, phone="13987654321", education="bachelor"),
    )
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert (zhang.phone, zhang.education) == ("13987654321", "bachelor")
    event = AuditEvent.objects.filter(action="member.update", object_id=str(zhang.pk)).get()
    assert set(event.after) == {"phone", "education"}


def test_edit_member_says_whether_anything_changed(world, admin):
    zhang = world.members["zhang"]
    url = reverse("members:edit", args=[zhang.pk])
    unchanged = admin.post(url, member_form_data(zhang), follow=True)
    assert "没有改动" in text(unchanged)
    changed = admin.post(url, member_form_data(zhang, job="村医"), follow=True)
    assert "已保存" in text(changed)


def test_edit_member_form_never_shows_the_full_id_number(world, admin):
    zhang = world.members["zhang"]
    page = text(admin.get(reverse("members:edit", args=[zhang.pk])))
    assert zhang.id_number not in page
    assert zhang.masked_id_number in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id_number": "530121198005170010"}, "校验码错误"),
        ({"name": ""}, "姓名：该字段是必填项。"),
        ({"joined_on": "1990-01-01"}, "入党时未满18周岁"),
        ({"sex": "F"}, "与身份证号中的性别不一致"),
    ],
)
def test_edit_member_invalid(world, admin, changes, message):
    zhang = world.members["zhang"]
    response = admin.post(reverse("members:edit", args=[zhang.pk]), member_form_data(zhang, **changes))
    assert response.status_code == 200
    assert message in text(response)
    assert Member.objects.get(pk=zhang.pk).name == "张建国"
    assert not AuditEvent.objects.filter(action="member.update").exists()


@pytest.fixture
def probationary(world):
    return make_member(
        world.branch_a1,
        name="钱进",
        category=Category.PROBATIONARY,
        birth_date=dt.date(1998, 2, 2),
        joined_on=TODAY - dt.timedelta(days=400),
    )


def test_convert_probationary_member(world, admin, probationary):
    on = TODAY - dt.timedelta(days=20)
    response = admin.post(
        reverse("members:convert", args=[probationary.pk]), {"converted_on": on.isoformat()}
    )
    assert response.status_code == 302
    probationary.refresh_from_db()
    assert (probationary.category, probationary.converted_on) == (Category.FULL, on)


def test_convert_too_early_is_refused(world, admin, probationary):
    response = admin.post(
        reverse("members:convert", args=[probationary.pk]),
        {"converted_on": (TODAY - dt.timedelta(days=200)).isoformat()},
    )
    assert response.status_code == 200
    assert "转正日期应在入党日期后1至2年内" in text(response)
    response = admin.post(
        reverse("members:convert", args=[world.members["zhang"].pk]), {"converted_on": TODAY.isoformat()}
    )
    assert "张建国已是正式党员" in text(response)
    probationary.refresh_from_db()
    assert probationary.category == Category.PROBATIONARY


def test_transfer_member(world, admin):
    zhang = world.members["zhang"]
    response = admin.post(
        reverse("members:transfer", args=[zhang.pk]),
        {"to_code": "TA02", "on": TODAY.isoformat(), "note": "搬迁"},
    )
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert zhang.organization.code == "TA02"
    assert zhang.group is None
    assert AuditEvent.objects.filter(action="member.transfer", object_id=str(zhang.pk)).exists()


def test_transfer_member_invalid(world, admin):
    zhang = world.members["zhang"]
    url = reverse("members:transfer", args=[zhang.pk])
    response = admin.post(url, {"to_code": "TA01G1", "on": TODAY.isoformat()})
    assert "不是党支部" in text(response)
    response = admin.post(url, {"to_code": "TA02", "on": "2000-01-01"})
    assert "转接日期不能早于入党日期" in text(response)
    zhang.refresh_from_db()
    assert zhang.organization.code == "TA01"


def test_exit_member(world, admin):
    wang = world.members["wang"]
    response = admin.post(reverse("members:exit", args=[wang.pk]), {"kind": "died", "on": TODAY.isoformat()})
    assert response.status_code == 302
    wang.refresh_from_db()
    assert wang.status == MemberStatus.DIED


def test_exit_member_invalid(world, admin):
    wang = world.members["wang"]
    url = reverse("members:exit", args=[wang.pk])
    response = admin.post(url, {"kind": "died", "on": (TODAY + dt.timedelta(days=3)).isoformat()})
    assert "日期不能晚于今天" in text(response)
    response = admin.post(url, {"kind": "transferred_out", "on": TODAY.isoformat()})
    assert "请填写转入的党组织名称" in text(response)
    wang.refresh_from_db()
    assert wang.status == MemberStatus.ACTIVE


def test_assign_and_end_role(world, admin):
    li = world.members["li"]
    response = admin.post(
        reverse("members:role-assign", args=[li.pk]),
        {"organization": world.branch_a1.pk, "role": "secretary", "started_on": "2024-01-01"},
    )
    assert response.status_code == 302
    post = MemberRole.objects.get(member=li, role="secretary")
    response = admin.post(reverse("members:role-end", args=[li.pk, post.pk]), {"ended_on": "2023-12-01"})
    assert "离任日期不能早于任职日期" in text(response)
    response = admin.post(reverse("members:role-end", args=[li.pk, post.pk]), {"ended_on": TODAY.isoformat()})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.ended_on == TODAY


def test_assign_role_in_organization_out_of_reach_is_refused(world, client_for):
    # A secretary may give posts in the own branch, not in the township committee above it.
    li = world.members["li"]
    response = client_for("secretary_a1").post(
        reverse("members:role-assign", args=[li.pk]),
        {"organization": world.township_a.pk, "role": "committee_member", "started_on": "2024-01-01"},
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in text(response)
    assert not MemberRole.objects.filter(member=li).exists()


# --- reveal, search, audit -------------------------------------------------------------------


def test_reveal_full_id_number_is_logged(world, admin):
    zhang = world.members["zhang"]
    page = text(admin.get(reverse("members:detail", args=[zhang.pk])))
    assert zhang.id_number not in page and zhang.masked_id_number in page
    assert "显示完整号码" in page
    response = admin.post(reverse("members:reveal-id", args=[zhang.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert zhang.id_number in text(response)
    log = AccessLog.objects.get()
    assert (log.kind, log.object_id, log.actor_name) == ("reveal_id", str(zhang.pk), "township_a_admin")
    assert admin.get(reverse("members:reveal-id", args=[zhang.pk])).status_code == 405


def test_reveal_needs_the_permission(world, client_for):
    zhang = world.members["zhang"]
    inspector = client_for("inspector_a")
    assert "显示完整号码" not in text(inspector.get(reverse("members:detail", args=[zhang.pk])))
    response = inspector.post(reverse("members:reveal-id", args=[zhang.pk]))
    assert response.status_code == 403
    assert zhang.id_number not in text(response)
    # Only the refusal itself is logged (kind request), no reveal.
    assert not AccessLog.objects.exclude(kind=AccessLog.Kind.REQUEST).exists()


def test_member_list_finds_by_pinyin_initials_and_masks_ids(world, admin):
    page = text(admin.get(reverse("members:list") + "?q=zjg"))
    assert "张建国" in page
    assert "李秀英" not in page
    assert world.members["zhang"].masked_id_number in page
    assert world.members["zhang"].id_number not in page


def test_member_list_filters(world, admin):
    page = text(admin.get(reverse("members:list") + "?org=TA02"))
    assert "王小明" in page and "张建国" not in page
    page = text(admin.get(reverse("members:list") + "?sex=F"))
    assert "李秀英" in page and "张建国" not in page
    page = text(admin.get(reverse("members:list") + "?age_band=30-39"))
    assert "李秀英" in page and "张建国" not in page


def test_audit_page_filters_and_reads_in_chinese(world, admin, client_for):
    admin.post(
        reverse("orgs:edit", args=["TA02"]),
        {"name": "甲镇西村新党支部", "kind": "branch", "sector": "community"},
    )
    auditor = client_for("auditor")
    page = text(auditor.get(reverse("core:audit") + "?actor=township_a_admin"))
    assert "修改党组织信息" in page
    assert "组织名称" in page and "甲镇西村党支部" in page and "甲镇西村新党支部" in page
    assert "单位属性" in page and "社区" in page
    assert "新增党员" not in page  # the world's members were created by the system, not this actor
    page = text(auditor.get(reverse("core:audit") + "?org=TB&action=member.create"))
    assert "赵丽" in page and "张建国" not in page
    page = text(auditor.get(reverse("core:audit") + f"?date_from={TODAY + dt.timedelta(days=1)}"))
    assert "没有符合条件的记录" in page
    page = text(auditor.get(reverse("core:audit") + "?date_from=2026-02-01&date_to=2026-01-01"))
    assert "结束日期不能早于开始日期" in page


def test_audit_page_lists_access_log(world, admin, client_for):
    zhang = world.members["zhang"]
    admin.post(reverse("members:reveal-id", args=[zhang.pk]))
    page = text(client_for("auditor").get(reverse("core:audit") + "?log=access"))
    assert "查看完整身份证号" in page and "张建国" in page and "township_a_admin" in page
    assert zhang.id_number not in page


def test_home_figures_and_warnings(world, admin):
    page = text(admin.get(reverse("home")))
    assert "甲镇党委" in page
    # TA01 has 2 full members and TA02 one: both below 3, both warned and linked.
    assert page.count("不足3名") == 2
    assert reverse("orgs:detail", args=["TA02"]) in page
    assert 'id="chart-data"' in page and "charts.js" in page


def test_user_without_grant_sees_friendly_page(world, client_for):
    page = text(client_for("nobody").get(reverse("home")))
    assert "尚未授权" in page


def test_member_history_uses_member_labels(world, admin):
    zhang = world.members["zhang"]
    admin.post(reverse("members:edit", args=[zhang.pk]), member_form_data(zhang, name="张建军"))
    page = text(admin.get(reverse("members:detail", args=[zhang.pk])))
    assert "姓名：张建国 → 张建军" in page
    assert "组织名称" not in page
