import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model

from dangjian.access.roles import Role
from dangjian.access.services import grant_create
from dangjian.core.idnumber import build_id_number
from dangjian.members.choices import Category
from dangjian.members.models import Member
from dangjian.members.services import member_create
from dangjian.orgs.choices import OrgKind, Sector
from dangjian.orgs.models import Organization
from dangjian.orgs.services import organization_create

PASSWORD = "Test-pass-2026"
_sequence = itertools.count(1)


def new_id_number(birth: dt.date = dt.date(1980, 5, 17), sex: str = "M", region: str = "530121") -> str:
    """A fresh valid ID number for the given birth date and sex."""
    seq = next(_sequence) * 2 % 1000
    seq = seq + 1 if sex == "M" else seq
    return build_id_number(region, birth, seq)


def make_member(organization: Organization, *, actor: Any = None, **fields: Any) -> Member:
    birth = fields.pop("birth_date", dt.date(1980, 5, 17))
    sex = fields.pop("sex", "M")
    defaults: dict[str, Any] = {
        "name": "张建国",
        "id_number": new_id_number(birth, sex),
        "category": Category.FULL,
        "joined_on": dt.date(2005, 7, 1),
        "converted_on": dt.date(2006, 7, 1),
    }
    defaults.update(fields)
    if defaults["category"] == Category.PROBATIONARY and "converted_on" not in fields:
        defaults["converted_on"] = None
    return member_create(actor=actor, organization=organization, **defaults)


def make_user(username: str, role: str | None = None, organization: Organization | None = None, **extra: Any):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)
    if role and organization:
        grant_create(actor=None, user=user, organization=organization, role=role)
    return user


@dataclass
class World:
    county: Organization
    township_a: Organization
    township_b: Organization
    branch_a1: Organization
    branch_a2: Organization
    group_a1: Organization
    branch_b1: Organization
    users: dict[str, Any] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)


def build_world() -> World:
    """County → townships A and B → branches; A1 has a 党小组; a few members each.

    Users: county_admin (组织部管理员 at the county), township_a_admin and township_b_admin
    (组织部管理员 at their township), secretary_a1 (书记 of branch A1), inspector_a (督查 at
    township A), auditor (审计员 at the county)."""
    create = organization_create
    county = create(
        actor=None, parent=None, code="C1", name="示范县委", kind=OrgKind.COMMITTEE, sector=Sector.GOVERNMENT
    )
    township_a = create(
        actor=None,
        parent=county,
        code="TA",
        name="甲镇党委",
        kind=OrgKind.COMMITTEE,
        sector=Sector.GOVERNMENT,
    )
    township_b = create(
        actor=None,
        parent=county,
        code="TB",
        name="乙镇党委",
        kind=OrgKind.COMMITTEE,
        sector=Sector.GOVERNMENT,
    )
    branch_a1 = create(
        actor=None,
        parent=township_a,
        code="TA01",
        name="甲镇东村党支部",
        kind=OrgKind.BRANCH,
        sector=Sector.RURAL,
    )
    branch_a2 = create(
        actor=None,
        parent=township_a,
        code="TA02",
        name="甲镇西村党支部",
        kind=OrgKind.BRANCH,
        sector=Sector.RURAL,
    )
    group_a1 = create(
        actor=None,
        parent=branch_a1,
        code="TA01G1",
        name="东村第一党小组",
        kind=OrgKind.GROUP,
        sector=Sector.RURAL,
    )
    branch_b1 = create(
        actor=None,
        parent=township_b,
        code="TB01",
        name="乙镇南村党支部",
        kind=OrgKind.BRANCH,
        sector=Sector.RURAL,
    )
    world = World(county, township_a, township_b, branch_a1, branch_a2, group_a1, branch_b1)
    world.users = {
        "county_admin": make_user("county_admin", Role.ORG_ADMIN, county),
        "township_a_admin": make_user("township_a_admin", Role.ORG_ADMIN, township_a),
        "township_b_admin": make_user("township_b_admin", Role.ORG_ADMIN, township_b),
        "secretary_a1": make_user("secretary_a1", Role.SECRETARY, branch_a1),
        "inspector_a": make_user("inspector_a", Role.INSPECTOR, township_a),
        "auditor": make_user("auditor", Role.AUDITOR, county),
        "nobody": make_user("nobody"),
    }
    world.members = {
        "zhang": make_member(branch_a1, name="张建国", group=group_a1),
        "li": make_member(
            branch_a1,
            name="李秀英",
            sex="F",
            birth_date=dt.date(1990, 3, 8),
            joined_on=dt.date(2015, 6, 20),
            converted_on=dt.date(2016, 6, 20),
        ),
        "wang": make_member(branch_a2, name="王小明"),
        "zhao": make_member(
            branch_b1, name="赵丽", sex="F", category=Category.PROBATIONARY, joined_on=dt.date(2026, 1, 10)
        ),
    }
    return world
