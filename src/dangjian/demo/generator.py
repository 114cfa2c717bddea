"""Deterministic demo data: a county (or a prefecture, or a province of counties) with its
organization tree, members, their joining and conversion records and their posts.

Same seed and same reference day (`as_of`, today by default) give the same codes, names,
ID numbers and dates: names of counties come from one generator seeded by the seed, and
each county draws everything else from its own `random.Random` seeded by the seed and the
county's code, so counties can be built and written one at a time.
Dates that must sit near "today" (terms about to end, probationary members) are counted
back from `as_of`.

Speed matters (the province scale is the benchmarks' data set, about 900,000 members), so
each county is built in memory and written with `bulk_create`, and the tree's `path`,
`depth` and `numchild` are computed here instead of one treebeard `add_child` per node.
That is the one place allowed to do so: it only ever fills an empty tree (the loader
refuses otherwise), and the tests check the result with treebeard's `find_problems()`.
"""

import datetime as dt
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import transaction
from django.utils import timezone

from dangjian.core.audit import audit_record
from dangjian.core.dates import add_years
from dangjian.core.idnumber import build_id_number
from dangjian.core.pinyin import search_keys
from dangjian.members.choices import Category, Education, EventKind, PartyRole, Sex
from dangjian.members.models import Member, MemberEvent, MemberFigures, MemberRole
from dangjian.members.services import member_figures_recompute
from dangjian.orgs.choices import OrgKind, Sector
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import COMMITTEE_MIN_FULL_MEMBERS, TERM_WARNING_DAYS

from . import vocabulary as vocab
from .assessment import delete_assessment_data, write_assessment_year
from .orglife import plan_year_of_life, write_year_of_life
from .workflows import WorkflowCounts, delete_workflows, write_workflows

BATCH_SIZE = 1000
PROBATIONARY_SHARE = 0.03
# Share of organizations whose term has ended, and whose term ends within the warning window.
TERM_ENDED_SHARE = 0.03
TERM_ENDING_SHARE = 0.05


@dataclass(frozen=True)
class Scale:
    name: str
    label: str
    prefectures: int  # 0: no province root
    counties: int  # per prefecture; with prefectures == 0 and counties == 1, the county is the root
    townships: int
    villages: tuple[int, int]  # per township, inclusive range
    county_units: float  # share of the county offices, schools and enterprises to set up


SCALES = {
    # `tiny` is for tests of other parts: a county with two townships and a few units.
    "tiny": Scale("tiny", "微型（测试用）", 0, 1, 2, (3, 3), 0.2),
    "county": Scale("county", "县", 0, 1, 12, (10, 13), 1.0),
    "prefecture": Scale("prefecture", "州（市）", 0, 10, 12, (10, 13), 1.0),
    "province": Scale("province", "省", 15, 10, 12, (10, 13), 1.0),
}
PUBLIC_SCALES = ("county", "prefecture", "province")


class Rng(random.Random):
    def weighted(self, pairs: list[tuple[str, int]]) -> str:
        return self.choices([item for item, _ in pairs], weights=[weight for _, weight in pairs])[0]

    def day_between(self, start: dt.date, end: dt.date) -> dt.date:
        if end <= start:
            return start
        return start + dt.timedelta(days=self.randrange((end - start).days + 1))

    def mobile(self) -> str:
        return self.choice(vocab.MOBILE_PREFIXES) + f"{self.randrange(10**8):08d}"


@lru_cache(maxsize=100_000)
def _search_keys(name: str) -> tuple[str, str]:
    # Thousands of members share a few thousand names; pypinyin is the slow part otherwise.
    return search_keys(name)


def _ordinal(number: int) -> str:
    if number <= 10:
        return vocab.GROUP_ORDINALS[number - 1]
    return "十" + vocab.GROUP_ORDINALS[number - 11] if number < 20 else str(number)


# ---------------------------------------------------------------------------------------------
# The plan of one county, built in memory
# ---------------------------------------------------------------------------------------------


@dataclass
class Place:
    """Where a unit's members live and what they do: feeds addresses, jobs and ethnicity."""

    sector: str
    address: Callable[[Rng], str]
    ethnic_weights: list[tuple[str, int]]
    jobs: list[str]


@dataclass
class CountyPlan:
    code: str
    name: str
    organizations: list[Organization] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    events: list[MemberEvent] = field(default_factory=list)
    roles: list[MemberRole] = field(default_factory=list)
    # Where the demo logins go: the county root, its first township and a village branch.
    county: Organization | None = None
    first_township: Organization | None = None
    secretary_branch: Organization | None = None


