"""Every write of the standardization year: checklist templates (a county's), the branch's
self-check, the superior's item-by-item assessment and sign-off, and the weak-organization
rectification. One transaction each, scope-checked with `require`, audited."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from dangjian.core.audit import audit_record, snapshot
from dangjian.core.restrict import require
from dangjian.ledger.choices import ItemSource, ItemStatus
from dangjian.ledger.models import Ledger
from dangjian.ledger.services import ledger_create, ledger_item_add, require_superior
from dangjian.members.choices import Category, MemberStatus
from dangjian.orgs.choices import BRANCH_KINDS, OrgKind
from dangjian.orgs.models import Organization
from dangjian.orgs.rules import OrgFigures

from . import rules
from .choices import (
    AssessmentStatus,
    BasicArea,
    CheckResult,
    GradeBasis,
    ScoringMethod,
    WeakStatus,
)
from .models import (
    Assessment,
    AssessmentEntry,
    ChecklistItem,
    ChecklistTemplate,
    WeakCategoryOption,
    WeakOrganization,
)
from .selectors import (
    OrgLifeYear,
    default_weak_categories,
    orglife_of_year,
    template_applicable,
    weak_categories_for,
)

ITEM_FIELDS = ("area", "title", "description", "evidence_required", "points", "method")
TEMPLATE_SETTING_FIELDS = (
    "name",
    "grade_one_min",
    "grade_two_min",
    "grade_three_min",
    "grade_basis",
    "good_share_min",
    "goods_for_one",
    "goods_for_two",
    "goods_for_three",
    "star_lines",
)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _fail(field: str, message: str) -> None:
    raise ValidationError({field: [message]})


@dataclass(frozen=True)
class ItemSpec:
    area: str
    title: str
    points: Decimal
    description: str = ""
    evidence_required: str = ""
    method: str = ScoringMethod.MANUAL


def _grading_check(
    *,
    bands: tuple[Decimal, Decimal, Decimal],
    grade_basis: str,
    five_goods: rules.FiveGoods,
    star_lines: Sequence[Decimal] = (),
) -> None:
    error = rules.bands_error(bands)
    if error:
        _fail("bands", error)
    error = rules.star_lines_error(tuple(star_lines))
    if error:
        _fail("star_lines", error)
    if grade_basis not in (GradeBasis.SCORE_BANDS, GradeBasis.FIVE_GOODS):
        _fail("grade_basis", "定级办法应为“按得分档次”或“按“五好”定级”")
    error = rules.five_goods_error(five_goods)
    if error:
        _fail("five_goods", error)


def _star_json(lines: Sequence[Decimal]) -> list[str]:
    return [format(Decimal(line).normalize(), "f") for line in lines]


def _set_five_goods(template: ChecklistTemplate, grade_basis: str, five_goods: rules.FiveGoods) -> None:
    template.grade_basis = grade_basis
    template.good_share_min = five_goods.share_min
    template.goods_for_one, template.goods_for_two, template.goods_for_three = five_goods.goods_for


def _five_areas_present(items: Sequence[ChecklistItem]) -> None:
    """按“五好”定级 judges each of the five basics: each needs at least one item."""
    absent = [label for value, label in BasicArea.choices if not any(i.area == value for i in items)]
    if absent:
        _fail("grade_basis", f"按“五好”定级须五个方面都有事项，缺少：{'、'.join(absent)}")


def _template_editable(template: ChecklistTemplate) -> None:
    """A version already used for a signed result is history: change it by a new year's copy."""
    if template.assessments.filter(status=AssessmentStatus.SIGNED).exists():
        _fail("template", f"“{template}”已有确认的考评结果，不能修改；请复制为新年度版本后调整")


