"""The statutory workflows of the demo county, written in bulk after its organizations and
members: a recruitment pipeline, a year of dues and a calendar of elections.

- Pipeline: every probationary member on the roster has the steps that brought them there
  (the admission vote on their 入党日期) and those since; a share of the branches have people
  at the earlier stages, some with a deadline days away (a talk due within the month of the
  application, a half-yearly review of an activist coming up). The demo secretary's branch
  always has one of each. Townships and the county have this year's plan (指导性计划).
- Dues: each member's category and base for the year, the months up to `as_of` opened, most
  paid in their month, a few members three to five months behind, a few quarterly payers,
  a couple of hardship exemptions approved by the township.
- Terms: an election on file for every organization whose term started in the last two
  years (the generator sets a few ended and a few ending soon), and one overdue election
  postponed with the township's approval.

Every date respects the rules of `recruitment.rules`, `dues.rules` and `terms.rules`, so the
pages show the same warnings the services would give. One `Rng` per county, so the same seed
and `as_of` give the same records.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import connection
from django.utils import timezone

from dangjian.core.dates import add_years
from dangjian.core.idnumber import build_id_number
from dangjian.dues import rules as dues_rules
from dangjian.dues.choices import DuesCategory, PaymentMethod
from dangjian.dues.models import DuesExemption, DuesMonth, DuesProfile
from dangjian.members.choices import Category, Education, MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.choices import BRANCH_KINDS, OrgKind, Sector
from dangjian.orgs.models import Organization
from dangjian.recruitment.choices import Stage, Step
from dangjian.recruitment.models import Candidate, RecruitmentPlan, RecruitmentStep
from dangjian.recruitment.rules import add_months
from dangjian.terms import rules as term_rules
from dangjian.terms.models import Election, TermPostponement

from . import vocabulary as vocab
from .orglife import _insert_rows as insert_rows

if TYPE_CHECKING:
    from .generator import CountyPlan, Rng

# Share of branches with people at the early stages, and how many each has.
PIPELINE_BRANCH_SHARE = 0.45
PEOPLE_PER_BRANCH = (1, 3)
STAGE_WEIGHTS = [(Stage.APPLICANT, 45), (Stage.ACTIVIST, 40), (Stage.CANDIDATE, 15)]
# Dues: members behind for three to five months, members paying by the quarter.
ARREARS_SHARE = 0.02
QUARTERLY_SHARE = 0.05
CURRENT_MONTH_PAID_SHARE = 0.45
EXEMPTIONS = 2
RETIREMENT_AGE = 60
SALARY_RANGES = {
    Sector.GOVERNMENT: (4200, 9500),
    Sector.PUBLIC_INSTITUTION: (3800, 8500),
    Sector.SCHOOL: (4500, 8200),
    Sector.UNIVERSITY: (6000, 13000),
    Sector.SOE: (4500, 12500),
    Sector.PRIVATE_ENTERPRISE: (2800, 7000),
    Sector.SOCIAL_ORG: (2600, 5200),
    Sector.COMMUNITY: (2600, 4800),
}
OCCUPATIONS = {
    Sector.RURAL: [("农民", 60), ("外出务工人员", 15), ("村医", 3), ("个体工商户", 10), ("村级后备干部", 12)],
    Sector.COMMUNITY: [("社区工作者", 40), ("个体工商户", 30), ("自由职业者", 30)],
}
NAMES_KEPT = 12
OTHER_OCCUPATIONS = [("专业技术人员", 40), ("管理人员", 25), ("工人", 20), ("教师", 15)]


@dataclass
class WorkflowCounts:
    candidates: Counter = field(default_factory=Counter)  # by stage
    steps: int = 0
    plans: int = 0
    dues_profiles: int = 0
    dues_months: int = 0
    dues_exemptions: int = 0
    elections: int = 0
    postponements: int = 0

    def describe(self) -> str:
        return (
            f"发展党员对象{sum(self.candidates.values())}名（步骤{self.steps}条），发展计划{self.plans}个，"
            f"党费月账{self.dues_months}条（减免{self.dues_exemptions}人），"
            f"换届选举记录{self.elections}条（延期{self.postponements}个）；"
        )


def _votes(rng: Rng, entitled: int) -> tuple[int, int]:
    """A valid meeting that carries: more than half present and in favour."""
    entitled = max(entitled, 1)
    present = min(entitled, max(entitled // 2 + 1, round(entitled * rng.uniform(0.8, 1.0))))
    in_favour = max(entitled // 2 + 1, present - rng.randrange(0, 2))
    return present, min(present, in_favour)


@dataclass
class _Person:
    candidate: Candidate
    steps: list[tuple[str, dt.date, dict]]
    sponsors: int = 0  # how many full members to name on the sponsors step
    contacts: int = 0


class _Pipeline:
    def __init__(self, plan: CountyPlan, rng: Rng, as_of: dt.date):
        self.plan, self.rng, self.as_of = plan, rng, as_of
        self.used_ids = {m.id_number for m in plan.members}
        self.region = plan.members[0].id_number[:6] if plan.members else "530000"
        self.full_by_branch: dict[int, list[Member]] = defaultdict(list)
        for member in plan.members:
            if member.category == Category.FULL and member.status == MemberStatus.ACTIVE:
                self.full_by_branch[member.organization_id].append(member)
        self.people: list[_Person] = []

    # --- a path of steps, each after the one before and never after as_of ------------------

    def admitted(self, member: Member) -> None:
        """A probationary member: the whole path to the vote on their 入党日期, and what came since."""
        rng, vote = self.rng, member.joined_on
        entitled = len(self.full_by_branch[member.organization_id])
        applied = max(vote - dt.timedelta(days=rng.randint(760, 1100)), add_years(member.birth_date, 18))
        steps = self.early_steps(applied, activist_reviews_until=None)
        activist_on = next(day for step, day, _ in steps if step == Step.ACTIVIST_SELECTION)
        chosen = max(
            add_years(activist_on, 1) + dt.timedelta(days=rng.randint(1, 40)), vote - dt.timedelta(days=95)
        )
        steps = [s for s in steps if s[1] < chosen]
        # Half-yearly reviews up to the candidate selection.
        review = add_months(activist_on, 5)
        while review < chosen:
            steps.append((Step.ACTIVIST_REVIEW, review, {"documents": "考察意见"}))
            review = add_months(review, 5)
        day = chosen
        for step, gap, extra in (
            (Step.CANDIDATE_SELECTION, 0, {}),
            (Step.CANDIDATE_FILING, 5, {}),
            (Step.SPONSORS_ASSIGNED, 3, {}),
            (Step.POLITICAL_REVIEW, 15, {"documents": "政审材料"}),
            (Step.TRAINING, 10, {"training_days": Decimal(3), "documents": "培训结业证书"}),
            (Step.COMMITTEE_REVIEW, 12, {}),
            (Step.SUPERIOR_PREREVIEW, 7, {}),
            (Step.APPLICATION_FORM, 5, {"documents": "入党志愿书"}),
        ):
            day = min(day + dt.timedelta(days=gap), vote)
            steps.append((step, day, extra))
        present, in_favour = _votes(rng, entitled)
        steps.append(
            (
                Step.ADMISSION_VOTE,
                vote,
                {"votes_entitled": entitled, "votes_present": present, "votes_in_favour": in_favour},
            )
        )
        later = [
            (Step.SUPERIOR_TALK, 10, {"talker_name": "乡镇党委组织委员"}),
            (Step.ADMISSION_APPROVAL, rng.randint(30, 70), {}),
            (Step.ADMISSION_RECORD_FILING, 7, {}),
            (Step.PLACEMENT, 3, {}),
            (Step.OATH, 0, {}),
            (Step.PROBATION_EDUCATION, 120, {"documents": "季度思想汇报"}),
        ]
        day = vote
        for step, gap, extra in later:
            day = day + dt.timedelta(days=gap)
            if day > self.as_of:
                break
            steps.append((step, day, extra))
        ends = add_years(vote, 1)
        if ends - self.as_of < dt.timedelta(days=45) and day <= self.as_of:
            application = max(day, ends - dt.timedelta(days=30))
            if application <= self.as_of:
                steps.append((Step.CONVERSION_APPLICATION, application, {"documents": "转正申请书"}))
        candidate = Candidate(
            organization_id=member.organization_id,
            name=member.name,
            id_number=member.id_number,
            sex=member.sex,
            birth_date=member.birth_date,
            phone=member.phone,
            education=member.education,
            occupation=member.job,
            stage=Stage.PROBATIONARY,
            member=member,
        )
        self.people.append(_Person(candidate, steps, sponsors=2, contacts=1))

    def early_steps(self, applied: dt.date, activist_reviews_until: dt.date | None) -> list:
        rng = self.rng
        talk = applied + dt.timedelta(days=rng.randint(7, 26))
        activist = talk + dt.timedelta(days=rng.randint(40, 150))
        steps: list[tuple[str, dt.date, dict]] = [
            (Step.APPLICATION, applied, {"documents": "入党申请书"}),
            (Step.APPLICATION_FILING, applied + dt.timedelta(days=3), {"documents": "入党申请书复印件"}),
            (Step.APPLICATION_FILING_REVIEW, applied + dt.timedelta(days=rng.randint(8, 25)), {}),
            (Step.APPLICATION_TALK, talk, {"talker_name": "支部书记"}),
            (Step.ACTIVIST_SELECTION, activist, {"documents": "推荐票、支委会会议记录"}),
            (Step.ACTIVIST_FILING, activist + dt.timedelta(days=5), {}),
            (Step.CONTACTS_ASSIGNED, activist + dt.timedelta(days=5), {}),
        ]
        if activist_reviews_until is not None:
            review = add_months(activist, 5)
            while review <= activist_reviews_until:
                steps.append((Step.ACTIVIST_REVIEW, review, {"documents": "考察意见"}))
                review = add_months(review, 5)
        return steps

    def newcomer(self, branch: Organization, stage: str, *, due_soon: bool = False) -> None:
        """Someone at an early stage; with `due_soon`, their next deadline is days away."""
        rng, as_of = self.rng, self.as_of
        if stage == Stage.APPLICANT:
            if due_soon:
                # Applied three to four weeks ago, filed with the township, no talk yet: the
                # talk is due within days (one month from the application).
                applied = as_of - dt.timedelta(days=rng.randint(22, 28))
                steps = self.early_steps(applied, None)[:2]
            else:
                applied = as_of - dt.timedelta(days=rng.randint(3, 200))
                steps = [s for s in self.early_steps(applied, None)[:4] if s[1] <= as_of]
        elif stage == Stage.ACTIVIST:
            # The last review about five and a half months ago: the next one is due soon.
            applied = as_of - dt.timedelta(days=rng.randint(200, 700))
            steps = [s for s in self.early_steps(applied, as_of) if s[1] <= as_of]
        else:
            # Early enough that the year as an activist is over before the selection.
            applied = as_of - dt.timedelta(days=rng.randint(620, 850))
            steps = self.early_steps(applied, None)
            activist_on = next(day for step, day, _ in steps if step == Step.ACTIVIST_SELECTION)
            chosen = add_years(activist_on, 1) + dt.timedelta(days=rng.randint(1, 60))
            review = add_months(activist_on, 5)
            while review < chosen:
                steps.append((Step.ACTIVIST_REVIEW, review, {"documents": "考察意见"}))
                review = add_months(review, 5)
            day = chosen
            for step, gap, extra in (
                (Step.CANDIDATE_SELECTION, 0, {}),
                (Step.CANDIDATE_FILING, 5, {}),
                (Step.SPONSORS_ASSIGNED, 3, {}),
                (Step.POLITICAL_REVIEW, 20, {"documents": "政审材料"}),
                (Step.TRAINING, 15, {"training_hours": Decimal(24), "documents": "培训结业证书"}),
            ):
                day = day + dt.timedelta(days=gap)
                if day > as_of:
                    break
                steps.append((step, day, extra))
        sex = "F" if rng.random() < 0.42 else "M"
        # At least 22: the earliest application below is two and a half years back, at 18 or over.
        birth = dt.date(as_of.year - rng.randint(22, 45), rng.randint(1, 12), rng.randint(1, 28))
        sector = branch.sector
        candidate = Candidate(
            organization=branch,
            name=self.name(sex, birth.year),
            id_number=self.id_number(birth, sex),
            sex=sex,
            birth_date=birth,
            phone=rng.mobile(),
            education=rng.choice(
                [Education.HIGH_SCHOOL, Education.JUNIOR_COLLEGE, Education.BACHELOR]
                if sector != Sector.RURAL
                else [Education.JUNIOR_HIGH, Education.HIGH_SCHOOL, Education.JUNIOR_COLLEGE]
            ),
            occupation=rng.weighted(OCCUPATIONS.get(sector, OTHER_OCCUPATIONS)),
            stage=stage,
        )
        self.people.append(_Person(candidate, steps, sponsors=2, contacts=1))

    def name(self, sex: str, birth_year: int) -> str:
        era = "old" if birth_year < 1965 else "mid" if birth_year < 1985 else "young"
        chars = vocab.GIVEN_CHARS[(era, sex)]
        given = self.rng.choice(chars) + (self.rng.choice(chars) if self.rng.random() < 0.75 else "")
        return self.rng.weighted(vocab.HAN_SURNAMES) + given

    def id_number(self, birth: dt.date, sex: str) -> str:
        while True:
            sequence = (
                self.rng.randrange(0, 100) * 10 + self.rng.randrange(0, 5) * 2 + (1 if sex == "M" else 0)
            )
            number = build_id_number(self.region, birth, sequence)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def write(self, batch_size: int, counts: WorkflowCounts) -> None:
        Candidate.objects.bulk_create([p.candidate for p in self.people], batch_size=batch_size)
        records: list[RecruitmentStep] = []
        people_for: list[tuple[RecruitmentStep, _Person]] = []
        for person in self.people:
            for step, day, extra in sorted(person.steps, key=lambda s: s[1]):
                record = RecruitmentStep(candidate=person.candidate, step=step, occurred_on=day, **extra)
                records.append(record)
                if step in (Step.SPONSORS_ASSIGNED, Step.CONTACTS_ASSIGNED):
                    people_for.append((record, person))
            counts.candidates[person.candidate.stage] += 1
        RecruitmentStep.objects.bulk_create(records, batch_size=batch_size)
        counts.steps += len(records)
        sponsors, contacts = [], []
        for record, person in people_for:
            pool = [
                m
                for m in self.full_by_branch[person.candidate.organization_id]
                if m.pk != person.candidate.member_id
            ]
            if record.step == Step.SPONSORS_ASSIGNED:
                chosen = self.rng.sample(pool, min(2, len(pool)))
                sponsors += [
                    RecruitmentStep.sponsors.through(recruitmentstep=record, member=m) for m in chosen
                ]
            else:
                chosen = self.rng.sample(pool, min(1, len(pool)))
                contacts += [
                    RecruitmentStep.contacts.through(recruitmentstep=record, member=m) for m in chosen
                ]
        RecruitmentStep.sponsors.through.objects.bulk_create(sponsors, batch_size=batch_size)
        RecruitmentStep.contacts.through.objects.bulk_create(contacts, batch_size=batch_size)


def _pipeline(plan: CountyPlan, rng: Rng, as_of: dt.date, batch_size: int, counts: WorkflowCounts) -> None:
    pipeline = _Pipeline(plan, rng, as_of)
    for member in plan.members:
        if member.category == Category.PROBATIONARY and member.status == MemberStatus.ACTIVE:
            pipeline.admitted(member)
    branches = [o for o in plan.organizations if o.kind in BRANCH_KINDS]
    demo = plan.secretary_branch
    if demo is not None:
        # The demo secretary sees both kinds of deadline at once.
        pipeline.newcomer(demo, Stage.APPLICANT, due_soon=True)
        pipeline.newcomer(demo, Stage.ACTIVIST)
        pipeline.newcomer(demo, Stage.CANDIDATE)
    for branch in branches:
        if branch is demo or rng.random() >= PIPELINE_BRANCH_SHARE:
            continue
        for _ in range(rng.randint(*PEOPLE_PER_BRANCH)):
            stage = rng.weighted(STAGE_WEIGHTS)
            pipeline.newcomer(branch, stage, due_soon=stage == Stage.APPLICANT and rng.random() < 0.25)
    pipeline.write(batch_size, counts)
    # This year's guiding plans for the county and its townships, about what they admit.
    admitted: Counter = Counter()
    for person in pipeline.people:
        vote = next((day for step, day, _ in person.steps if step == Step.ADMISSION_VOTE), None)
        if vote is not None and vote.year == as_of.year:
            branch_path = next(o.path for o in plan.organizations if o.pk == person.candidate.organization_id)
            for length in range(Organization.steplen, len(branch_path) + 1, Organization.steplen):
                admitted[branch_path[:length]] += 1
    plans = []
    for organization in plan.organizations:
        if organization.kind != OrgKind.COMMITTEE:
            continue
        done = admitted[organization.path]
        quota = max(1, round(done * rng.uniform(1.0, 1.5)) + rng.randint(0, 2))
        plans.append(
            RecruitmentPlan(
                organization=organization,
                year=as_of.year,
                quota=quota,
                under_35_quota=max(0, round(quota * 0.6)),
                women_quota=max(0, round(quota * 0.3)),
                note="",
            )
        )
    RecruitmentPlan.objects.bulk_create(plans, batch_size=batch_size)
    counts.plans += len(plans)


# --- dues -------------------------------------------------------------------------------------


def _profile(member: Member, rng: Rng, as_of: dt.date) -> DuesProfile:
    sector = member.organization.sector
    job = member.job or ""
    retired = add_years(member.birth_date, RETIREMENT_AGE) <= as_of
    base = fixed = None
    if "学生" in job:
        category = DuesCategory.STUDENT
    elif sector == Sector.RURAL and not retired:
        category = DuesCategory.FARMER
        fixed = Decimal(rng.choice(["0.50", "0.50", "1.00", "0.20"]))
    elif retired:
        category = DuesCategory.RETIRED
        base = Decimal(rng.randint(2200, 7200))
    elif sector in SALARY_RANGES:
        category = DuesCategory.SALARIED
        low, high = SALARY_RANGES[sector]
        base = Decimal(rng.randint(low, high))
    else:
        category = DuesCategory.OTHER
        base = Decimal(rng.randint(1500, 4000))
    extra = Decimal(rng.choice([0] * 19 + [10]))
    return DuesProfile(
        member=member,
        year=as_of.year,
        category=category,
        monthly_base=base,
        fixed_amount=fixed,
        voluntary_extra=extra,
        monthly_due=dues_rules.monthly_dues(category, base, fixed, extra),
        set_on=dt.date(as_of.year, 1, rng.randint(5, 25)),
    )


def _dues(plan: CountyPlan, rng: Rng, as_of: dt.date, batch_size: int, counts: WorkflowCounts) -> None:
    members = [
        m
        for m in plan.members
        if m.status == MemberStatus.ACTIVE and m.organization.kind in BRANCH_KINDS and m.joined_on <= as_of
    ]
    profiles = [_profile(m, rng, as_of) for m in members]
    DuesProfile.objects.bulk_create(profiles, batch_size=batch_size)
    counts.dues_profiles += len(profiles)
    # A couple of rural members in hardship, exempt from March with the township's approval.
    exempt: dict[int, DuesExemption] = {}
    farmers = [p for p in profiles if p.category == DuesCategory.FARMER]
    for profile in rng.sample(farmers, min(EXEMPTIONS, len(farmers))) if as_of.month >= 3 else []:
        branch = profile.member.organization
        township = next(
            (o for o in plan.organizations if o.path == branch.path[: -Organization.steplen]), None
        )
        exempt[profile.member.pk] = DuesExemption(
            member=profile.member,
            year=as_of.year,
            first_month=3,
            last_month=12,
            monthly_amount=Decimal(0),
            reason=rng.choice(["因病致贫，生活确有困难", "年老体弱，无固定收入，享受最低生活保障"]),
            branch_decided_on=dt.date(as_of.year, 2, 20),
            approved_by=township.name if township else "乡镇党委",
            approved_on=dt.date(as_of.year, 2, 28),
        )
    DuesExemption.objects.bulk_create(list(exempt.values()), batch_size=batch_size)
    counts.dues_exemptions += len(exempt)
    months = [dt.date(as_of.year, month, 1) for month in range(1, as_of.month + 1)]
    rows: list[tuple] = []
    methods = {
        Sector.RURAL: [(PaymentMethod.CASH, 55), (PaymentMethod.WECHAT, 45)],
        Sector.COMMUNITY: [(PaymentMethod.WECHAT, 60), (PaymentMethod.CASH, 40)],
    }
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    for profile in profiles:
        member = profile.member
        # Counting the current month, which is not late yet: three to five finished months.
        behind = rng.randint(4, 6) if rng.random() < ARREARS_SHARE else 0
        quarterly = rng.random() < QUARTERLY_SHARE
        method = rng.weighted(
            methods.get(
                member.organization.sector, [(PaymentMethod.PAYROLL, 70), (PaymentMethod.TRANSFER, 30)]
            )
        )
        exemption = exempt.get(member.pk)
        for position, month in enumerate(months):
            # A probationary member pays from the month of the branch meeting's vote.
            if month < member.joined_on.replace(day=1):
                continue
            due = profile.monthly_due
            if exemption is not None and exemption.covers(month.month):
                due = exemption.monthly_amount
            later = len(months) - position - 1  # months after this one, up to as_of's
            current = later == 0
            paid = due > 0 and later >= behind and not (current and rng.random() > CURRENT_MONTH_PAID_SHARE)
            pay_month = month
            if quarterly and paid and not current:
                # Pays at the end of each quarter for its three months.
                pay_month = dt.date(month.year, ((month.month - 1) // 3 + 1) * 3, 1)
                paid = pay_month < as_of.replace(day=1)
            paid_on = min(pay_month.replace(day=rng.randint(5, 25)), as_of) if paid else None
            rows.append(
                (
                    member.pk,
                    member.organization_id,
                    ops.adapt_datefield_value(month),
                    ops.adapt_decimalfield_value(due, 10, 2),
                    ops.adapt_decimalfield_value(due if paid else Decimal(0), 10, 2),
                    ops.adapt_datefield_value(paid_on),
                    method if paid else "",
                    "",
                    now,
                )
            )
    # Tens of thousands of rows: straight INSERTs, as demo/orglife.py writes attendance.
    insert_rows(
        DuesMonth,
        (
            "member_id",
            "organization_id",
            "month",
            "due",
            "paid",
            "paid_on",
            "method",
            "reference",
            "updated_at",
        ),
        rows,
        batch_size,
    )
    counts.dues_months += len(rows)


# --- terms ------------------------------------------------------------------------------------


def _terms(plan: CountyPlan, rng: Rng, as_of: dt.date, batch_size: int, counts: WorkflowCounts) -> None:
    full: Counter = Counter()
    for member in plan.members:
        if member.category == Category.FULL and member.status == MemberStatus.ACTIVE:
            path = member.organization.path
            for length in range(Organization.steplen, len(path) + 1, Organization.steplen):
                full[path[:length]] += 1
    # A few full members' names under each organization: the candidates of its election.
    names_under: dict[str, list[str]] = defaultdict(list)
    for member in plan.members:
        if member.category == Category.FULL and member.status == MemberStatus.ACTIVE:
            path = member.organization.path
            for length in range(Organization.steplen, len(path) + 1, Organization.steplen):
                if len(names_under[path[:length]]) < NAMES_KEPT:
                    names_under[path[:length]].append(member.name)
    recent = add_years(as_of, -2)
    elections = []
    for organization in plan.organizations:
        started = organization.term_started_on
        if (
            organization.kind not in term_rules.ELECTED_KINDS
            or started is None
            or not recent <= started <= as_of
        ):
            continue
        seats = (
            1 if organization.kind in BRANCH_KINDS and not organization.has_committee else rng.choice([3, 5])
        )
        if organization.kind == OrgKind.COMMITTEE:
            seats = rng.choice([5, 7])
        entitled = max(full[organization.path], seats + 2)
        present = min(entitled, entitled * 4 // 5 + 1 + rng.randint(0, max(0, entitled // 10)))
        names = list(dict.fromkeys(names_under[organization.path]))
        while len(names) < term_rules.min_candidates(seats):
            name = stand_in_name(rng)
            if name not in names:
                names.append(name)
        candidates = rng.sample(names, term_rules.min_candidates(seats))
        if organization.secretary_name and organization.secretary_name not in candidates[:seats]:
            candidates = [
                organization.secretary_name,
                *[n for n in candidates if n != organization.secretary_name],
            ]
            candidates = candidates[: max(len(candidates), term_rules.min_candidates(seats))]
        elected = [
            [name, present - rng.randint(0, present // 2 - 1 if present > 3 else 0)]
            for name in candidates[:seats]
        ]
        elections.append(
            Election(
                organization=organization,
                held_on=started,
                term_years=organization.term_years or 3,
                seats=seats,
                candidates=candidates,
                voters_entitled=entitled,
                voters_present=present,
                elected=elected,
                secretary_name=elected[0][0],
                previous_term_started_on=add_years(started, -(organization.term_years or 3)),
            )
        )
    Election.objects.bulk_create(elections, batch_size=batch_size)
    counts.elections += len(elections)
    # One overdue election postponed by the township: its due date moves half a year on.
    overdue = [
        o
        for o in plan.organizations
        if o.kind in term_rules.ELECTED_KINDS
        and o.term_ends_on is not None
        and o.term_ends_on < as_of
        and o.depth > 1
    ]
    # Prefer one whose postponed day is still ahead, so the calendar shows it as postponed.
    overdue = [o for o in overdue if add_months(o.term_ends_on, 6) > as_of] or overdue  # type: ignore[arg-type]
    if overdue:
        organization = rng.choice(overdue)
        parent = next(o for o in plan.organizations if o.path == organization.path[: -Organization.steplen])
        ends = organization.term_ends_on
        assert ends is not None and organization.term_started_on is not None
        approved = min(ends - dt.timedelta(days=20), as_of)
        TermPostponement.objects.create(
            organization=organization,
            term_started_on=organization.term_started_on,
            term_ends_on=ends,
            postponed_to=min(add_months(ends, 6), term_rules.latest_postponement(ends)),
            reason="与村（居）民委员会换届统一安排"
            if organization.sector in (Sector.RURAL, Sector.COMMUNITY)
            else "单位改制调整，待班子配齐后换届",
            approved_by=parent.name,
            approved_on=approved,
        )
        counts.postponements += 1


def stand_in_name(rng: Rng) -> str:
    """A candidate's name where an organization has too few full members of its own on file."""
    chars = vocab.GIVEN_CHARS[("mid", rng.choice(["M", "F"]))]
    return rng.weighted(vocab.HAN_SURNAMES) + rng.choice(chars) + rng.choice(chars)


def write_workflows(plan: CountyPlan, rng: Rng, as_of: dt.date, batch_size: int) -> WorkflowCounts:
    """The county's pipeline, dues year and term calendar, after its organizations and members."""
    counts = WorkflowCounts()
    _pipeline(plan, rng, as_of, batch_size, counts)
    _dues(plan, rng, as_of, batch_size, counts)
    _terms(plan, rng, as_of, batch_size, counts)
    return counts


def delete_workflows() -> None:
    """Before the organizations and members go (`--replace`): everything here points at them."""
    for model in (
        TermPostponement,
        Election,
        DuesExemption,
        DuesMonth,
        DuesProfile,
        RecruitmentPlan,
        RecruitmentStep,
        Candidate,
    ):
        model.objects.all().delete()
