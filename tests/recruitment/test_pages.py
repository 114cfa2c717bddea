"""Recruitment pages: the list with the pool and filters, the timeline, the step form (fields
by step, refusals in Chinese on the field), the applicant form, subtree isolation of every
URL, and constant query counts on the list."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.core.testing.world import make_member, new_id_number
from dangjian.recruitment.choices import Stage, Step
from dangjian.recruitment.models import Candidate, RecruitmentStep
from dangjian.recruitment.services import candidate_create, recruitment_step_record

D = dt.date
BIRTH = D(1996, 8, 12)


def login(world, username):
    client = Client()
    if username:
        client.force_login(world.users[username])
    return client


def applicant(branch, name="孙志远", applied_on=None, birth=BIRTH, sex="M"):
    return candidate_create(
        actor=None,
        organization=branch,
        name=name,
        id_number=new_id_number(birth, sex),
        applied_on=applied_on or timezone.localdate() - dt.timedelta(days=3),
        education="bachelor",
    )


def urls_for(branch_code, committee_code, candidate_pk):
    gets = [
        reverse("recruitment:list", args=[committee_code]),
        reverse("recruitment:list", args=[branch_code]),
        reverse("recruitment:candidate-create", args=[branch_code]),
        reverse("recruitment:candidate", args=[candidate_pk]),
        reverse("recruitment:step", args=[candidate_pk]),
    ]
    posts = [
        reverse("recruitment:candidate-create", args=[branch_code]),
        reverse("recruitment:step", args=[candidate_pk]),
    ]
    return gets, posts


@pytest.mark.parametrize(
    "username, branch, committee",
    [("township_a_admin", "branch_b1", "township_b"), ("secretary_a1", "branch_a2", "township_a")],
)
def test_out_of_subtree_is_404_everywhere(world, username, branch, committee):
    target = getattr(world, branch)
    candidate = applicant(target)
    gets, posts = urls_for(target.code, getattr(world, committee).code, candidate.pk)
    client = login(world, username)
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        response = client.post(
            url, {"step": "application_talk", "occurred_on": "2026-01-05", "talker_name": "甲"}
        )
        assert response.status_code == 404, url
    assert RecruitmentStep.objects.count() == 1 and Candidate.objects.count() == 1


def test_in_subtree_pages_open(world):
    candidate = applicant(world.branch_a1)
    for username in ("township_a_admin", "secretary_a1"):
        gets, _ = urls_for("TA01", "TA", candidate.pk)
        client = login(world, username)
        for url in gets:
            if username == "secretary_a1" and url.endswith("/org/TA/"):
                continue
            assert client.get(url).status_code == 200, (username, url)


def test_inspector_reads_but_cannot_write(world):
    candidate = applicant(world.branch_a1)
    gets, posts = urls_for("TA01", "TA", candidate.pk)
    client = login(world, "inspector_a")
    for url in gets[:2] + gets[3:4]:
        assert client.get(url).status_code == 200, url
    for url in gets[2:3] + gets[4:] + posts:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"step": "application_talk", "talker_name": "甲"}).status_code == 404, url
    assert RecruitmentStep.objects.count() == 1


def test_auditor_and_anonymous_get_nothing(world):
    candidate = applicant(world.branch_a1)
    gets, posts = urls_for("TA01", "TA", candidate.pk)
    auditor = login(world, "auditor")
    for url in gets + posts:
        assert auditor.get(url).status_code in (403, 404), url
    assert auditor.get(reverse("recruitment:home")).status_code == 403
    anonymous = login(world, None)
    for url in [*gets, reverse("recruitment:home")]:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_home_leads_to_the_top_of_the_reach(world):
    response = login(world, "secretary_a1").get(reverse("recruitment:home"))
    assert response["Location"] == reverse("recruitment:list", args=["TA01"])


def test_add_an_applicant(world):
    client = login(world, "secretary_a1")
    url = reverse("recruitment:candidate-create", args=["TA01"])
    data = {
        "name": "周晓",
        "id_number": new_id_number(D(1999, 2, 3), "F"),
        "applied_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "education": "bachelor",
    }
    response = client.post(url, data)
    candidate = Candidate.objects.get(name="周晓")
    assert response["Location"] == reverse("recruitment:candidate", args=[candidate.pk])
    assert candidate.organization == world.branch_a1 and candidate.sex == "F"
    page = client.get(response["Location"]).content.decode()
    assert "党组织派人谈话" in page and "最迟" in page


def test_applicant_under_18_and_bad_id_are_refused_in_chinese(world):
    client = login(world, "secretary_a1")
    url = reverse("recruitment:candidate-create", args=["TA01"])
    young = new_id_number(timezone.localdate().replace(year=timezone.localdate().year - 17), "M")
    page = client.post(
        url, {"name": "小明", "id_number": young, "applied_on": timezone.localdate().isoformat()}
    ).content.decode()
    assert "未满18周岁" in page
    page = client.post(
        url, {"name": "小明", "id_number": "123", "applied_on": timezone.localdate().isoformat()}
    ).content.decode()
    assert "身份" in page and Candidate.objects.count() == 0


def test_applicant_only_in_a_branch(world):
    client = login(world, "township_a_admin")
    assert client.get(reverse("recruitment:candidate-create", args=["TA"])).status_code == 404


def test_step_form_shows_the_fields_of_the_step(world):
    candidate = applicant(world.branch_a1)
    client = login(world, "secretary_a1")
    url = reverse("recruitment:step", args=[candidate.pk])
    talk = client.get(url).content.decode()
    assert 'name="talker_name"' in talk and 'name="sponsors"' not in talk
    sponsors = client.get(url + "?step=sponsors_assigned", HTTP_HX_REQUEST="true").content.decode()
    assert 'name="sponsors"' in sponsors and "张建国" in sponsors and "王小明" not in sponsors
    assert "<html" not in sponsors
    vote = client.get(url + "?step=admission_vote").content.decode()
    assert 'name="votes_present"' in vote and 'name="talker_name"' not in vote


def test_record_the_talk_and_see_the_next_deadline(world):
    applied = timezone.localdate() - dt.timedelta(days=5)
    candidate = applicant(world.branch_a1, applied_on=applied)
    client = login(world, "secretary_a1")
    response = client.post(
        reverse("recruitment:step", args=[candidate.pk]),
        {
            "step": "application_talk",
            "occurred_on": timezone.localdate().isoformat(),
            "talker_name": "张建国",
        },
    )
    assert response.status_code == 302
    step = candidate.steps.get(step=Step.APPLICATION_TALK)
    assert step.talker_name == "张建国" and step.recorded_by == world.users["secretary_a1"]
    page = client.get(response["Location"]).content.decode()
    assert "推荐和确定入党积极分子" in page


def test_refused_step_shows_the_rule_on_the_field(world):
    candidate = applicant(world.branch_a1, applied_on=timezone.localdate() - dt.timedelta(days=90))
    client = login(world, "secretary_a1")
    url = reverse("recruitment:step", args=[candidate.pk])
    page = client.post(
        url, {"step": "application_talk", "occurred_on": timezone.localdate().isoformat(), "talker_name": ""}
    ).content.decode()
    assert "请填写谈话人" in page and "一个月内" in page and "工作细则》第八条" in page
    page = client.post(
        url, {"step": "training", "occurred_on": timezone.localdate().isoformat()}
    ).content.decode()
    assert "尚未完成" in page
    assert not candidate.steps.exclude(step=Step.APPLICATION).exists()


def test_overdue_shown_in_red_and_filtered(world):
    late = applicant(world.branch_a1, name="迟到", applied_on=timezone.localdate() - dt.timedelta(days=60))
    applicant(world.branch_a2, name="准时", birth=D(1990, 1, 1))
    client = login(world, "township_a_admin")
    page = client.get(reverse("recruitment:candidate", args=[late.pk])).content.decode()
    assert "list-group-item-danger" in page and "已超期" in page
    url = reverse("recruitment:list", args=["TA"])
    page = client.get(url + "?overdue=on").content.decode()
    assert "迟到" in page and "准时" not in page
    page = client.get(url + "?org=TA02").content.decode()
    assert "准时" in page and "迟到" not in page
    page = client.get(url + "?org=TB01").content.decode()
    assert "不是甲镇党委下属的党组织" in page


def test_pool_by_stage_at_the_township(world):
    applicant(world.branch_a1, name="甲", birth=D(1996, 1, 1), sex="F")
    applicant(world.branch_a2, name="乙", birth=D(1970, 1, 1))
    applicant(world.branch_b1, name="丙", birth=D(1995, 1, 1), sex="F")
    page = login(world, "township_a_admin").get(reverse("recruitment:list", args=["TA"]))
    pool = page.context["pool"]
    applicants = next(row for row in pool.by_stage if row["stage"] == Stage.APPLICANT)
    assert (applicants["total"], applicants["under_35"], applicants["women"]) == (2, 1, 1)
    assert pool.total == 2 and pool.by_education == [
        {"education": "bachelor", "label": "大学本科", "total": 2}
    ]


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow(world):
    client = login(world, "township_a_admin")
    url = reverse("recruitment:list", args=["TA"])
    applicant(world.branch_a1, name="一")
    few = count(client, url)
    for index in range(6):
        candidate = applicant(world.branch_a2, name=f"多{index}", birth=D(1990, 1, 1 + index))
        recruitment_step_record(
            actor=None,
            candidate=candidate,
            step=Step.APPLICATION_TALK,
            occurred_on=timezone.localdate(),
            talker_name="王小明",
        )
    make_member(world.branch_a2, name="新党员")
    assert count(client, url) == few