@transaction.atomic
def checklist_template_create(
    *,
    actor: Any,
    owner: Organization,
    sector: str,
    year: int,
    name: str,
    items: Sequence[ItemSpec],
    bands: tuple[Decimal, Decimal, Decimal] = rules.DEFAULT_BANDS,
    grade_basis: str = GradeBasis.SCORE_BANDS,
    five_goods: rules.FiveGoods = rules.DEFAULT_FIVE_GOODS,
    star_lines: Sequence[Decimal] = (),
) -> ChecklistTemplate:
    require(actor, "manage_orgs", owner)
    if owner.kind in BRANCH_KINDS or owner.kind == OrgKind.GROUP:
        _fail("owner", "清单由县（区）或乡镇党委制定，党支部不能制定")
    _grading_check(bands=bands, grade_basis=grade_basis, five_goods=five_goods, star_lines=star_lines)
    if not items:
        _fail("items", "清单至少要有一个事项")
    template = ChecklistTemplate(
        owner=owner,
        sector=sector,
        year=year,
        name=name.strip(),
        grade_one_min=bands[0],
        grade_two_min=bands[1],
        grade_three_min=bands[2],
    )
    _set_five_goods(template, grade_basis, five_goods)
    template.star_lines = _star_json(star_lines)
    template.full_clean()
    template.save()
    rows = []
    for number, spec in enumerate(items, start=1):
        row = ChecklistItem(template=template, number=number, **spec.__dict__)
        row.full_clean(exclude=["template"])
        if row.points <= 0:
            _fail("items", f"第{number}项分值须大于0")
        rows.append(row)
    if grade_basis == GradeBasis.FIVE_GOODS:
        _five_areas_present(rows)
    ChecklistItem.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action="checklist.create",
        obj=template,
        organization=owner,
        after={"sector": sector, "year": year, "name": template.name, "items": len(rows)},
    )
    return template


@transaction.atomic
def checklist_template_copy(*, actor: Any, template: ChecklistTemplate, year: int) -> ChecklistTemplate:
    """A new year's version, the items copied so the county edits only what changed."""
    items = [ItemSpec(**{f: getattr(i, f) for f in ITEM_FIELDS}) for i in template.items.order_by("number")]
    return checklist_template_create(
        actor=actor,
        owner=template.owner,
        sector=template.sector,
        year=year,
        name=template.name,
        items=items,
        bands=template.bands,
        grade_basis=template.grade_basis,
        five_goods=template.five_goods,
        star_lines=template.stars,
    )


@transaction.atomic
def checklist_defaults_install(
    *, actor: Any, owner: Organization, year: int, sectors: Sequence[str] | None = None
) -> list[ChecklistTemplate]:
    """Install the product's default checklists (`assessment.defaults`) for `owner` in `year`,
    one per sector; a sector the owner already has a template for that year is left alone, so
    running it twice changes nothing."""
    from .defaults import STAR_SECTORS, TEMPLATE_NAMES, default_items

    wanted = list(sectors) if sectors is not None else list(TEMPLATE_NAMES)
    unknown = [s for s in wanted if s not in TEMPLATE_NAMES]
    if unknown:
        _fail("sectors", f"未知的单位属性：{'、'.join(unknown)}")
    present = set(ChecklistTemplate.objects.filter(owner=owner, year=year).values_list("sector", flat=True))
    created = []
    for sector in wanted:
        if sector in present:
            continue
        items = [
            ItemSpec(
                area=item.area,
                title=item.title,
                points=points,
                description=item.description,
                evidence_required=item.evidence_required,
                method=item.method,
            )
            for item, points in default_items(sector)
        ]
        created.append(
            checklist_template_create(
                actor=actor,
                owner=owner,
                sector=sector,
                year=year,
                name=TEMPLATE_NAMES[sector],
                items=items,
                star_lines=rules.DEFAULT_STAR_LINES if sector in STAR_SECTORS else (),
            )
        )
    return created


@transaction.atomic
def checklist_template_import(
    *,
    actor: Any,
    owner: Organization,
    sector: str,
    year: int,
    name: str,
    stream: Any,
    filename: str,
    bands: tuple[Decimal, Decimal, Decimal] = rules.DEFAULT_BANDS,
) -> ChecklistTemplate:
    """A new template version from a spreadsheet (the columns of `checklist_io`): every
    problem of every row is reported at once and nothing is written unless all rows are good."""
    from .checklist_io import parse_rows

    require(actor, "manage_orgs", owner)
    rows, problems = parse_rows(stream, filename)
    if problems:
        raise ValidationError({"file": problems})
    items = [ItemSpec(**row) for row in rows]
    return checklist_template_create(
        actor=actor, owner=owner, sector=sector, year=year, name=name, items=items, bands=bands
    )


