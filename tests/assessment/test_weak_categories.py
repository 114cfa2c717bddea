"""Weak-organization problem categories configurable per county: the product's list until a
level words its own, the deepest level's list applies below it, screening uses it, and the
page edits it only within the administrator's own reach."""

import datetime as dt
import html

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.assessment import services as svc
from dangjian.assessment.choices import WeakCategory
from dangjian.assessment.models import WeakCategoryOption, WeakOrganization
from dangjian.assessment.selectors import weak_categories_for
from dangjian.core.exceptions import ScopeDenied

LATER = timezone.localdate() + dt.timedelta(days=30)
PLAN = [svc.RectificationSpec("土地纠纷积案", "逐案化解", "王镇长", LATER)]


def login(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


def codes(organization, active_only=True):
    _owner, choices = weak_categories_for(organization)
    return [c.code for c in choices if c.active or not active_only]


def identify(world, branch, categories):
    admin = world.users["township_a_admin" if branch == world.branch_a1 else "township_b_admin"]
    return svc.weak_org_identify(
        actor=admin, organization=branch, year=2026, categories=categories, leader_name="王镇长", items=PLAN
    )


def test_the_product_list_applies_until_a_county_words_its_own(world):
    owner, _ = weak_categories_for(world.branch_a1)
    assert owner is None and codes(world.branch_a1) == list(WeakCategory.values)
    county_admin = world.users["county_admin"]
    svc.weak_category_save(actor=county_admin, owner=world.county, code="land", label="土地纠纷突出")
    svc.weak_category_save(
        actor=county_admin, owner=world.county, code="interference", label="受宗族势力干扰", active=False
    )
    # The first change copied the defaults, then added and deactivated.
    expected = [c for c in WeakCategory.values if c != "interference"] + ["land"]
    assert codes(world.branch_a1) == expected and codes(world.branch_b1) == expected
    assert WeakCategoryOption.objects.filter(owner=world.county).count() == len(WeakCategory.values) + 1
    record = identify(world, world.branch_a1, ["land"])
    assert record.categories == ["land"]
    with pytest.raises(ValidationError, match="未知或已停用的问题类别：interference"):
        identify(world, world.branch_b1, ["interference"])
    assert WeakOrganization.objects.count() == 1


def test_a_township_list_applies_to_its_subtree_only(world):
    svc.weak_category_save(
        actor=world.users["county_admin"], owner=world.county, code="land", label="土地纠纷"
    )
    svc.weak_category_save(
        actor=world.users["township_a_admin"], owner=world.township_a, code="fishery", label="渔业合作社矛盾"
    )
    assert "fishery" in codes(world.branch_a1) and "land" in codes(world.branch_a1)  # copied from the county
    assert "fishery" not in codes(world.branch_b1)
    with pytest.raises(ValidationError, match="未知或已停用"):
        identify(world, world.branch_b1, ["fishery"])


def test_only_a_level_above_branches_within_reach_sets_categories(world):
    with pytest.raises(ScopeDenied):
        svc.weak_category_save(actor=world.users["township_a_admin"], owner=world.county, code="x", label="x")
    with pytest.raises(ScopeDenied):
        svc.weak_category_save(
            actor=world.users["township_b_admin"], owner=world.township_a, code="x", label="x"
        )
    with pytest.raises(ValidationError, match="党支部不能制定"):
        svc.weak_category_save(actor=None, owner=world.branch_a1, code="x", label="x")
    with pytest.raises(ValidationError, match="代码须以小写字母开头"):
        svc.weak_category_save(actor=None, owner=world.county, code="土地", label="土地")
    with pytest.raises(ValidationError, match="请填写问题类别"):
        svc.weak_category_save(actor=None, owner=world.county, code="land", label="  ")
    assert not WeakCategoryOption.objects.exists()  # nothing half-written, not even the copy


def test_page_edits_within_reach_and_screening_pages_use_the_list(world):
    url = reverse("assessment:weak-categories", args=["C1"])
    county = login(world, "county_admin")
    page = html.unescape(county.get(url).content.decode())
    assert "适用本产品默认的问题类别" in page and "书记长期缺职或不胜任" in page
    bad = county.post(url, {"cat-code": "Land!", "cat-label": "土地纠纷突出", "cat-active": "on"})
    assert bad.status_code == 400 and "代码须以小写字母开头" in html.unescape(bad.content.decode())
    ok = county.post(url, {"cat-code": "land", "cat-label": "土地纠纷突出", "cat-active": "on"})
    assert ok.status_code == 302
    assert "适用示范县委制定的问题类别" in html.unescape(county.get(url).content.decode())

    # A township administrator sees the county's list from its own page, edits only its own level.
    township_a = login(world, "township_a_admin")
    assert township_a.post(url, {"cat-code": "x", "cat-label": "x"}).status_code == 404
    ta_page = html.unescape(
        township_a.get(reverse("assessment:weak-categories", args=["TA"])).content.decode()
    )
    assert "适用示范县委制定的问题类别" in ta_page and "土地纠纷突出" in ta_page
    tb_url = reverse("assessment:weak-categories", args=["TB"])
    assert township_a.get(tb_url).status_code == 404
    assert township_a.post(tb_url, {"cat-code": "x", "cat-label": "x"}).status_code == 404
    secretary = login(world, "secretary_a1")
    branch_url = reverse("assessment:weak-categories", args=["TA01"])
    assert secretary.get(branch_url).status_code == 200
    assert secretary.post(branch_url, {"cat-code": "x", "cat-label": "x"}).status_code == 403
    assert WeakCategoryOption.objects.filter(code="x").count() == 0

    # Screening: the identify form offers the county's category, the list shows and filters it.
    identify_url = reverse("assessment:weak-identify", args=["TA01", 2026])
    assert "土地纠纷突出" in html.unescape(township_a.get(identify_url).content.decode())
    done = township_a.post(
        identify_url,
        {
            "weak-categories": ["land"],
            "weak-leader_name": "王镇长",
            "p1-problem": "土地纠纷积案",
            "p1-measure": "逐案化解",
            "p1-responsible_person": "王镇长",
            "p1-deadline": LATER.isoformat(),
        },
    )
    assert done.status_code == 302
    listing = html.unescape(
        township_a.get(reverse("assessment:weak", args=["TA", 2026]), {"category": "land"}).content.decode()
    )
    assert "甲镇东村党支部" in listing and "土地纠纷突出" in listing
