"""The county demo, loaded once for this module (see conftest.county_demo)."""

import io
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.utils import timezone

from dangjian.access.models import Grant
from dangjian.access.roles import Role
from dangjian.core.dates import add_years, age_on
from dangjian.core.idnumber import parse_id_number
from dangjian.core.models import AuditEvent
from dangjian.demo.generator import SCALES, DemoDataError, iter_county_plans, load_demo
from dangjian.demo.logins import DEMO_PASSWORD
from dangjian.members.choices import Category, EventKind, PartyRole
from dangjian.members.models import Member, MemberEvent, MemberRole
from dangjian.members.services import validate_member
from dangjian.orgs.choices import BRANCH_KINDS, OrgKind, Sector
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import OrgFigures, org_warnings
from dangjian.orgs.services import organization_create

pytestmark = pytest.mark.django_db


def test_sizes_are_those_of_a_county(county_demo):
    root = Organization.objects.get(depth=1)
    assert Organization.objects.filter(depth=1).count() == 1
    assert root.kind == OrgKind.COMMITTEE and root.name.endswith("县委员会")
    # Townships are the committees whose children include villages or communities.
    grassroots = Organization.objects.filter(depth=3, sector__in=[Sector.RURAL, Sector.COMMUNITY])
    townships = {o.path[:8] for o in grassroots}
    assert 10 <= len(townships) <= 14
    assert 130 <= grassroots.count() <= 175
    assert 5000 <= Member.objects.count() <= 7500
    probationary = Member.objects.filter(category=Category.PROBATIONARY).count()
    assert 0.015 <= probationary / Member.objects.count() <= 0.05
    sectors = set(Organization.objects.filter(kind__in=BRANCH_KINDS).values_list("sector", flat=True))
    assert {
        Sector.RURAL,
        Sector.COMMUNITY,
        Sector.GOVERNMENT,
        Sector.PUBLIC_INSTITUTION,
        Sector.SCHOOL,
        Sector.SOE,
        Sector.PRIVATE_ENTERPRISE,
        Sector.SOCIAL_ORG,
    } <= sectors
    kinds = Counter(Organization.objects.values_list("kind", flat=True))
    assert (
        kinds[OrgKind.GROUP] > 100 and kinds[OrgKind.GENERAL_BRANCH] >= 1 and kinds[OrgKind.JOINT_BRANCH] >= 1
    )
    assert county_demo.members == Member.objects.count()
    assert sum(county_demo.organizations.values()) == Organization.objects.count()


def test_tree_is_sound_and_keeps_working_with_treebeard(county_demo):
    assert Organization.objects.find_problems() == ([], [], [], [], [])
    township = county_demo.first_township
    before = township.numchild
    created = organization_create(
        actor=None, parent=township, code="NEW1", name="新建党支部", kind=OrgKind.BRANCH, sector=Sector.RURAL
    )
    township.refresh_from_db()
    assert township.numchild == before + 1
    assert created.path.startswith(township.path) and created.depth == township.depth + 1
    assert Organization.objects.find_problems() == ([], [], [], [], [])


def test_groups_sit_in_branches_and_members_in_branches(county_demo):
    parents = {o.path: o for o in Organization.objects.all()}
    for group in Organization.objects.filter(kind=OrgKind.GROUP):
        assert parents[group.parent_path].kind in BRANCH_KINDS
        assert group.numchild == 0
    assert not Member.objects.exclude(organization__kind__in=BRANCH_KINDS).exists()
    strays = Member.objects.filter(group__isnull=False).exclude(
        group__path__startswith=F("organization__path")
    )
    assert not strays.exists()


def test_every_member_passes_the_rules_of_the_services(county_demo):
    """ID numbers valid and agreeing with birth date and sex, dates within the rules."""
    today = timezone.localdate()
    numbers = set()
    for member in Member.objects.select_related("organization", "group"):
        validate_member(member, today, check_unique=False)
        number = parse_id_number(member.id_number)
        assert number.birth_date == member.birth_date and number.sex == member.sex
        assert member.id_number[:6] == "532927"
        numbers.add(member.id_number)
        assert member.joined_on >= add_years(member.birth_date, 18)
        if member.category == Category.FULL:
            assert add_years(member.joined_on, 1) <= member.converted_on <= add_years(member.joined_on, 2)
            assert member.converted_on <= today
        else:
            assert member.converted_on is None
            assert member.joined_on > add_years(today, -1)
        assert member.phone and member.job and member.address and member.ethnicity and member.education
    assert len(numbers) == Member.objects.count()