@transaction.atomic
def checklist_template_update(
    *,
    actor: Any,
    template: ChecklistTemplate,
    name: str,
    bands: tuple[Decimal, Decimal, Decimal],
    grade_basis: str | None = None,
    five_goods: rules.FiveGoods | None = None,
    star_lines: Sequence[Decimal] | None = None,
) -> ChecklistTemplate:
    """The county's own name and grading: by score bands (一类/二类/三类 lines in percent of
    the total points; the product's 90/75/60 are only the defaults) or by the "five goods"
    (the share that makes a basic good and the goods each class needs). Left out, the
    grade basis and the five-goods rule stay as they are."""
    template = ChecklistTemplate.objects.select_for_update().select_related("owner").get(pk=template.pk)
    require(actor, "manage_orgs", template.owner)
    _template_editable(template)
    grade_basis = grade_basis or template.grade_basis
    five_goods = five_goods or template.five_goods
    star_lines = template.stars if star_lines is None else tuple(star_lines)
    _grading_check(bands=bands, grade_basis=grade_basis, five_goods=five_goods, star_lines=star_lines)
    if grade_basis == GradeBasis.FIVE_GOODS:
        _five_areas_present(list(template.items.all()))
    fields = TEMPLATE_SETTING_FIELDS
    before = snapshot(template, fields)
    template.name = name.strip()
    template.grade_one_min, template.grade_two_min, template.grade_three_min = bands
    _set_five_goods(template, grade_basis, five_goods)
    template.star_lines = _star_json(star_lines)
    template.full_clean()
    template.save()
    audit_record(
        actor=actor,
        action="checklist.update",
        obj=template,
        organization=template.owner,
        before=before,
        after=snapshot(template, fields),
    )
    return template


@transaction.atomic
def checklist_item_update(*, actor: Any, item: ChecklistItem, **fields: Any) -> ChecklistItem:
    item = ChecklistItem.objects.select_related("template__owner").select_for_update().get(pk=item.pk)
    require(actor, "manage_orgs", item.template.owner)
    _template_editable(item.template)
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown checklist item fields {sorted(unknown)}")
    before = snapshot(item, ITEM_FIELDS)
    for name, value in fields.items():
        setattr(item, name, value)
    item.full_clean()
    item.save()
    audit_record(
        actor=actor,
        action="checklist.item_update",
        obj=item,
        organization=item.template.owner,
        before=before,
        after=snapshot(item, ITEM_FIELDS),
    )
    return item


@transaction.atomic
def assessment_start(*, actor: Any, organization: Organization, year: int) -> Assessment:
    """Open the year's self-check with the checklist that applies to the branch."""
    require(actor, "change", organization)
    if organization.kind not in BRANCH_KINDS:
        _fail("organization", f"“{organization.name}”不是党支部，不参加规范化考评")
    template = template_applicable(organization=organization, year=year)
    if template is None:
        _fail(
            "template",
            f"没有适用于“{organization.name}”（{organization.get_sector_display()}）{year}年的清单",
        )
    assert template is not None
    if Assessment.objects.filter(organization=organization, year=year).exists():
        _fail("year", f"“{organization.name}”{year}年的考评已经开始")
    assessment = Assessment.objects.create(organization=organization, year=year, template=template)
    AssessmentEntry.objects.bulk_create(
        AssessmentEntry(assessment=assessment, item=item) for item in template.items.order_by("number")
    )
    audit_record(
        actor=actor,
        action="assessment.start",
        obj=assessment,
        organization=organization,
        after={"year": year, "template": template.pk},
    )
    return assessment


def _locked(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update()
        .select_related("organization", "template")
        .get(pk=assessment.pk)
    )