class CountyBuilder:
    def __init__(
        self,
        *,
        seed: int,
        scale: Scale,
        code: str,
        name: str,
        area_code: str,
        parent: Organization | None,
        child_step: int,
        as_of: dt.date,
    ):
        self.rng = Rng(f"{seed}:{code}")
        self.scale = scale
        self.as_of = as_of
        self.area_code = area_code
        self.region = code
        self.county_name = name
        self.plan = CountyPlan(code=code, name=name)
        self.used_ids: set[str] = set()
        self.children: dict[str, list[Organization]] = {}
        self.branch_members: dict[str, list[Member]] = {}
        self.committee_homes: dict[str, Organization] = {}
        self._root_parent = parent
        self._root_step = child_step

    # -- tree -----------------------------------------------------------------------------

    def add_org(
        self,
        parent: Organization | None,
        *,
        name: str,
        short_name: str,
        kind: str,
        sector: str,
        established_on: dt.date,
    ) -> Organization:
        if parent is None or parent is self._root_parent:
            step, parent_path, parent_code = self._root_step, "", ""
            if self._root_parent is not None:
                parent_path, parent_code = self._root_parent.path, self._root_parent.code
            depth = (self._root_parent.depth if self._root_parent else 0) + 1
            code = self.region
        else:
            siblings = self.children.setdefault(parent.code, [])
            step = len(siblings) + 1
            parent_path, parent_code, depth = parent.path, parent.code, parent.depth + 1
            code = f"{parent_code}{step:02d}"
        organization = Organization(
            code=code,
            name=name,
            short_name=short_name,
            kind=kind,
            sector=sector,
            established_on=established_on,
            has_committee=kind in (OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE, OrgKind.GENERAL_BRANCH),
            path=Organization._get_path(parent_path, depth, step),
            depth=depth,
            numchild=0,
        )
        if parent is not None and parent is not self._root_parent:
            self.children[parent.code].append(organization)
            parent.numchild += 1
        self.plan.organizations.append(organization)
        return organization

    def established(self, first_year: int, last_year: int, not_before: dt.date | None = None) -> dt.date:
        start = dt.date(first_year, 1, 1)
        if not_before and not_before > start:
            start = not_before
        end = min(dt.date(last_year, 12, 31), self.as_of - dt.timedelta(days=400))
        return self.rng.day_between(start, max(start, end))

    # -- members --------------------------------------------------------------------------

    def birth_date(self, sector: str, *, young: bool = False) -> dt.date:
        rng = self.rng
        if young:
            age = rng.randint(22, 40)
        elif sector in (Sector.RURAL, Sector.COMMUNITY):
            age = rng.choices(
                [rng.randint(22, 34), rng.randint(35, 59), rng.randint(60, 75), rng.randint(76, 90)],
                weights=[12, 48, 30, 10],
            )[0]
        elif sector in (Sector.PRIVATE_ENTERPRISE, Sector.SOCIAL_ORG):
            age = rng.choices([rng.randint(22, 34), rng.randint(35, 58)], weights=[40, 60])[0]
        else:
            age = rng.choices(
                [rng.randint(23, 34), rng.randint(35, 59), rng.randint(60, 72)], weights=[28, 66, 6]
            )[0]
        latest = add_years(self.as_of, -age)
        return rng.day_between(latest - dt.timedelta(days=364), latest)

    def education(self, sector: str, birth_year: int) -> str:
        E = Education
        if sector in (Sector.RURAL, Sector.COMMUNITY):
            if birth_year < 1960:
                table = [
                    (E.PRIMARY_OR_BELOW, 55),
                    (E.JUNIOR_HIGH, 35),
                    (E.HIGH_SCHOOL, 8),
                    (E.SECONDARY_VOCATIONAL, 2),
                ]
            elif birth_year < 1980:
                table = [
                    (E.PRIMARY_OR_BELOW, 18),
                    (E.JUNIOR_HIGH, 48),
                    (E.HIGH_SCHOOL, 18),
                    (E.SECONDARY_VOCATIONAL, 8),
                    (E.JUNIOR_COLLEGE, 7),
                    (E.BACHELOR, 1),
                ]
            else:
                table = [
                    (E.JUNIOR_HIGH, 22),
                    (E.HIGH_SCHOOL, 20),
                    (E.SECONDARY_VOCATIONAL, 15),
                    (E.JUNIOR_COLLEGE, 27),
                    (E.BACHELOR, 16),
                ]
            if sector == Sector.COMMUNITY:
                # Town dwellers went to school longer: shift one step up.
                table = [(_one_step_up(level), weight) for level, weight in table]
        elif sector == Sector.GOVERNMENT:
            if birth_year < 1965:
                table = [
                    (E.HIGH_SCHOOL, 10),
                    (E.SECONDARY_VOCATIONAL, 20),
                    (E.JUNIOR_COLLEGE, 40),
                    (E.BACHELOR, 30),
                ]
            elif birth_year < 1985:
                table = [(E.JUNIOR_COLLEGE, 25), (E.BACHELOR, 67), (E.POSTGRADUATE, 8)]
            else:
                table = [(E.JUNIOR_COLLEGE, 8), (E.BACHELOR, 72), (E.POSTGRADUATE, 20)]
        elif sector == Sector.SCHOOL:
            table = [
                (E.SECONDARY_VOCATIONAL, 3),
                (E.JUNIOR_COLLEGE, 24),
                (E.BACHELOR, 65),
                (E.POSTGRADUATE, 8),
            ]
        elif sector == Sector.PUBLIC_INSTITUTION:
            table = [
                (E.SECONDARY_VOCATIONAL, 10),
                (E.JUNIOR_COLLEGE, 25),
                (E.BACHELOR, 55),
                (E.POSTGRADUATE, 10),
            ]
        elif sector == Sector.SOE:
            table = [
                (E.HIGH_SCHOOL, 10),
                (E.SECONDARY_VOCATIONAL, 15),
                (E.JUNIOR_COLLEGE, 35),
                (E.BACHELOR, 38),
                (E.POSTGRADUATE, 2),
            ]
        elif sector == Sector.PRIVATE_ENTERPRISE:
            table = [
                (E.JUNIOR_HIGH, 10),
                (E.HIGH_SCHOOL, 20),
                (E.SECONDARY_VOCATIONAL, 20),
                (E.JUNIOR_COLLEGE, 30),
                (E.BACHELOR, 20),
            ]
        else:
            table = [(E.HIGH_SCHOOL, 15), (E.JUNIOR_COLLEGE, 35), (E.BACHELOR, 45), (E.POSTGRADUATE, 5)]
        return self.rng.weighted(table)

    def person_name(self, sex: str, ethnicity: str, birth_year: int) -> str:
        rng = self.rng
        surnames = vocab.MINORITY_SURNAMES.get(ethnicity)
        surname = rng.weighted(surnames if surnames and rng.random() < 0.8 else vocab.HAN_SURNAMES)
        era = "old" if birth_year < 1965 else "mid" if birth_year < 1985 else "young"
        chars = vocab.GIVEN_CHARS[(era, sex)]
        double = rng.random() < {"old": 0.55, "mid": 0.65, "young": 0.8}[era]
        given = rng.choice(chars) + (rng.choice(chars) if double else "")
        return surname + given

    def id_number(self, birth: dt.date, sex: str) -> str:
        while True:
            # The sequence's last digit is odd for men and even for women (GB 11643).
            sequence = (
                self.rng.randrange(0, 100) * 10 + self.rng.randrange(0, 5) * 2 + (1 if sex == "M" else 0)
            )
            number = build_id_number(self.region, birth, sequence)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def join_dates(self, sector: str, birth: dt.date, probationary: bool) -> tuple[dt.date, dt.date | None]:
        rng = self.rng
        eighteen = add_years(birth, 18)
        if probationary:
            joined = rng.day_between(self.as_of - dt.timedelta(days=330), self.as_of - dt.timedelta(days=20))
            return max(joined, eighteen), None
        if sector in (Sector.RURAL, Sector.COMMUNITY):
            join_age = round(rng.triangular(19, 50, 28))
        elif sector in (Sector.PRIVATE_ENTERPRISE, Sector.SOCIAL_ORG):
            join_age = round(rng.triangular(19, 42, 26))
        else:
            join_age = round(rng.triangular(18, 38, 22))
        # A full member joined more than a year ago: probation lasts one year.
        latest = self.as_of - dt.timedelta(days=366 + 45)
        joined = add_years(birth, join_age) + dt.timedelta(days=rng.randrange(365))
        if joined > latest:
            joined = rng.day_between(eighteen, latest)
        joined = max(joined, eighteen)
        converted = add_years(joined, 1) + dt.timedelta(days=rng.randrange(0, 31))
        if rng.random() < 0.04:
            # Probation extended (党章第七条: by at most one year).
            converted = add_years(joined, 1) + dt.timedelta(days=rng.randrange(180, 366))
            converted = min(converted, add_years(joined, 2))
        return joined, min(converted, self.as_of)

    def add_members(
        self,
        branch: Organization,
        count: int,
        place: Place,
        *,
        probationary: int | None = None,
        groups: list[Organization] | None = None,
    ) -> list[Member]:
        """`count` members for `branch`; `probationary` fixes how many are 预备党员."""
        rng = self.rng
        male_share = {
            Sector.RURAL: 0.72,
            Sector.COMMUNITY: 0.42,
            Sector.GOVERNMENT: 0.62,
            Sector.PUBLIC_INSTITUTION: 0.4,
            Sector.SCHOOL: 0.42,
            Sector.SOE: 0.65,
            Sector.PRIVATE_ENTERPRISE: 0.68,
        }.get(place.sector, 0.5)
        if probationary is None:
            flags = [rng.random() < PROBATIONARY_SHARE for _ in range(count)]
        else:
            flags = [index < probationary for index in range(count)]
            rng.shuffle(flags)
        members = []
        for index, is_probationary in enumerate(flags):
            sex = Sex.MALE if rng.random() < male_share else Sex.FEMALE
            birth = self.birth_date(place.sector, young=is_probationary)
            ethnicity = rng.weighted(place.ethnic_weights)
            name = self.person_name(sex, ethnicity, birth.year)
            joined, converted = self.join_dates(place.sector, birth, is_probationary)
            pinyin, initials = _search_keys(name)
            member = Member(
                organization=branch,
                group=groups[index * len(groups) // count] if groups else None,
                name=name,
                name_pinyin=pinyin,
                name_initials=initials,
                sex=sex,
                ethnicity=ethnicity,
                id_number=self.id_number(birth, sex),
                birth_date=birth,
                education=self.education(place.sector, birth.year),
                category=Category.PROBATIONARY if is_probationary else Category.FULL,
                joined_on=joined,
                converted_on=converted,
                phone=rng.mobile(),
                job=rng.choice(place.jobs),
                address=place.address(rng),
            )
            members.append(member)
            self.plan.events.append(
                MemberEvent(member=member, kind=EventKind.JOINED, occurred_on=joined, organization=branch)
            )
            if converted:
                self.plan.events.append(
                    MemberEvent(
                        member=member, kind=EventKind.CONVERTED, occurred_on=converted, organization=branch
                    )
                )
        self.plan.members.extend(members)
        self.branch_members[branch.code] = members
        return members

    # -- posts ----------------------------------------------------------------------------

    def assign(self, organization: Organization, candidates: list[Member], roles: list[str]) -> list[Member]:
        """Give `roles` to distinct full members among `candidates`, secretary first."""
        full = [m for m in candidates if m.category == Category.FULL]
        # Posts go to people in their working years first, as parties elect them.
        preferred = [m for m in full if 30 <= self.as_of.year - m.birth_date.year <= 60] or full
        holders = self.rng.sample(preferred, min(len(roles), len(preferred)))
        if len(holders) < len(roles):
            holders += self.rng.sample(
                [m for m in full if m not in holders],
                min(len(roles) - len(holders), len(full) - len(holders)),
            )
        term_start = organization.term_started_on or organization.established_on or self.as_of
        for role, member in zip(roles, holders, strict=False):
            started = max(term_start, member.converted_on or member.joined_on)
            self.plan.roles.append(
                MemberRole(member=member, organization=organization, role=role, started_on=started)
            )
        if holders:
            secretary = holders[0]
            organization.secretary_name = secretary.name
            if organization.sector in (
                Sector.RURAL,
                Sector.COMMUNITY,
                Sector.PRIVATE_ENTERPRISE,
                Sector.SOCIAL_ORG,
            ):
                organization.contact_phone = secretary.phone
            else:
                organization.contact_phone = f"{self.area_code}-6{self.rng.randrange(10**6):06d}"
        return holders

    def branch_posts(
        self, branch: Organization, members: list[Member], *, force_no_committee: bool = False
    ) -> None:
        full = sum(1 for m in members if m.category == Category.FULL)
        branch.has_committee = full >= COMMITTEE_MIN_FULL_MEMBERS and not force_no_committee
        if branch.has_committee:
            roles = [PartyRole.SECRETARY, PartyRole.ORGANIZATION, PartyRole.PROPAGANDA]
            if full >= 15:
                roles.append(PartyRole.DISCIPLINE)
            if full >= 30:
                roles.insert(1, PartyRole.DEPUTY_SECRETARY)
        else:
            roles = [PartyRole.SECRETARY]
        holders = self.assign(branch, members, roles)
        if holders and branch.sector == Sector.RURAL:
            holders[0].job = "村党组织书记、村委会主任"
        elif holders and branch.sector == Sector.COMMUNITY:
            holders[0].job = "社区党组织书记、居委会主任"

    def groups_for(self, branch: Organization, count: int, rural_names: bool) -> list[Organization]:
        if count < 20:
            return []
        groups = []
        for number in range(1, min(6, max(2, round(count / 10))) + 1):
            label = f"第{_ordinal(number)}村民小组党小组" if rural_names else f"第{_ordinal(number)}党小组"
            groups.append(
                self.add_org(
                    branch,
                    name=f"{branch.name}{label}",
                    short_name=label,
                    kind=OrgKind.GROUP,
                    sector=branch.sector,
                    established_on=self.established(
                        branch.established_on.year, self.as_of.year, branch.established_on
                    ),
                )
            )
        return groups

    def group_leaders(self, groups: list[Organization], members: list[Member]) -> None:
        for group in groups:
            in_group = [m for m in members if m.group is group]
            self.assign(group, in_group, [PartyRole.GROUP_LEADER])
            # A group has a leader, not a secretary.
            group.secretary_name, group.contact_phone = "", ""

    def unit(
        self,
        parent: Organization,
        *,
        name: str,
        short_name: str,
        sector: str,
        size: int,
        place: Place,
        years: tuple[int, int],
        kind: str = OrgKind.BRANCH,
        split_over: int = 50,
        probationary: int | None = None,
        force_no_committee: bool = False,
    ) -> Organization:
        """One unit's party organization: a branch, or over `split_over` members a 党总支
        with branches under it (支部工作条例: over 50 members may set up a general branch)."""
        # A village or school has its branch from before the present township committee was set up.
        established = self.established(*years)
        rural = sector == Sector.RURAL
        if size <= split_over:
            branch = self.add_org(
                parent, name=name, short_name=short_name, kind=kind, sector=sector, established_on=established
            )
            groups = self.groups_for(branch, size, rural)
            members = self.add_members(branch, size, place, probationary=probationary, groups=groups)
            self.branch_members[branch.code] = members
            self.branch_posts(branch, members, force_no_committee=force_no_committee)
            self.group_leaders(groups, members)
            return branch
        general = self.add_org(
            parent,
            name=name.replace("党支部", "党总支"),
            short_name=short_name.replace("党支部", "党总支"),
            kind=OrgKind.GENERAL_BRANCH,
            sector=sector,
            established_on=established,
        )
        parts = math.ceil(size / 30)
        everyone: list[Member] = []
        for number in range(1, parts + 1):
            part_size = size // parts + (1 if number <= size % parts else 0)
            label = f"第{_ordinal(number)}党支部"
            branch = self.add_org(
                general,
                name=f"{general.name}{label}",
                short_name=label,
                kind=OrgKind.BRANCH,
                sector=sector,
                established_on=self.established(established.year, self.as_of.year, established),
            )
            groups = self.groups_for(branch, part_size, rural)
            members = self.add_members(branch, part_size, place, groups=groups)
            self.branch_posts(branch, members)
            self.group_leaders(groups, members)
            everyone += members
        self.assign(
            general,
            everyone,
            [
                PartyRole.SECRETARY,
                PartyRole.DEPUTY_SECRETARY,
                PartyRole.ORGANIZATION,
                PartyRole.PROPAGANDA,
                PartyRole.DISCIPLINE,
            ],
        )
        return general

    # -- the county -----------------------------------------------------------------------

    def place_name(self, used: set[str], second: str = vocab.PLACE_SECOND) -> str:
        while True:
            name = self.rng.choice(vocab.PLACE_FIRST) + self.rng.choice(second)
            if name not in used:
                used.add(name)
                return name

    def build(self) -> CountyPlan:
        rng, county_name = self.rng, self.county_name
        county = self.add_org(
            None,
            name=f"中共{county_name}委员会",
            short_name=f"{county_name}委",
            kind=OrgKind.COMMITTEE,
            sector=Sector.GOVERNMENT,
            established_on=self.established(1950, 1952),
        )
        self.plan.county = county
        seat_streets = vocab.STREETS

        def town_address(town: str) -> Callable[[Rng], str]:
            return lambda r: (
                f"{county_name}{town}{r.choice(seat_streets)}{r.randint(1, 300)}号{r.randint(1, 12)}栋{r.randint(1, 4)}单元"
            )

        county_ethnic = vocab.ETHNICITY_WEIGHTS
        used_places: set[str] = set()
        townships = []
        for index in range(1, self.scale.townships + 1):
            suffix = (
                "镇"
                if index <= self.scale.townships * 2 // 3
                else ("彝族乡" if index == self.scale.townships else "乡")
            )
            town = self.place_name(used_places) + suffix
            township = self.add_org(
                county,
                name=f"中共{county_name}{town}委员会",
                short_name=f"{town}党委",
                kind=OrgKind.COMMITTEE,
                sector=Sector.GOVERNMENT,
                established_on=self.established(1984, 2005, county.established_on),
            )
            townships.append((township, town))
        seat_town = townships[0][1]
        self.plan.first_township = townships[0][0]

        for index, (township, town) in enumerate(townships):
            ethnic = county_ethnic
            if town.endswith("彝族乡"):
                ethnic = [("彝族", 700), ("汉族", 250), ("回族", 30), ("苗族", 20)]
            prefix = f"{county_name}{town}"
            village_count = rng.randint(*self.scale.villages)
            communities = 4 if index == 0 else (1 if town.endswith("镇") else 0)
            if self.scale.name == "tiny":
                communities = min(communities, 1)
            village_names: set[str] = set()
            for number in range(village_count):
                village = self.place_name(village_names, vocab.VILLAGE_SECOND)
                village = village if village.endswith("村") else village + "村"
                size = round(rng.triangular(10, 65, 17))
                split_over = 50
                if index == 1 and number < 2:
                    # Two villages kept as one over-large branch: the home page warns about them.
                    size, split_over = rng.randint(52, 58), 99
                place = Place(
                    Sector.RURAL,
                    lambda r, v=village, p=prefix: (
                        f"{p}{v}委会{_ordinal(r.randint(1, 10))}组{r.randint(1, 120)}号"
                    ),
                    ethnic,
                    vocab.JOBS["rural"],
                )
                branch = self.unit(
                    township,
                    name=f"{prefix}{village}党支部",
                    short_name=f"{village}党支部",
                    sector=Sector.RURAL,
                    size=size,
                    place=place,
                    years=(1952, 1990),
                    split_over=split_over,
                )
                if (
                    index == 0
                    and self.plan.secretary_branch is None
                    and branch.kind == OrgKind.BRANCH
                    and branch.has_committee
                ):
                    self.plan.secretary_branch = branch
            for number in range(communities):
                community = vocab.COMMUNITY_NAMES[(number + index * 3) % len(vocab.COMMUNITY_NAMES)] + "社区"
                place = Place(
                    Sector.COMMUNITY,
                    lambda r, c=community, p=prefix: f"{p}{c}{r.choice(seat_streets)}{r.randint(1, 300)}号",
                    ethnic,
                    vocab.JOBS["community"],
                )
                self.unit(
                    township,
                    name=f"{prefix}{community}党支部",
                    short_name=f"{community}党支部",
                    sector=Sector.COMMUNITY,
                    size=round(rng.triangular(10, 45, 22)),
                    place=place,
                    years=(2001, 2016),
                )
            office = self.unit(
                township,
                name=f"{prefix}机关党支部",
                short_name="机关党支部",
                sector=Sector.GOVERNMENT,
                size=rng.randint(16, 30),
                place=Place(Sector.GOVERNMENT, town_address(town), ethnic, vocab.TOWNSHIP_JOBS),
                years=(1984, 2005),
            )
            self.committee_posts(
                township,
                office,
                deputies=2,
                posts=[PartyRole.ORGANIZATION, PartyRole.PROPAGANDA, PartyRole.DISCIPLINE],
            )
            self.unit(
                township,
                name=f"{prefix}中心学校党支部",
                short_name="中心学校党支部",
                sector=Sector.SCHOOL,
                size=rng.randint(6, 20),
                place=Place(Sector.SCHOOL, town_address(town), ethnic, vocab.JOBS["school"]),
                years=(1980, 2005),
            )
            self.unit(
                township,
                name=f"{prefix}卫生院党支部",
                short_name="卫生院党支部",
                sector=Sector.PUBLIC_INSTITUTION,
                size=rng.randint(4, 10),
                place=Place(
                    Sector.PUBLIC_INSTITUTION, town_address(town), ethnic, vocab.JOBS["public_institution"]
                ),
                years=(1985, 2010),
            )
            if rng.random() < 0.4:
                self.unit(
                    township,
                    name=f"{prefix}非公有制企业联合党支部",
                    short_name="非公有制企业联合党支部",
                    kind=OrgKind.JOINT_BRANCH,
                    sector=Sector.PRIVATE_ENTERPRISE,
                    size=rng.randint(5, 9),
                    place=Place(
                        Sector.PRIVATE_ENTERPRISE,
                        town_address(town),
                        ethnic,
                        vocab.JOBS["private_enterprise"],
                    ),
                    years=(2010, 2022),
                )

        if self.plan.secretary_branch is None:
            first_code = self.plan.first_township.code
            self.plan.secretary_branch = next(
                o
                for o in self.plan.organizations
                if o.kind == OrgKind.BRANCH and o.code.startswith(first_code)
            )
        self.county_units(county, seat_town, town_address(seat_town), county_ethnic)
        self.set_terms()
        return self.plan

    def committee_posts(
        self, committee: Organization, home: Organization, *, deputies: int, posts: list[str] | None = None
    ) -> None:
        """Posts of a 党委 held by members of its own office branch (机关党支部)."""
        roles = [PartyRole.SECRETARY] + [PartyRole.DEPUTY_SECRETARY] * deputies + list(posts or [])
        self.assign(committee, self.branch_members.get(home.code) or self._descendant_members(home), roles)

    def _descendant_members(self, organization: Organization) -> list[Member]:
        return [
            m
            for code, members in self.branch_members.items()
            if code.startswith(organization.code)
            for m in members
        ]

    def county_units(
        self,
        county: Organization,
        seat_town: str,
        address: Callable[[Rng], str],
        ethnic: list[tuple[str, int]],
    ) -> None:
        rng, county_name, share = self.rng, self.county_name, self.scale.county_units

        def local(name: str) -> str:
            return county_name + name[1:] if name.startswith("县") else name

        def pick(items: list) -> list:
            return items[: max(1, round(len(items) * share))]

        def place(sector: str) -> Place:
            return Place(sector, address, ethnic, vocab.JOBS[sector])

        def system(name: str, kind: str = OrgKind.COMMITTEE, sector: str = Sector.GOVERNMENT) -> Organization:
            return self.add_org(
                county,
                name=f"中共{local(name)}委员会"
                if kind == OrgKind.COMMITTEE
                else f"中共{local(name)}工作委员会",
                short_name=f"{name[1:]}党委" if kind == OrgKind.COMMITTEE else f"{name[1:]}工委",
                kind=kind,
                sector=sector,
                established_on=self.established(1980, 2010, county.established_on),
            )

        # Offices of the county (县直机关工委) and the public institutions outside health.
        organs = system("县直机关", OrgKind.WORKING_COMMITTEE)
        first_office = None
        for office in pick(vocab.COUNTY_OFFICES):
            branch = self.unit(
                organs,
                name=f"{local(office)}党支部",
                short_name=f"{office[1:]}党支部",
                sector=Sector.GOVERNMENT,
                size=round(rng.triangular(6, 35, 12)),
                place=place(Sector.GOVERNMENT),
                years=(1979, 2019),
            )
            first_office = first_office or branch
        for institution, size in pick(vocab.PUBLIC_INSTITUTIONS[3:]):
            self.unit(
                organs,
                name=f"{local(institution)}党支部",
                short_name=f"{institution[1:]}党支部",
                sector=Sector.PUBLIC_INSTITUTION,
                size=size,
                place=place(Sector.PUBLIC_INSTITUTION),
                years=(1970, 2015),
            )
        # The county committee's own posts are held by members of the first office (县委办公室).
        self.committee_posts(county, first_office, deputies=2, posts=[PartyRole.COMMITTEE_MEMBER] * 4)
        self.committee_posts(organs, first_office, deputies=1)

        for name, units, sector, years, sector_jobs in (
            ("县教育体育局", vocab.COUNTY_SCHOOLS, Sector.SCHOOL, (1956, 2005), Sector.SCHOOL),
            (
                "县卫生健康局",
                vocab.PUBLIC_INSTITUTIONS[:3],
                Sector.PUBLIC_INSTITUTION,
                (1952, 1995),
                Sector.PUBLIC_INSTITUTION,
            ),
            ("县国有资产监督管理委员会", vocab.STATE_ENTERPRISES, Sector.SOE, (1995, 2016), Sector.SOE),
        ):
            committee = system(name)
            home = self.unit(
                committee,
                name=f"{local(name)}机关党支部",
                short_name="机关党支部",
                sector=Sector.GOVERNMENT,
                size=rng.randint(8, 18),
                place=place(Sector.GOVERNMENT),
                years=(1990, 2015),
            )
            self.committee_posts(
                committee, home, deputies=1, posts=[PartyRole.ORGANIZATION, PartyRole.PROPAGANDA]
            )
            for unit_name, size in pick(units):
                self.unit(
                    committee,
                    name=f"{local(unit_name)}党支部",
                    short_name=f"{unit_name[1:]}党支部",
                    sector=sector,
                    size=size + rng.randint(-2, 4),
                    place=place(sector_jobs),
                    years=years,
                    split_over=40,
                )

        # 两新: private enterprises and social organizations under one comprehensive committee.
        liangxin = system("县非公有制经济组织和社会组织综合", OrgKind.COMMITTEE, Sector.PRIVATE_ENTERPRISE)
        used: set[str] = set()
        first = True
        for suffix in pick(vocab.PRIVATE_ENTERPRISES):
            company = f"{county_name}{self.place_name(used)}{suffix}"
            self.unit(
                liangxin,
                name=f"{company}党支部",
                short_name=f"{company.removeprefix(county_name)}党支部",
                sector=Sector.PRIVATE_ENTERPRISE,
                # The first keeps 7+ full members without a branch committee: a warning to show.
                size=rng.randint(8, 10) if first else rng.randint(3, 9),
                probationary=0 if first else None,
                force_no_committee=first,
                place=place(Sector.PRIVATE_ENTERPRISE),
                years=(2008, 2022),
            )
            first = False
        first = True
        for organization in pick(vocab.SOCIAL_ORGANIZATIONS):
            self.unit(
                liangxin,
                name=f"{local(organization)}党支部",
                short_name=f"{organization[1:]}党支部",
                sector=Sector.SOCIAL_ORG,
                # The first has only 2 full members: a 党支部 needs 3 (warning to show).
                size=3 if first else rng.randint(3, 8),
                probationary=1 if first else None,
                place=place(Sector.SOCIAL_ORG),
                years=(2012, 2022),
            )
            first = False
        self.unit(
            liangxin,
            name=f"{county_name}个体私营企业联合党支部",
            short_name="个体私营企业联合党支部",
            kind=OrgKind.JOINT_BRANCH,
            sector=Sector.PRIVATE_ENTERPRISE,
            size=rng.randint(6, 12),
            place=place(Sector.PRIVATE_ENTERPRISE),
            years=(2010, 2020),
        )
        self.assign(
            liangxin, self._descendant_members(liangxin), [PartyRole.SECRETARY, PartyRole.DEPUTY_SECRETARY]
        )

    def set_terms(self) -> None:
        """Terms for every elected organization: a few ended, a few ending soon, the rest running.

        5 years for 党委 and village and community organizations, 3 for the others (选举工作条例
        2020); a 党工委 is appointed, not elected, and a 党小组 has no term."""
        rng, as_of = self.rng, self.as_of
        elected = [
            o for o in self.plan.organizations if o.kind not in (OrgKind.WORKING_COMMITTEE, OrgKind.GROUP)
        ]
        ended = max(1, round(len(elected) * TERM_ENDED_SHARE))
        ending = max(1, round(len(elected) * TERM_ENDING_SHARE))
        order = rng.sample(range(len(elected)), len(elected))
        for position, index in enumerate(order):
            organization = elected[index]
            five = organization.kind == OrgKind.COMMITTEE or organization.sector in (
                Sector.RURAL,
                Sector.COMMUNITY,
            )
            years = 5 if five else 3
            if position < ended:
                ends = as_of - dt.timedelta(days=rng.randint(5, 300))
            elif position < ended + ending:
                ends = as_of + dt.timedelta(days=rng.randint(3, TERM_WARNING_DAYS - 5))
            else:
                ends = as_of + dt.timedelta(days=rng.randint(TERM_WARNING_DAYS + 10, years * 365 - 30))
            organization.term_years = years
            organization.term_started_on = add_years(ends, -years)
            if organization.established_on and organization.established_on > organization.term_started_on:
                organization.established_on = organization.term_started_on - dt.timedelta(
                    days=rng.randint(30, 700)
                )
        # A post starts with the current term (or the organization) and not before the holder
        # became a full member.
        for post in self.plan.roles:
            start = post.organization.term_started_on or post.organization.established_on or as_of
            post.started_on = max(start, post.member.converted_on or post.member.joined_on)


def _one_step_up(level: str) -> str:
    order = [
        Education.PRIMARY_OR_BELOW,
        Education.JUNIOR_HIGH,
        Education.HIGH_SCHOOL,
        Education.SECONDARY_VOCATIONAL,
        Education.JUNIOR_COLLEGE,
        Education.BACHELOR,
        Education.POSTGRADUATE,
    ]
    return order[min(order.index(level) + 1, len(order) - 1)]


# ---------------------------------------------------------------------------------------------
# Loading a whole scale
# ---------------------------------------------------------------------------------------------


REFUSAL = "数据库中已有党组织，未生成演示数据。如确需清空现有党组织和党员并重新生成，请加 --replace"


class DemoDataError(Exception):
    """Why the demo data cannot be loaded, in Chinese."""


@dataclass
class LoadResult:
    scale: Scale
    seed: int
    as_of: dt.date
    organizations: Counter = field(default_factory=Counter)  # by kind
    members: int = 0
    probationary: int = 0
    events: int = 0
    roles: int = 0
    activities: int = 0
    attendance: int = 0
    workflows: WorkflowCounts | None = None  # the county's pipeline, dues and terms, when written
    seconds: float = 0.0
    root: Organization | None = None
    county: Organization | None = None
    first_township: Organization | None = None
    secretary_branch: Organization | None = None

    def describe(self) -> str:
        kinds = "，".join(
            f"{OrgKind(kind).label}{count}个" for kind, count in sorted(self.organizations.items())
        )
        return (
            f"已生成 党组织{sum(self.organizations.values())}个（{kinds}），"
            f"党员{self.members}名（其中预备党员{self.probationary}名），"
            f"入党和转正记录{self.events}条，党内职务{self.roles}个，"
            f"组织生活记录{self.activities}条（出勤{self.attendance}人次）；"
            + (self.workflows.describe() if self.workflows else "")
            + f"用时{self.seconds:.1f}秒。"
        )

    def summary(self) -> dict:
        return {
            "scale": self.scale.name,
            "seed": self.seed,
            "as_of": self.as_of.isoformat(),
            "organizations": sum(self.organizations.values()),
            "organizations_by_kind": dict(sorted(self.organizations.items())),
            "members": self.members,
            "probationary": self.probationary,
            "events": self.events,
            "roles": self.roles,
            "activities": self.activities,
            "attendance": self.attendance,
            "seconds": round(self.seconds, 2),
        }


@dataclass(frozen=True)
class CountySpec:
    code: str
    name: str
    area_code: str
    parent: Organization | None
    step: int


def _upper_org(
    parent: Organization | None,
    step: int,
    *,
    code: str,
    name: str,
    short_name: str,
    numchild: int,
    established: dt.date,
) -> Organization:
    depth = parent.depth + 1 if parent else 1
    return Organization(
        code=code,
        name=name,
        short_name=short_name,
        kind=OrgKind.COMMITTEE,
        sector=Sector.GOVERNMENT,
        established_on=established,
        has_committee=True,
        path=Organization._get_path(parent.path if parent else "", depth, step),
        depth=depth,
        numchild=numchild,
    )


def plan_counties(scale: Scale, seed: int, as_of: dt.date) -> tuple[list[Organization], list[CountySpec]]:
    """The organizations above the counties (a prefecture or province root and prefectures)
    and what each county is called and where it hangs."""
    rng = Rng(f"{seed}:names")
    used: set[str] = set()

    def invented(suffix: str) -> str:
        while True:
            name = rng.choice(vocab.PLACE_FIRST) + rng.choice(vocab.PLACE_SECOND) + suffix
            if name not in used:
                used.add(name)
                return name

    def founded() -> dt.date:
        return rng.day_between(dt.date(1949, 10, 1), dt.date(1950, 12, 31))

    if scale.prefectures == 0 and scale.counties == 1:
        return [], [CountySpec(vocab.DALI_COUNTY_CODES[0], invented("县"), "0872", None, 1)]
    if scale.prefectures == 0:
        prefecture_code, area = vocab.YUNNAN_PREFECTURES[0]
        name = invented("州")
        root = _upper_org(
            None,
            1,
            code=prefecture_code,
            name=f"中共{name}委员会",
            short_name=f"{name}委",
            numchild=scale.counties,
            established=founded(),
        )
        counties = [
            CountySpec(code, invented("县"), area, root, step)
            for step, code in enumerate(vocab.DALI_COUNTY_CODES[: scale.counties], start=1)
        ]
        return [root], counties
    root = _upper_org(
        None,
        1,
        code="53",
        name="中共云南省委员会",
        short_name="云南省委",
        numchild=scale.prefectures,
        established=founded(),
    )
    uppers, counties = [root], []
    for step, (prefecture_code, area) in enumerate(vocab.YUNNAN_PREFECTURES[: scale.prefectures], start=1):
        name = invented("州" if step % 3 == 0 else "市")
        prefecture = _upper_org(
            root,
            step,
            code=prefecture_code,
            name=f"中共{name}委员会",
            short_name=f"{name}委",
            numchild=scale.counties,
            established=founded(),
        )
        uppers.append(prefecture)
        codes = (
            vocab.DALI_COUNTY_CODES[: scale.counties]
            if prefecture_code == "5329"
            else [f"{prefecture_code}{22 + index:02d}" for index in range(scale.counties)]
        )
        counties += [
            CountySpec(code, invented("县"), area, prefecture, county_step)
            for county_step, code in enumerate(codes, start=1)
        ]
    return uppers, counties


def build_county(spec: CountySpec, scale: Scale, seed: int, as_of: dt.date) -> CountyPlan:
    return CountyBuilder(
        seed=seed,
        scale=scale,
        code=spec.code,
        name=spec.name,
        area_code=spec.area_code,
        parent=spec.parent,
        child_step=spec.step,
        as_of=as_of,
    ).build()


def iter_county_plans(scale: Scale, seed: int, as_of: dt.date) -> Iterator[CountyPlan]:
    """Every county of the scale, built one at a time (without touching the database)."""
    _, counties = plan_counties(scale, seed, as_of)
    for spec in counties:
        yield build_county(spec, scale, seed, as_of)


def delete_all() -> dict[str, int]:
    """Remove every organization and member (and the grants on those organizations), for `--replace`."""
    from django.db.models import ProtectedError

    from dangjian.access.models import Grant
    from dangjian.orglife.models import Activity, Attendance, LocalRuleSet

    counts = {
        "members": Member.objects.count(),
        "organizations": Organization.objects.count(),
        "grants": Grant.objects.count(),
    }
    try:
        delete_assessment_data()
        delete_workflows()
        Attendance.objects.all().delete()
        Activity.objects.all().delete()
        LocalRuleSet.objects.all().delete()
        MemberRole.objects.all().delete()
        MemberEvent.objects.all().delete()
        MemberFigures.objects.all().delete()
        Member.objects.all().delete()
        Grant.objects.all().delete()
        Organization.objects.all().delete()
    except ProtectedError as exc:
        blocking = sorted({obj._meta.verbose_name for obj in exc.protected_objects})
        raise DemoDataError(f"无法清空：以下数据仍引用党组织或党员：{'、'.join(map(str, blocking))}") from exc
    return counts


def load_demo(
    scale_name: str,
    *,
    seed: int = 1,
    as_of: dt.date | None = None,
    replace: bool = False,
    progress: Callable[[str], None] | None = None,
    orglife: bool | None = None,
) -> LoadResult:
    """Write the demo data of a scale into an empty database (or, with `replace`, emptied first).

    `orglife`: also a year of organizational life up to `as_of`; by default only for a single
    county, since at prefecture and province scale the records would outweigh everything else
    (tens of millions of attendance rows) and the benchmarks measure the roster."""
    scale = SCALES[scale_name]
    as_of = as_of or timezone.localdate()
    if orglife is None:
        orglife = scale.prefectures == 0 and scale.counties == 1
    started = time.perf_counter()
    result = LoadResult(scale=scale, seed=seed, as_of=as_of)
    with transaction.atomic():
        if Organization.objects.exists():
            if not replace:
                raise DemoDataError(REFUSAL)
            delete_all()
        uppers, counties = plan_counties(scale, seed, as_of)
        Organization.objects.bulk_create(uppers, batch_size=BATCH_SIZE)
        result.organizations.update(o.kind for o in uppers)
        for number, spec in enumerate(counties, start=1):
            plan = build_county(spec, scale, seed, as_of)
            _write(plan)
            result.organizations.update(o.kind for o in plan.organizations)
            result.members += len(plan.members)
            result.probationary += sum(1 for m in plan.members if m.category == Category.PROBATIONARY)
            result.events += len(plan.events)
            result.roles += len(plan.roles)
            if orglife:
                life = plan_year_of_life(plan, Rng(f"{seed}:orglife:{spec.code}"), as_of)
                write_year_of_life(life, BATCH_SIZE)
                result.activities += len(life.activities)
                result.attendance += len(life.attendance)
                # Recruitment pipeline, dues year and term calendar (demo/workflows.py).
                result.workflows = write_workflows(
                    plan, Rng(f"{seed}:workflows:{spec.code}"), as_of, BATCH_SIZE
                )
                write_assessment_year(plan, Rng(f"{seed}:assessment:{spec.code}"), as_of)
            if result.county is None:
                result.county, result.first_township, result.secretary_branch = (
                    plan.county,
                    plan.first_township,
                    plan.secretary_branch,
                )
            if progress and len(counties) > 1:
                progress(f"  {number}/{len(counties)} {spec.name}：党员{len(plan.members)}名")
        result.root = uppers[0] if uppers else result.county
        # The home page of a prefecture or province reads the precomputed member figures.
        member_figures_recompute(full=True)
        result.seconds = time.perf_counter() - started
        # One audit row for the whole load, not one per organization and member: the load is a
        # single act of the operator, and a million synthetic rows would bury every real entry
        # of the audit page (and double the write time of the benchmarks' data set).
        audit_record(
            actor=None, action="demo.load", obj=result.root, organization=result.root, after=result.summary()
        )
    return result


def _write(plan: CountyPlan) -> None:
    Organization.objects.bulk_create(plan.organizations, batch_size=BATCH_SIZE)
    Member.objects.bulk_create(plan.members, batch_size=BATCH_SIZE)
    MemberEvent.objects.bulk_create(plan.events, batch_size=BATCH_SIZE)
    MemberRole.objects.bulk_create(plan.roles, batch_size=BATCH_SIZE)