def test_ages_education_and_people_look_like_a_county(county_demo):
    today = timezone.localdate()
    members = list(Member.objects.values("birth_date", "ethnicity", "name", "education", "sex"))
    ages = [age_on(m["birth_date"], today) for m in members]
    assert sum(35 <= age <= 75 for age in ages) / len(ages) > 0.6
    assert sum(age < 35 for age in ages) / len(ages) > 0.05
    ethnicities = Counter(m["ethnicity"] for m in members)
    assert ethnicities.most_common(1)[0][0] == "汉族"
    assert 0.5 < ethnicities["汉族"] / len(members) < 0.9
    assert len(ethnicities) >= 5
    surnames = {m["name"][0] for m in members}
    assert {"曾", "单"} & surnames
    assert len(Counter(m["education"] for m in members)) >= 6
    assert {m["sex"] for m in members} == {"M", "F"}


def test_events_mirror_joining_and_conversion(county_demo):
    counts = Counter(MemberEvent.objects.values_list("kind", flat=True))
    assert counts[EventKind.JOINED] == Member.objects.count()
    assert counts[EventKind.CONVERTED] == Member.objects.filter(category=Category.FULL).count()
    mismatched = MemberEvent.objects.filter(kind=EventKind.JOINED).exclude(occurred_on=F("member__joined_on"))
    assert not mismatched.exists()


def test_posts_are_held_where_they_may_be(county_demo):
    for post in MemberRole.objects.select_related("member__organization", "organization"):
        if post.role == PartyRole.GROUP_LEADER:
            assert post.member.group_id == post.organization_id
        else:
            # A post in the own branch or in a committee above it.
            assert post.member.organization.path.startswith(post.organization.path)
        assert post.member.category == Category.FULL
        assert post.started_on >= post.member.joined_on
        assert post.started_on <= timezone.localdate()
    secretaries = Counter(
        MemberRole.objects.filter(role=PartyRole.SECRETARY).values_list("organization_id", flat=True)
    )
    assert max(secretaries.values()) == 1
    for branch in Organization.objects.filter(kind__in=BRANCH_KINDS).annotate(posts=Count("member_roles")):
        assert branch.id in secretaries, branch.name
        assert branch.posts >= (3 if branch.has_committee else 1)
        holder = MemberRole.objects.get(organization=branch, role=PartyRole.SECRETARY).member
        assert branch.secretary_name == holder.name
        assert branch.contact_phone
    leaders = MemberRole.objects.filter(role=PartyRole.GROUP_LEADER).select_related("member", "organization")
    assert leaders.count() == Organization.objects.filter(kind=OrgKind.GROUP).count()
    assert all(post.member.group_id == post.organization_id for post in leaders)


WARNING_KINDS = {"branch_too_large", "committee_missing", "too_few_full_members", "term_ended", "term_ending"}


def test_every_kind_of_warning_appears(county_demo):
    today = timezone.localdate()
    seen = Counter()
    organizations = Organization.objects.annotate(
        full=Count("members", filter=Q(members__category=Category.FULL)),
        probationary=Count("members", filter=Q(members__category=Category.PROBATIONARY)),
    )
    for organization in organizations:
        figures = OrgFigures(
            organization.kind,
            organization.full,
            organization.probationary,
            organization.has_committee,
            organization.term_ends_on,
        )
        seen.update(warning.code for warning in org_warnings(figures, today))
    assert set(seen) == WARNING_KINDS
    # Warnings stand out, they are not the rule.
    assert seen["term_ended"] + seen["term_ending"] < organizations.exclude(kind=OrgKind.GROUP).count() * 0.15


def test_established_before_terms_and_terms_by_kind(county_demo):
    for organization in Organization.objects.exclude(kind=OrgKind.GROUP):
        assert organization.established_on <= timezone.localdate()
        if organization.kind == OrgKind.WORKING_COMMITTEE:
            assert organization.term_started_on is None
            continue
        assert organization.established_on <= organization.term_started_on
        expected = (
            5
            if organization.kind == OrgKind.COMMITTEE
            or organization.sector in (Sector.RURAL, Sector.COMMUNITY)
            else 3
        )
        assert organization.term_years == expected