def _entry(assessment: Assessment, number: int) -> AssessmentEntry:
    entry = assessment.entries.select_related("item").filter(item__number=number).first()
    if entry is None:
        _fail("number", f"清单中没有第{number}项")
    assert entry is not None
    return entry


@transaction.atomic
def self_check_record(
    *,
    actor: Any,
    assessment: Assessment,
    number: int,
    result: str,
    evidence: str = "",
    measure: str = "",
    responsible_person: str = "",
    deadline: dt.date | None = None,
) -> AssessmentEntry:
    """体检: the branch marks one item met, weak or missing, with its evidence and, for a gap,
    the rectification it plans."""
    assessment = _locked(assessment)
    require(actor, "change", assessment.organization)
    if assessment.status != AssessmentStatus.DRAFT:
        _fail("status", "自查已提交，不能再修改")
    if result not in CheckResult.values:
        _fail("result", f"第{number}项自查结果无效")
    entry = _entry(assessment, number)
    before = snapshot(entry, ("self_result", "self_evidence", "measure", "responsible_person", "deadline"))
    entry.self_result, entry.self_evidence = result, evidence.strip()
    entry.measure, entry.responsible_person, entry.deadline = (
        measure.strip(),
        responsible_person.strip(),
        deadline,
    )
    entry.save()
    audit_record(
        actor=actor,
        action="assessment.self_check",
        obj=entry,
        organization=assessment.organization,
        before=before,
        after=snapshot(entry, ("self_result", "self_evidence", "measure", "responsible_person", "deadline")),
    )
    return entry


@transaction.atomic
def self_check_submit(*, actor: Any, assessment: Assessment, today: dt.date | None = None) -> Assessment:
    """Submit the self-check: every weak or missing item goes onto the branch's rectification
    ledger with its measure, responsible person and deadline (挂账)."""
    assessment = _locked(assessment)
    organization = assessment.organization
    require(actor, "change", organization)
    if assessment.status != AssessmentStatus.DRAFT:
        _fail("status", "自查已提交")
    today = today or timezone.localdate()
    entries = list(assessment.entries.select_related("item").order_by("item__number"))
    problems = []
    for entry in entries:
        n = entry.item.number
        if not entry.self_result:
            problems.append(f"第{n}项未填写自查结果")
        elif entry.self_result != CheckResult.MET:
            if not (entry.measure and entry.responsible_person and entry.deadline):
                problems.append(f"第{n}项为“{entry.get_self_result_display()}”，须填写整改措施、责任人和时限")
            elif entry.deadline and entry.deadline < today:
                problems.append(f"第{n}项整改时限早于今天")
    if problems:
        raise ValidationError({"entries": problems})
    gaps = [e for e in entries if e.self_result != CheckResult.MET]
    if gaps:
        ledger = ledger_create(
            actor=actor,
            organization=organization,
            year=assessment.year,
            title=f"{assessment.year}年规范化建设自查整改台账",
            source=ItemSource.SELF_CHECK,
        )
        for entry in gaps:
            assert entry.deadline is not None
            entry.rectification = ledger_item_add(
                actor=actor,
                ledger=ledger,
                problem=f"{entry.item.title}（{entry.get_self_result_display()}）",
                measure=entry.measure,
                responsible_person=entry.responsible_person,
                deadline=entry.deadline,
            )
            entry.save(update_fields=["rectification"])
        assessment.ledger = ledger
    assessment.status = AssessmentStatus.SELF_CHECKED
    assessment.self_checked_on = today
    assessment.save()
    audit_record(
        actor=actor,
        action="assessment.self_check_submit",
        obj=assessment,
        organization=organization,
        after={"gaps": len(gaps), "items": len(entries)},
    )
    return assessment


