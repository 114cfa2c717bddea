"""A standardization year for the demo county: the default checklists, last year's confirmed
classes, this year's self-checks and assessments up to `as_of`, the rectification ledgers they
produced (items open, closed, awaiting close-out and overdue), the weak organizations named
from last year's 四类, two dispatch sheets and the year's targets.

Written in bulk after the county's organizations and members, from its own `Rng`, so the same
seed and `as_of` give the same records and `make demo` stays fast. Branch quality follows a
profile drawn once per branch: most are solid (一类/二类), some middling, a few weak, and a
branch moves at most one class from last year, so the 晋位/持平/降级 figures tell a story."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from dangjian.assessment import rules
from dangjian.assessment.choices import (
    AssessmentStatus,
    CheckResult,
    GradeBasis,
    ScoringMethod,
    WeakCategory,
    WeakStatus,
)
from dangjian.assessment.defaults import TEMPLATE_NAMES, default_items
from dangjian.assessment.models import (
    Assessment,
    AssessmentEntry,
    ChecklistItem,
    ChecklistTemplate,
    WeakOrganization,
)
from dangjian.ledger.choices import (
    Comparison,
    ItemSource,
    ItemStatus,
    LedgerStatus,
    RecipientStatus,
    TargetMetric,
)
from dangjian.ledger.models import (
    DispatchRecipient,
    DispatchSheet,
    Ledger,
    LedgerItem,
    ProgressNote,
    Target,
)
from dangjian.members.choices import PartyRole
from dangjian.orgs.choices import BRANCH_KINDS, OrgKind

if TYPE_CHECKING:
    from dangjian.orgs.models import Organization

    from .generator import CountyPlan, Rng

# Last year's class of a branch of each profile (one of the two); this year it moves at most one.
PROFILE_WEIGHTS = [("solid", 62), ("middling", 28), ("weak", 10)]
PROFILE_GRADES = {"solid": (1, 2), "middling": (2, 3), "weak": (3, 4)}
# Where this year's assessment stands on `as_of`, by month: early in the year most branches are
# still self-checking; from November most are confirmed.
STAGE_WEIGHTS_EARLY = [
    ("none", 20),
    (AssessmentStatus.DRAFT, 45),
    (AssessmentStatus.SELF_CHECKED, 30),
    (AssessmentStatus.SIGNED, 5),
]
STAGE_WEIGHTS_LATE = [
    ("none", 3),
    (AssessmentStatus.DRAFT, 7),
    (AssessmentStatus.SELF_CHECKED, 25),
    (AssessmentStatus.SIGNED, 65),
]
MEASURES = [
    "制定整改方案，明确专人按月推进",
    "补齐会议记录和佐证材料，由乡镇党委指导员核查",
    "组织支委会专题研究，限期完成",
    "对照清单逐项补课，整改完成后报乡镇党委验收",
]
PROGRESS = ["已召开支委会研究部署", "已完成一半，剩余部分本月完成", "材料已补齐，待乡镇党委核查"]
EVIDENCE = ["会议记录（扫描件）", "活动照片及签到表", "整改报告"]


@dataclass
class AssessmentPlan:
    templates: list[ChecklistTemplate] = field(default_factory=list)
    items: list[ChecklistItem] = field(default_factory=list)
    assessments: int = 0
    ledger_items: int = 0
    sheets: int = 0
    targets: int = 0
    weak: int = 0


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), ROUND_HALF_UP)


class AssessmentYear:
    def __init__(self, plan: CountyPlan, rng: Rng, as_of: dt.date) -> None:
        self.plan, self.rng, self.as_of = plan, rng, as_of
        self.year = as_of.year
        assert plan.county is not None
        self.county: Organization = plan.county
        self.branches = [o for o in plan.organizations if o.kind in BRANCH_KINDS and o.is_active]
        self.secretary = {
            role.organization.pk: role.member.name
            for role in plan.roles
            if role.role == PartyRole.SECRETARY and role.ended_on is None
        }
        self.out = AssessmentPlan()

    def person(self, org: Organization) -> str:
        return self.secretary.get(org.pk) or "支部书记"

    # -- templates --------------------------------------------------------------------------

    def templates(self) -> dict[tuple[str, int], tuple[ChecklistTemplate, list[ChecklistItem]]]:
        sectors = sorted({b.sector for b in self.branches if b.sector in TEMPLATE_NAMES})
        found = {}
        for year in (self.year - 1, self.year):
            for sector in sectors:
                template = ChecklistTemplate(
                    owner=self.county, sector=sector, year=year, name=TEMPLATE_NAMES[sector]
                )
                items = [
                    ChecklistItem(
                        template=template,
                        number=number,
                        area=item.area,
                        title=item.title,
                        description=item.description,
                        evidence_required=item.evidence_required,
                        points=points,
                        method=item.method,
                    )
                    for number, (item, points) in enumerate(default_items(sector), start=1)
                ]
                found[(sector, year)] = (template, items)
        ChecklistTemplate.objects.bulk_create([t for t, _ in found.values()])
        for template, items in found.values():
            for item in items:
                item.template_id = template.pk
        ChecklistItem.objects.bulk_create([i for _, items in found.values() for i in items])
        return found

    # -- one branch's year ------------------------------------------------------------------

    def scores_for(self, items: list[ChecklistItem], grade: int, bands: tuple[Decimal, ...]) -> list[Decimal]:
        """Item scores whose percentage falls inside the band of `grade`: full points for most
        items and partial or none for a few, chosen until the total lands in the band."""
        upper = Decimal(100) if grade == 1 else bands[grade - 2] - Decimal("0.1")
        lower = bands[grade - 1] if grade <= 3 else Decimal(35)
        goal = Decimal(self.rng.uniform(float(lower), float(upper)))
        maximum = sum((i.points for i in items), Decimal(0))
        scores = [i.points for i in items]
        order = list(range(len(items)))
        self.rng.shuffle(order)
        for index in order:
            if rules.percent_of(sum(scores, Decimal(0)), maximum) <= goal:
                break
            scores[index] = _quantize(items[index].points * Decimal(self.rng.choice([0, 0.4, 0.6])))
        while rules.percent_of(sum(scores, Decimal(0)), maximum) < lower:
            short = next(n for n, s in enumerate(scores) if s < items[n].points)
            scores[short] = items[short].points
        return scores

    def build(self) -> AssessmentPlan:
        templates = self.templates()
        self.out.templates = [t for t, _ in templates.values()]
        late = self.as_of.month >= 11
        stage_weights = STAGE_WEIGHTS_LATE if late else STAGE_WEIGHTS_EARLY
        assessments: list[Assessment] = []
        entries: list[tuple[Assessment, list[AssessmentEntry]]] = []
        gaps: list[tuple[Assessment, Organization, list[AssessmentEntry]]] = []
        last_year_fours: list[Organization] = []
        for branch in self.branches:
            if (branch.sector, self.year) not in templates:
                continue
            previous = self.rng.choice(PROFILE_GRADES[self.rng.weighted(PROFILE_WEIGHTS)])
            previous_signed: int | None = None
            previous_stars: int | None = None
            current = max(1, min(4, previous + self.rng.choice([-1, 0, 0, 0, 1])))
            stage = self.rng.weighted(stage_weights)
            for year, grade, status in (
                (self.year - 1, previous, AssessmentStatus.SIGNED),
                (self.year, current, stage),
            ):
                if status == "none":
                    continue
                template, items = templates[(branch.sector, year)]
                assessment = Assessment(organization=branch, year=year, template=template, status=status)
                scores = self.scores_for(items, grade, template.bands)
                rows = []
                weak_rows = []
                for item, score in zip(items, scores, strict=True):
                    entry = AssessmentEntry(assessment=assessment, item=item)
                    if status != AssessmentStatus.DRAFT or self.rng.random() < 0.5:
                        entry.self_result = (
                            CheckResult.MET
                            if score == item.points
                            else (CheckResult.WEAK if score > 0 else CheckResult.MISSING)
                        )
                        entry.self_evidence = (
                            item.evidence_required if entry.self_result == CheckResult.MET else ""
                        )
                    if entry.self_result in (CheckResult.WEAK, CheckResult.MISSING):
                        entry.measure = self.rng.choice(MEASURES)
                        entry.responsible_person = self.person(branch)
                        entry.deadline = self.deadline(year)
                        weak_rows.append(entry)
                    if status == AssessmentStatus.SIGNED:
                        entry.score = score
                        entry.assessor_evidence = (
                            "平台数据自动核验" if item.method != ScoringMethod.MANUAL else "查阅佐证材料"
                        )
                    rows.append(entry)
                if status in (AssessmentStatus.SELF_CHECKED, AssessmentStatus.SIGNED):
                    assessment.self_checked_on = self.checked_on(year)
                    if weak_rows:
                        gaps.append((assessment, branch, weak_rows))
                if status == AssessmentStatus.SIGNED:
                    total = sum(scores, Decimal(0))
                    maximum = sum((i.points for i in items), Decimal(0))
                    assessment.total_score, assessment.max_score = total, maximum
                    assessment.percent = rules.percent_of(total, maximum)
                    assessment.grade = rules.grade_for(assessment.percent, template.bands)
                    assessment.grade_basis = GradeBasis.SCORE_BANDS
                    assessment.signed_on = min(self.as_of, dt.date(year, 12, 20))
                    assessment.previous_grade = previous_signed
                    assessment.grade_change = rules.grade_change(previous_signed, assessment.grade)
                    previous_signed = assessment.grade
                    if template.star_lines:
                        assessment.stars = rules.stars_for(assessment.percent, template.stars)
                        assessment.previous_stars = previous_stars
                        assessment.star_change = rules.star_change(previous_stars, assessment.stars)
                        previous_stars = assessment.stars
                    if year < self.year and assessment.grade == 4:
                        last_year_fours.append(branch)
                assessments.append(assessment)
                entries.append((assessment, rows))
        Assessment.objects.bulk_create(assessments)
        for assessment, rows in entries:
            for entry in rows:
                entry.assessment_id = assessment.pk
        self.out.assessments = len(assessments)
        self.rectification_ledgers(gaps)
        AssessmentEntry.objects.bulk_create([e for _, rows in entries for e in rows], batch_size=2000)
        self.weak_organizations(last_year_fours)
        self.dispatch_sheets()
        self.targets()
        return self.out

    def checked_on(self, year: int) -> dt.date:
        if year < self.year:
            return dt.date(year, 10, 1) + dt.timedelta(days=self.rng.randint(0, 40))
        start = dt.date(year, 3, 1)
        end = max(start, self.as_of - dt.timedelta(days=3))
        return start + dt.timedelta(days=self.rng.randint(0, (end - start).days))

    def deadline(self, year: int) -> dt.date:
        if year < self.year:
            return dt.date(year, 12, 31)
        # Some already past (overdue unless closed), most ahead.
        return self.as_of + dt.timedelta(days=self.rng.choice([-40, -12, -3, 15, 30, 45, 60, 90]))

    # -- ledgers ----------------------------------------------------------------------------

    def rectification_ledgers(
        self, gaps: list[tuple[Assessment, Organization, list[AssessmentEntry]]]
    ) -> None:
        ledgers: list[Ledger] = []
        items: list[tuple[Ledger, LedgerItem, AssessmentEntry]] = []
        notes: list[tuple[LedgerItem, ProgressNote]] = []
        for assessment, branch, rows in gaps:
            past = assessment.year < self.year
            ledger = Ledger(
                organization=branch,
                year=assessment.year,
                title=f"{assessment.year}年规范化建设自查整改台账",
                source=ItemSource.SELF_CHECK,
                status=LedgerStatus.CLOSED if past else LedgerStatus.OPEN,
            )
            ledgers.append(ledger)
            for number, entry in enumerate(rows, start=1):
                assert entry.deadline is not None
                item = LedgerItem(
                    ledger=ledger,
                    number=number,
                    problem=f"{entry.item.title}（{CheckResult(entry.self_result).label}）",
                    measure=entry.measure,
                    responsible_person=entry.responsible_person,
                    deadline=entry.deadline,
                    source=ItemSource.SELF_CHECK,
                )
                self.item_state(item, past)
                items.append((ledger, item, entry))
                if item.status != ItemStatus.OPEN or self.rng.random() < 0.5:
                    noted = min(
                        self.as_of, (assessment.self_checked_on or self.as_of) + dt.timedelta(days=10)
                    )
                    notes.append(
                        (
                            item,
                            ProgressNote(
                                noted_on=noted,
                                note=self.rng.choice(PROGRESS),
                                evidence=self.rng.choice(EVIDENCE),
                            ),
                        )
                    )
        Ledger.objects.bulk_create(ledgers)
        by_assessment = {}
        for (assessment, _branch, _rows), ledger in zip(gaps, ledgers, strict=True):
            by_assessment[id(assessment)] = ledger
        for ledger, item, _entry in items:
            item.ledger_id = ledger.pk
        LedgerItem.objects.bulk_create([i for _, i, _ in items], batch_size=2000)
        for _ledger, item, entry in items:
            entry.rectification_id = item.pk
        for item, note in notes:
            note.item_id = item.pk
        ProgressNote.objects.bulk_create([n for _, n in notes], batch_size=2000)
        # The assessment names its ledger: saved in bulk once the ledgers have their keys.
        changed = []
        for assessment, _branch, _rows in gaps:
            assessment.ledger_id = by_assessment[id(assessment)].pk
            changed.append(assessment)
        Assessment.objects.bulk_update(changed, ["ledger"], batch_size=2000)
        self.out.ledger_items += len(items)

    def item_state(self, item: LedgerItem, past: bool) -> None:
        roll = self.rng.random()
        if past or roll < 0.45:
            item.status = ItemStatus.CLOSED
            item.close_evidence = self.rng.choice(EVIDENCE)
            item.closed_on = min(self.as_of, item.deadline - dt.timedelta(days=self.rng.randint(0, 20)))
            item.close_requested_on = item.closed_on
        elif roll < 0.6:
            item.status = ItemStatus.CLOSE_REQUESTED
            item.close_evidence = self.rng.choice(EVIDENCE)
            item.close_requested_on = self.as_of - dt.timedelta(days=self.rng.randint(1, 10))

    # -- weak organizations -----------------------------------------------------------------

    def weak_organizations(self, fours: list[Organization]) -> None:
        """Last year's 四类 branches named weak at the start of this year, each with a plan of
        two or three items and a 包联 leader; about half already rechecked and closed."""
        year = self.year - 1 if self.as_of.month < 3 else self.year
        identified = dt.date(year, 2, 20) if year == self.year else dt.date(year, 12, 28)
        records, ledgers, items = [], [], []
        for branch in fours:
            ledger = Ledger(
                organization=branch, year=year, title=f"{year}年软弱涣散整顿台账", source=ItemSource.WEAK_ORG
            )
            closed = self.rng.random() < 0.5 and self.as_of > identified + dt.timedelta(days=120)
            categories = sorted(
                {
                    WeakCategory.LOW_GRADE,
                    self.rng.choice([WeakCategory.LIFE, WeakCategory.LEADER, WeakCategory.SERVICE]),
                }
            )
            records.append(
                WeakOrganization(
                    organization=branch,
                    year=year,
                    categories=categories,
                    leader_name="乡镇党委副书记" if self.rng.random() < 0.5 else "乡镇党委组织委员",
                    status=WeakStatus.CLOSED if closed else WeakStatus.IDENTIFIED,
                    ledger=ledger,
                    identified_on=identified,
                    closed_on=identified + dt.timedelta(days=110) if closed else None,
                )
            )
            ledger.status = LedgerStatus.CLOSED if closed else LedgerStatus.OPEN
            ledgers.append(ledger)
            for number, problem in enumerate(
                ["组织生活不经常，三会一课落实差", "班子战斗力不强，书记履职不到位", "为群众办实事不多"][
                    : self.rng.randint(2, 3)
                ],
                start=1,
            ):
                item = LedgerItem(
                    ledger=ledger,
                    number=number,
                    problem=problem,
                    measure=self.rng.choice(MEASURES),
                    responsible_person=self.person(branch),
                    deadline=identified + dt.timedelta(days=90),
                    source=ItemSource.WEAK_ORG,
                )
                if closed:
                    item.status, item.closed_on = ItemStatus.CLOSED, identified + dt.timedelta(days=80)
                    item.close_evidence = self.rng.choice(EVIDENCE)
                items.append((ledger, item))
        Ledger.objects.bulk_create(ledgers)
        for record, ledger in zip(records, ledgers, strict=True):
            record.ledger_id = ledger.pk
        WeakOrganization.objects.bulk_create(records)
        for ledger, item in items:
            item.ledger_id = ledger.pk
        LedgerItem.objects.bulk_create([i for _, i in items])
        self.out.weak = len(records)
        self.out.ledger_items += len(items)

    # -- dispatch sheets and targets --------------------------------------------------------

    def dispatch_sheets(self) -> None:
        """The county asks every township for its year-end summary; the first township asks its
        branches to tidy their activity rooms, some done on time, some late, some still open."""
        townships = [
            o
            for o in self.plan.organizations
            if o.depth == self.county.depth + 1 and o.kind == OrgKind.COMMITTEE
        ]
        first = self.plan.first_township
        issued = self.as_of - dt.timedelta(days=45)
        sheets = [
            (
                DispatchSheet(
                    issuer=self.county,
                    year=issued.year,
                    title="报送年度基层党建工作总结",
                    content="围绕规范化建设、分类定级和整改销号情况，形成书面总结。",
                    issued_on=issued,
                ),
                townships,
            )
        ]
        if first is not None:
            own = [b for b in self.branches if b.path.startswith(first.path)]
            sheets.append(
                (
                    DispatchSheet(
                        issuer=first,
                        year=issued.year,
                        title="规范党员活动室标识和制度上墙",
                        content="对照清单第13项，统一标识，制度上墙，拍照报送。",
                        issued_on=issued + dt.timedelta(days=5),
                    ),
                    own,
                )
            )
        DispatchSheet.objects.bulk_create([s for s, _ in sheets])
        recipients = []
        for sheet, targets in sheets:
            for org in targets:
                deadline = sheet.issued_on + dt.timedelta(days=self.rng.choice([20, 30, 60]))
                recipient = DispatchRecipient(
                    sheet_id=sheet.pk,
                    organization=org,
                    deadline=deadline,
                    responsible_person=self.person(org) if org.kind in BRANCH_KINDS else "组织委员",
                )
                roll = self.rng.random()
                if roll < 0.55:
                    recipient.status = RecipientStatus.COMPLETED
                    recipient.response = "已按要求完成并报送"
                    done = deadline + dt.timedelta(days=self.rng.choice([-10, -4, -1, 3]))
                    recipient.completed_on = min(done, self.as_of)
                elif roll < 0.8:
                    recipient.status, recipient.response = RecipientStatus.IN_PROGRESS, "正在办理"
                recipients.append(recipient)
        DispatchRecipient.objects.bulk_create(recipients)
        self.out.sheets = len(sheets)

    def targets(self) -> None:
        rows = [
            (
                "一二类党组织占比不低于70%",
                TargetMetric.GRADE_ONE_TWO_SHARE,
                Comparison.AT_LEAST,
                Decimal(70),
                "",
            ),
            ("四类党组织占比低于2%", TargetMetric.GRADE_FOUR_SHARE, Comparison.BELOW, Decimal(2), ""),
            (
                "农村党支部完成规范化自查不低于95%",
                TargetMetric.CHECKLIST_COMPLETE_SHARE,
                Comparison.AT_LEAST,
                Decimal(95),
                "rural",
            ),
            (
                "办结交办事项不少于20件",
                TargetMetric.DISPATCH_COMPLETED_COUNT,
                Comparison.AT_LEAST,
                Decimal(20),
                "",
            ),
        ]
        Target.objects.bulk_create(
            Target(
                organization=self.county,
                year=self.year,
                name=name,
                metric=metric,
                comparison=comparison,
                threshold=threshold,
                sector=sector,
            )
            for name, metric, comparison, threshold, sector in rows
        )
        self.out.targets = len(rows)


def write_assessment_year(plan: CountyPlan, rng: Rng, as_of: dt.date) -> AssessmentPlan:
    """Plan and write the county's standardization year (one pass: each step needs the keys of
    the rows written before it)."""
    return AssessmentYear(plan, rng, as_of).build()


def delete_assessment_data() -> None:
    """Everything this module writes, removed before the organizations (for `--replace`)."""
    WeakOrganization.objects.all().delete()
    AssessmentEntry.objects.all().delete()
    Assessment.objects.all().delete()
    ChecklistItem.objects.all().delete()
    ChecklistTemplate.objects.all().delete()
    ProgressNote.objects.all().delete()
    LedgerItem.objects.all().delete()
    Ledger.objects.all().delete()
    DispatchRecipient.objects.all().delete()
    DispatchSheet.objects.all().delete()
    Target.objects.all().delete()
