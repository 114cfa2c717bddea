"""The subtree-isolation matrix of the pages: a user reaches only the subtree of the grant.

Every page URL is listed once in `page_urls`; each test walks the whole list, so a new page
that is not scoped fails here."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.core.models import AccessLog, AuditEvent
from dangjian.members.models import Member, MemberRole
from dangjian.members.services import member_role_assign
from dangjian.orgs.models import Organization

TODAY = timezone.localdate().isoformat()


def page_urls(org_code: str, member_pk: int, role_pk: int) -> list[tuple[str, str, dict]]:
    """(method, url, POST data) for every organization- or member-bound page and form."""
    post_org = {
        "code": "NEW1",
        "name": "新支部",
        "kind": "branch",
        "sector": "rural",
        "parent_code": "C1",
        "dissolved_on": TODAY,
        "confirm": "on",
    }
    post_member = {
        "name": "改名",
        "sex": "M",
        "birth_date": "1980-05-17",
        "joined_on": "2005-07-01",
        "converted_on": TODAY,
        "to_code": "TA02",
        "on": TODAY,
        "kind": "died",
        "organization": "1",
        "role": "secretary",
        "started_on": TODAY,
        "ended_on": TODAY,
    }
    org_pages = [
        reverse("orgs:detail", args=[org_code]),
        reverse("orgs:children", args=[org_code]),
    ]
    org_forms = [
        reverse(f"orgs:{name}", args=[org_code]) for name in ("create-child", "edit", "move", "dissolve")
    ]
    member_pages = [reverse("members:detail", args=[member_pk])]
    member_forms = [
        reverse(f"members:{name}", args=[member_pk])
        for name in ("edit", "convert", "transfer", "exit", "role-assign")
    ] + [reverse("members:role-end", args=[member_pk, role_pk])]
    return (
        [("get", url, {}) for url in org_pages + org_forms + member_pages + member_forms]
        + [("post", url, post_org) for url in org_forms]
        + [("post", url, post_member) for url in member_forms]
        + [("post", reverse("members:reveal-id", args=[member_pk]), {})]
    )


LIST_URLS = [
    reverse("home"),
    reverse("orgs:tree"),
    reverse("orgs:tree") + "?q=乙镇",
    reverse("orgs:tree") + "?q=TB01",
    reverse("orgs:search") + "?q=乙镇",
    reverse("orgs:search") + "?q=TB",
    reverse("orgs:search") + "?q=南村",
    reverse("members:list"),
    reverse("members:list") + "?q=zl",
    reverse("members:list") + "?q=赵丽",
    reverse("members:list") + "?org=TB01",
    reverse("members:list") + "?org=TB",
    reverse("members:list") + "?status=",
]


@pytest.fixture
def posts(world):
    """A current post for every member, so the role-end pages have something to end."""
    return {
        key: member_role_assign(
            actor=None,
            member=member,
            organization=member.organization,
            role="propaganda",
            started_on=dt.date(2020, 1, 1),
        )
        for key, member in world.members.items()
    }


def state():
    """Everything a forbidden request could have changed."""
    return (
        list(Organization.objects.order_by("path").values_list("path", "code", "name", "status")),
        list(
            Member.objects.order_by("pk").values_list("pk", "name", "organization_id", "status", "category")
        ),
        list(MemberRole.objects.order_by("pk").values_list("pk", "ended_on")),
        AuditEvent.objects.count(),
        # Refused attempts are logged (kind request, outcome refused); nothing else may be.
        AccessLog.objects.exclude(kind=AccessLog.Kind.REQUEST).count(),
    )


def request(client: Client, method: str, url: str, data: dict):
    return client.post(url, data) if method == "post" else client.get(url)


def forbidden_pages(world, posts, org_code, member_key):
    member = world.members[member_key]
    return page_urls(org_code, member.pk, posts[member_key].pk)


@pytest.mark.parametrize(
    ("username", "org_code", "member_key"),
    [
        ("township_a_admin", "TB", "zhao"),
        ("township_a_admin", "TB01", "zhao"),
        ("township_b_admin", "TA01", "zhang"),
        ("secretary_a1", "TA02", "wang"),
        ("secretary_a1", "TA", "wang"),
        ("inspector_a", "TB01", "zhao"),
        ("auditor", "TA01", "zhang"),
        ("nobody", "TA01", "zhang"),
    ],
)
def test_out_of_scope_is_not_found_and_unchanged(world, posts, client_for, username, org_code, member_key):
    client = client_for(username)
    before = state()
    pages = forbidden_pages(world, posts, org_code, member_key)
    for method, url, data in pages:
        response = request(client, method, url, data)
        assert response.status_code == 404, (username, method, url, response.status_code)
    assert state() == before
    # Each attempt on an object of another subtree is logged as refused.
    refused = AccessLog.objects.filter(
        kind=AccessLog.Kind.REQUEST, outcome="refused", actor=world.users[username]
    )
    assert refused.count() == len(pages)


@pytest.mark.parametrize(
    ("username", "org_code", "member_key"),
    [
        ("inspector_a", "TA01", "zhang"),
        ("inspector_a", "TA", "wang"),
    ],
)
def test_read_only_user_sees_but_cannot_change(world, posts, client_for, username, org_code, member_key):
    client = client_for(username)
    before = state()
    for method, url, data in forbidden_pages(world, posts, org_code, member_key):
        response = request(client, method, url, data)
        readable = method == "get" and url.rstrip("/").split("/")[-1] not in {
            "new",
            "edit",
            "move",
            "dissolve",
            "convert",
            "transfer",
            "exit",
            "end",
        }
        expected = 200 if readable else 403
        assert response.status_code == expected, (method, url, response.status_code)
    assert state() == before


def test_secretary_cannot_manage_organizations_of_own_branch(world, client_for):
    client = client_for("secretary_a1")
    before = state()
    for name in ("create-child", "move", "dissolve"):
        url = reverse(f"orgs:{name}", args=["TA01"])
        assert client.get(url).status_code == 403
        assert (
            client.post(url, {"code": "X", "parent_code": "TA02", "dissolved_on": TODAY}).status_code == 403
        )
    assert state() == before


@pytest.mark.parametrize("url", LIST_URLS)
def test_lists_and_search_never_show_the_other_township(world, client_for, url):
    response = client_for("township_a_admin").get(url)
    assert response.status_code == 200
    text = response.content.decode()
    # The search box and the "nothing found" line repeat what was typed; that is no leak.
    query = urlsplit(url).query
    text = text.replace(f"?{query}", "")  # the export link carries the current filters
    for values in parse_qs(query).values():
        text = text.replace(f'value="{values[0]}"', "").replace(f"含“{values[0]}”", "")
    for foreign in ("乙镇", "TB01", "南村", "赵丽", world.members["zhao"].masked_id_number):
        assert foreign not in text, (url, foreign)


def test_tree_children_of_county_for_township_admin_is_not_found(world, client_for):
    # The county is above the grant: its page and its children list are out of reach.
    client = client_for("township_a_admin")
    assert client.get(reverse("orgs:children", args=["C1"])).status_code == 404
    assert client.get(reverse("orgs:detail", args=["C1"])).status_code == 404


def test_township_admin_cannot_move_or_transfer_into_other_township(world, client_for):
    client = client_for("township_a_admin")
    before = state()
    response = client.post(reverse("orgs:move", args=["TA02"]), {"parent_code": "TB"})
    assert response.status_code == 200
    assert "不在您可调整的范围内" in response.content.decode()
    response = client.post(
        reverse("members:transfer", args=[world.members["zhang"].pk]), {"to_code": "TB01", "on": TODAY}
    )
    assert response.status_code == 200
    assert "不在您的授权范围内" in response.content.decode()
    assert state() == before


@pytest.mark.parametrize("username", ["township_a_admin", "secretary_a1", "inspector_a", "nobody"])
def test_audit_page_only_for_auditors(world, client_for, username):
    assert client_for(username).get(reverse("core:audit")).status_code == 403


def test_auditor_sees_only_audit(world, client_for):
    client = client_for("auditor")
    assert client.get(reverse("core:audit")).status_code == 200
    home = client.get(reverse("home")).content.decode()
    assert reverse("core:audit") in home
    assert "甲镇" not in home
    members = client.get(reverse("members:list")).content.decode()
    assert "张建国" not in members
    tree = client.get(reverse("orgs:tree")).content.decode()
    assert "甲镇" not in tree


def test_anonymous_is_sent_to_login(world, posts):
    client = Client()
    member = world.members["zhang"]
    urls = [("get", url, {}) for url in [*LIST_URLS, reverse("core:audit")]]
    urls += page_urls("TA01", member.pk, posts["zhang"].pk)
    before = state()
    for method, url, data in urls:
        response = request(client, method, url, data)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("login")), url
    assert state() == before