@transaction.atomic
def assessment_score(
    *, actor: Any, assessment: Assessment, number: int, score: Decimal, evidence: str = ""
) -> AssessmentEntry:
    """照单考评: the superior scores one manual item. Evidence is the assessor's note or the
    branch's own self-check evidence."""
    assessment = _locked(assessment)
    require_superior(actor, assessment.organization)
    if assessment.status != AssessmentStatus.SELF_CHECKED:
        _fail("status", "只有已自查、未确认的考评可以评分")
    entry = _entry(assessment, number)
    if entry.item.method != ScoringMethod.MANUAL:
        _fail("number", f"第{number}项按平台数据自动计分，无需人工评分")
    evidence = evidence.strip()
    error = rules.manual_score_error(
        number=number,
        points=entry.item.points,
        awarded=score,
        evidence_required=bool(entry.item.evidence_required),
        evidence=evidence or entry.self_evidence,
    )
    if error:
        _fail("score", error)
    before = snapshot(entry, ("score", "assessor_evidence"))
    entry.score, entry.assessor_evidence = score, evidence
    entry.save()
    audit_record(
        actor=actor,
        action="assessment.score",
        obj=entry,
        organization=assessment.organization,
        before=before,
        after=snapshot(entry, ("score", "assessor_evidence")),
    )
    return entry


def org_figures(organization: Organization) -> OrgFigures:
    """The organization's own active members, and the approved postponement of its current
    term's election, in one query (the postponement is a subquery, not a join)."""
    figures = (
        Organization.objects.filter(pk=organization.pk)
        .with_term_postponement()
        .annotate(
            full=Count(
                "members", filter=Q(members__status=MemberStatus.ACTIVE, members__category=Category.FULL)
            ),
            probationary=Count(
                "members",
                filter=Q(members__status=MemberStatus.ACTIVE, members__category=Category.PROBATIONARY),
            ),
        )
        .values("full", "probationary", "term_postponed_to")
        .get()
    )
    return OrgFigures(
        kind=organization.kind,
        full_members=figures["full"],
        probationary_members=figures["probationary"],
        has_committee=organization.has_committee,
        term_ends_on=organization.term_ends_on,
        is_active=organization.is_active,
        term_postponed_to=figures["term_postponed_to"],
    )


