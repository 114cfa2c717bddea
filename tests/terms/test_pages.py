"""Terms pages: the calendar, an organization's term, the election and postponement forms;
subtree isolation of every URL; refusals in Chinese on the field; constant query counts."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.orgs.services import organization_create
from dangjian.terms.models import Election, TermPostponement

TODAY = timezone.localdate()


def login(world, username):
    client = Client()
    if username:
        client.force_login(world.users[username])
    return client


def election_form(**changes):
    data = {
        "held_on": TODAY.isoformat(),
        "term_years": "5",
        "seats": "3",
        "candidates": "张建国、李秀英、王强、刘芳",
        "voters_entitled": "10",
        "voters_present": "9",
        "elected": "张建国 9\n李秀英 8\n王强 6",
        "secretary_name": "张建国",
    }
    data.update(changes)
    return data


def postpone_form(term_ends_on):
    return {
        "postponed_to": (term_ends_on + dt.timedelta(days=60)).isoformat(),
        "reason": "与村委会换届同步",
        "approved_by": "乙镇党委",
        "approved_on": TODAY.isoformat(),
    }


def urls_for(branch_code, committee_code):
    gets = [
        reverse("terms:calendar", args=[committee_code]),
        reverse("terms:calendar", args=[branch_code]),
        reverse("terms:org", args=[branch_code]),
        reverse("terms:election-create", args=[branch_code]),
        reverse("terms:postpone", args=[branch_code]),
    ]
    posts = [
        reverse("terms:election-create", args=[branch_code]),
        reverse("terms:postpone", args=[branch_code]),
    ]
    return gets, posts


@pytest.mark.parametrize(
    ("username", "branch", "committee"),
    [("township_a_admin", "branch_b1", "township_b"), ("secretary_a1", "branch_a2", "township_a")],
)
def test_out_of_subtree_is_404_everywhere(termed, username, branch, committee):
    target = getattr(termed, branch)
    gets, posts = urls_for(target.code, getattr(termed, committee).code)
    client = login(termed, username)
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        data = election_form() if "election" in url else postpone_form(target.term_ends_on)
        assert client.post(url, data).status_code == 404, url
    assert not Election.objects.exists() and not TermPostponement.objects.exists()


def test_secretary_cannot_postpone_own_election_but_township_can(termed):
    branch = termed.branch_a1
    url = reverse("terms:postpone", args=[branch.code])
    secretary = login(termed, "secretary_a1")
    assert secretary.get(url).status_code == 404
    assert secretary.post(url, postpone_form(branch.term_ends_on)).status_code == 404
    page = secretary.get(reverse("terms:org", args=[branch.code])).content.decode()
    assert "记录换届选举" in page and "批准延期换届" not in page
    township = login(termed, "township_a_admin")
    response = township.post(url, postpone_form(branch.term_ends_on))
    assert response.status_code == 302
    page = township.get(response["Location"]).content.decode()
    assert "批准延期" in page and "与村委会换届同步" in page


def test_inspector_reads_but_cannot_write(termed):
    gets, posts = urls_for("TA01", "TA")
    client = login(termed, "inspector_a")
    for url in gets[:3]:
        assert client.get(url).status_code == 200, url
    for url in gets[3:] + posts:
        assert client.get(url).status_code == 404, url
        assert client.post(url, election_form()).status_code == 404, url
    assert not Election.objects.exists()


def test_auditor_and_anonymous_get_nothing(termed):
    gets, posts = urls_for("TA01", "TA")
    auditor = login(termed, "auditor")
    for url in gets + posts:
        assert auditor.get(url).status_code in (403, 404), url
    assert auditor.get(reverse("terms:home")).status_code == 403
    anonymous = login(termed, None)
    for url in [*gets, reverse("terms:home")]:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_calendar_shows_overdue_and_due_soon(termed):
    page = login(termed, "county_admin").get(reverse("terms:calendar", args=["C1"])).content.decode()
    overdue, soon = page.split("6个月内到期（")
    assert "甲镇东村党支部" in overdue and "乙镇南村党支部" in overdue and "已逾期" in overdue
    assert "甲镇西村党支部" in soon and "还有" in soon
    assert "另有2个党组织未登记任期" in page


def test_record_an_election_from_the_form(termed):
    client = login(termed, "secretary_a1")
    url = reverse("terms:election-create", args=["TA01"])
    form = client.get(url).content.decode()
    assert 'name="voters_entitled"' in form and 'value="2"' in form  # the two full members of TA01
    page = client.post(url, election_form(candidates="张建国、李秀英、王强")).content.decode()
    assert "至少4人" in page and not Election.objects.exists()
    page = client.post(url, election_form(elected="张建国 九票")).content.decode()
    assert "第1行" in page and not Election.objects.exists()
    response = client.post(url, election_form())
    assert response.status_code == 302
    termed.branch_a1.refresh_from_db()
    assert termed.branch_a1.term_started_on == TODAY
    page = client.get(response["Location"]).content.decode()
    assert "张建国（9）" in page


def test_calendar_query_count_is_constant(termed, django_assert_max_num_queries):
    client = login(termed, "county_admin")
    url = reverse("terms:calendar", args=["C1"])
    client.get(url)
    with django_assert_max_num_queries(20) as first:
        client.get(url)
    for index in range(6):
        organization_create(
            actor=None,
            parent=termed.township_b,
            code=f"TBN{index}",
            name=f"乙镇{index}村党支部",
            kind="branch",
            sector="rural",
            term_started_on=dt.date(TODAY.year - 5, 1, 1),
            term_years=5,
        )
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get(url).content.decode()
    assert "乙镇5村党支部" in page