def test_same_seed_gives_the_same_data_and_another_seed_other_data(county_demo):
    scale = SCALES["county"]
    (plan,) = iter_county_plans(scale, 1, county_demo.as_of)
    stored_members = sorted(
        Member.objects.values_list(
            "id_number",
            "name",
            "sex",
            "ethnicity",
            "birth_date",
            "joined_on",
            "converted_on",
            "phone",
            "organization__code",
        )
    )
    planned_members = sorted(
        (
            m.id_number,
            m.name,
            m.sex,
            m.ethnicity,
            m.birth_date,
            m.joined_on,
            m.converted_on,
            m.phone,
            m.organization.code,
        )
        for m in plan.members
    )
    assert planned_members == stored_members
    stored_orgs = sorted(
        Organization.objects.values_list(
            "code", "path", "name", "established_on", "term_started_on", "secretary_name"
        )
    )
    planned_orgs = sorted(
        (o.code, o.path, o.name, o.established_on, o.term_started_on, o.secretary_name)
        for o in plan.organizations
    )
    assert planned_orgs == stored_orgs

    (other,) = iter_county_plans(scale, 2, county_demo.as_of)
    other_numbers = {m.id_number for m in other.members}
    assert len(other_numbers & {row[0] for row in stored_members}) < len(other_numbers) * 0.05
    assert [o.name for o in other.organizations[:20]] != [o.name for o in plan.organizations[:20]]


def test_one_audit_event_for_the_whole_load(county_demo):
    loads = AuditEvent.objects.filter(action="demo.load")
    assert loads.count() == 1
    assert loads.get().after["members"] == Member.objects.count()
    assert not AuditEvent.objects.filter(action__startswith="member.").exists()
    assert not AuditEvent.objects.filter(action__startswith="organization.").exists()


def test_demo_logins_and_their_reach(county_demo):
    users = {u.username: u for u in get_user_model().objects.all()}
    assert {"county", "township", "secretary", "auditor", "security", "admin"} <= set(users)
    for user in users.values():
        assert user.check_password(DEMO_PASSWORD)
        assert user.first_name
    everything = Organization.objects.count()
    township = county_demo.first_township
    assert Organization.objects.restrict(users["county"], "manage_orgs").count() == everything

    visible = Organization.objects.restrict(users["township"], "view")
    assert visible.count() == Organization.objects.filter(path__startswith=township.path).count()
    assert all(path.startswith(township.path) for path in visible.values_list("path", flat=True))
    assert visible.count() < everything / 5
    assert (
        not Member.objects.restrict(users["township"], "view")
        .exclude(organization__path__startswith=township.path)
        .exists()
    )

    branch = county_demo.secretary_branch
    assert branch.path.startswith(township.path) and branch.sector == Sector.RURAL
    assert set(
        Organization.objects.restrict(users["secretary"], "change").values_list("path", flat=True)
    ) == set(Organization.objects.filter(path__startswith=branch.path).values_list("path", flat=True))
    assert not Organization.objects.restrict(users["secretary"], "manage_orgs").exists()
    assert users["secretary"].first_name == branch.secretary_name

    assert not Organization.objects.restrict(users["auditor"], "view").exists()
    assert AuditEvent.objects.restrict(users["auditor"], "audit").exists()
    # The security administrator hands out grants and reads neither members nor logs.
    assert Organization.objects.restrict(users["security"], "grant").count() == everything
    assert not Organization.objects.restrict(users["security"], "view").exists()
    assert not AuditEvent.objects.restrict(users["security"], "audit").exists()
    assert users["admin"].is_superuser
    grants = set(Grant.objects.values_list("user__username", "role"))
    assert ("county", Role.ORG_ADMIN) in grants and ("auditor", Role.AUDITOR) in grants


def test_demo_data_refuses_a_database_with_organizations(county_demo):
    out, err = io.StringIO(), io.StringIO()
    count = Organization.objects.count()
    with pytest.raises(SystemExit) as exit_info:
        call_command("demo_data", "--scale", "county", stdout=out, stderr=err)
    assert exit_info.value.code == 1
    assert "已有党组织" in err.getvalue() and "--replace" in err.getvalue()
    assert Organization.objects.count() == count
    with pytest.raises(DemoDataError, match="已有党组织"):
        load_demo("tiny")
    assert Organization.objects.count() == count


def test_demo_without_serving_prints_address_and_logins(county_demo):
    out = io.StringIO()
    call_command("demo", "--no-serve", "--addr", "127.0.0.1:8123", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8123/" in text
    for username in ("county", "township", "secretary", "auditor", "security", "admin"):
        assert f"\n{username} " in text
    assert DEMO_PASSWORD in text
    assert county_demo.first_township.name in text and county_demo.secretary_branch.name in text
    assert "正在生成" not in text  # the county was there already