@transaction.atomic
def assessment_sign_off(
    *,
    actor: Any,
    assessment: Assessment,
    today: dt.date | None = None,
    grade: int | None = None,
    reason: str = "",
) -> Assessment:
    """The superior confirms: automatic items are computed from the platform's data, the total
    and the class follow the template's bands, unless the superior sets the class by hand with
    a reason. 晋位升级 compares with last year's confirmed class."""
    assessment = _locked(assessment)
    organization = assessment.organization
    require_superior(actor, organization)
    if assessment.status != AssessmentStatus.SELF_CHECKED:
        _fail("status", "只有已自查、未确认的考评可以确认")
    today = today or timezone.localdate()
    entries = list(assessment.entries.select_related("item").order_by("item__number"))
    unscored = [
        str(e.item.number) for e in entries if e.item.method == ScoringMethod.MANUAL and e.score is None
    ]
    if unscored:
        _fail("entries", f"第{'、'.join(unscored)}项尚未评分")
    figures = org_figures(organization)
    orglife: OrgLifeYear | None = None
    for entry in entries:
        if entry.item.method == ScoringMethod.MANUAL:
            continue
        detail = ""
        if entry.item.method == ScoringMethod.AUTO_ORGLIFE:
            if orglife is None:
                orglife = orglife_of_year(organization=organization, year=assessment.year, today=today)
            met = rules.orglife_item_met(orglife.status)
            if not met:
                shown = "；".join(orglife.missing[:5])
                more = f"等{len(orglife.missing)}项" if len(orglife.missing) > 5 else ""
                detail = f"（{shown}{more}）"
        else:
            met = rules.auto_item_met(entry.item.method, figures, today)
        entry.score = entry.item.points if met else Decimal(0)
        entry.assessor_evidence = "平台数据自动核验：" + ("符合" if met else "不符合") + detail
        entry.save(update_fields=["score", "assessor_evidence"])
    total = sum((e.score or Decimal(0) for e in entries), Decimal(0))
    maximum = sum((e.item.points for e in entries), Decimal(0))
    percent = rules.percent_of(total, maximum)
    template = assessment.template
    if grade is None and template.grade_basis == GradeBasis.FIVE_GOODS:
        area_points: dict[str, tuple[Decimal, Decimal]] = {
            value: (Decimal(0), Decimal(0)) for value in BasicArea.values
        }
        for entry in entries:
            score, maximum = area_points[entry.item.area]
            area_points[entry.item.area] = (score + (entry.score or Decimal(0)), maximum + entry.item.points)
        goods = rules.good_areas(area_points, template.good_share_min)
        assessment.grade = rules.grade_for_goods(len(goods), template.five_goods)
        labels = "、".join(BasicArea(area).label for area in goods) or "无"
        assessment.grade_basis = GradeBasis.FIVE_GOODS
        assessment.grade_reason = (
            f"“好”{len(goods)}项（得分率≥{template.good_share_min.normalize():f}%）：{labels}"
        )
    elif grade is None:
        assessment.grade = rules.grade_for(percent, template.bands)
        assessment.grade_basis, assessment.grade_reason = GradeBasis.SCORE_BANDS, ""
    else:
        if grade not in (1, 2, 3, 4):
            _fail("grade", "类别应为一类至四类")
        if not reason.strip():
            _fail("reason", "人工定级须写明理由")
        assessment.grade = grade
        assessment.grade_basis, assessment.grade_reason = GradeBasis.MANUAL, reason.strip()
    previous, previous_stars = (
        Assessment.objects.filter(
            organization=organization, year__lt=assessment.year, status=AssessmentStatus.SIGNED
        )
        .order_by("-year")
        .values_list("grade", "stars")
        .first()
    ) or (None, None)
    assessment.previous_grade = previous
    assessment.grade_change = rules.grade_change(previous, assessment.grade)
    if template.star_lines:
        assessment.stars = rules.stars_for(percent, template.stars)
        assessment.previous_stars = previous_stars
        assessment.star_change = rules.star_change(previous_stars, assessment.stars)
    else:
        assessment.stars, assessment.previous_stars, assessment.star_change = None, None, ""
    assessment.total_score, assessment.max_score, assessment.percent = total, maximum, percent
    assessment.status = AssessmentStatus.SIGNED
    assessment.signed_on, assessment.signed_by = today, _user(actor)
    assessment.save()
    audit_record(
        actor=actor,
        action="assessment.sign_off",
        obj=assessment,
        organization=organization,
        after=snapshot(
            assessment,
            (
                "total_score",
                "max_score",
                "percent",
                "grade",
                "grade_basis",
                "grade_reason",
                "grade_change",
                "stars",
                "star_change",
            ),
        ),
    )
    return assessment


@dataclass(frozen=True)
class RectificationSpec:
    problem: str
    measure: str
    responsible_person: str
    deadline: dt.date


@transaction.atomic
def weak_org_identify(
    *,
    actor: Any,
    organization: Organization,
    year: int,
    categories: Sequence[str],
    leader_name: str,
    items: Sequence[RectificationSpec],
    today: dt.date | None = None,
) -> WeakOrganization:
    """The superior names a weak organization, its problem categories, the leader who takes
    charge of it (包联) and its rectification plan, kept as a ledger."""
    require_superior(actor, organization)
    _owner, choices = weak_categories_for(organization)
    known = {choice.code for choice in choices if choice.active}
    unknown = [c for c in categories if c not in known]
    if unknown:
        _fail("categories", f"未知或已停用的问题类别：{'、'.join(unknown)}")
    grade = (
        Assessment.objects.filter(organization=organization, year=year, status=AssessmentStatus.SIGNED)
        .values_list("grade", flat=True)
        .first()
    )
    if not rules.is_weak(grade=grade, categories=list(categories), known=known):
        _fail("categories", "请至少选择一个问题类别（或该组织年度考评为四类）")
    if not leader_name.strip():
        _fail("leader_name", "请指定包联领导")
    if not items:
        _fail("items", "整顿方案至少要有一项整改事项")
    ledger = Ledger.objects.create(
        organization=organization, year=year, title=f"{year}年软弱涣散整顿台账", source=ItemSource.WEAK_ORG
    )
    audit_record(
        actor=actor, action="ledger.create", obj=ledger, organization=organization, after={"year": year}
    )
    record = WeakOrganization.objects.create(
        organization=organization,
        year=year,
        categories=list(categories),
        leader_name=leader_name.strip(),
        ledger=ledger,
        identified_on=today or timezone.localdate(),
    )
    for spec in items:
        # The superior writes the plan; the item itself is kept by the organization.
        ledger_item_add(actor=None, ledger=ledger, **spec.__dict__)
    audit_record(
        actor=actor,
        action="weak_org.identify",
        obj=record,
        organization=organization,
        after={"year": year, "categories": list(categories), "leader": record.leader_name},
    )
    return record


@transaction.atomic
def weak_org_recheck_request(*, actor: Any, record: WeakOrganization) -> WeakOrganization:
    record = WeakOrganization.objects.select_for_update().select_related("organization").get(pk=record.pk)
    require(actor, "change", record.organization)
    if record.status != WeakStatus.IDENTIFIED:
        _fail("status", "该组织不在整顿中")
    open_items = record.ledger.items.exclude(status=ItemStatus.CLOSED).count()
    if open_items:
        _fail("ledger", f"整顿台账还有{open_items}项未销号，不能申请复查")
    record.status = WeakStatus.RECHECK
    record.save(update_fields=["status"])
    audit_record(actor=actor, action="weak_org.recheck_request", obj=record, organization=record.organization)
    return record


@transaction.atomic
def weak_org_close(*, actor: Any, record: WeakOrganization, today: dt.date | None = None) -> WeakOrganization:
    record = WeakOrganization.objects.select_for_update().select_related("organization").get(pk=record.pk)
    require_superior(actor, record.organization)
    if record.status != WeakStatus.RECHECK:
        _fail("status", "须先由该组织完成整改并申请复查")
    record.status, record.closed_on = WeakStatus.CLOSED, today or timezone.localdate()
    record.save(update_fields=["status", "closed_on"])
    audit_record(
        actor=actor,
        action="weak_org.close",
        obj=record,
        organization=record.organization,
        after={"closed_on": record.closed_on.isoformat()},
    )
    return record


WEAK_CATEGORY_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@transaction.atomic
def weak_category_save(
    *, actor: Any, owner: Organization, code: str, label: str, active: bool = True
) -> WeakCategoryOption:
    """Add a screening category to the owner's list or change one (its wording, or whether it
    is used); a category is never deleted, so records that carry it keep their wording. The
    owner's first change copies the list that applied to it, so it starts from the defaults."""
    require(actor, "manage_orgs", owner)
    if owner.kind in BRANCH_KINDS or owner.kind == OrgKind.GROUP:
        _fail("owner", "问题类别由县（区）或乡镇党委制定，党支部不能制定")
    code, label = code.strip(), label.strip()
    if not WEAK_CATEGORY_CODE.match(code):
        _fail("code", "代码须以小写字母开头，只含小写字母、数字和下划线，不超过32个字符")
    if not label:
        _fail("label", "请填写问题类别")
    if len(label) > 60:
        _fail("label", "问题类别不超过60个字")
    Organization.objects.select_for_update().filter(pk=owner.pk).first()  # one first copy at a time
    if not WeakCategoryOption.objects.filter(owner=owner).exists():
        _source, inherited = weak_categories_for(owner)
        WeakCategoryOption.objects.bulk_create(
            WeakCategoryOption(owner=owner, code=c.code, label=c.label, active=c.active, position=n)
            for n, c in enumerate(inherited or default_weak_categories(), start=1)
        )
    option = WeakCategoryOption.objects.select_for_update().filter(owner=owner, code=code).first()
    before = snapshot(option, ("label", "active")) if option else None
    if option is None:
        last = WeakCategoryOption.objects.filter(owner=owner).order_by("-position").first()
        option = WeakCategoryOption(owner=owner, code=code, position=(last.position + 1) if last else 1)
    option.label, option.active = label, active
    option.save()
    audit_record(
        actor=actor,
        action="weak_category.save",
        obj=option,
        organization=owner,
        before=before,
        after={"code": code, **snapshot(option, ("label", "active"))},
    )
    return option
