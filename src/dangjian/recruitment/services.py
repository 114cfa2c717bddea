"""Every write to the recruitment pipeline: one transaction each, scope-checked with
`require(actor, "change", branch)`, judged by `recruitment.rules`, audited. The admission vote
puts the person on the roster (`member_create`, 入党日期 = the day of the branch meeting's
vote, 党章第七条); the approval of conversion calls `member_convert` with the day probation
ended (党龄从预备期满转为正式党员之日算起)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dangjian.core.audit import audit_record, changed, snapshot
from dangjian.core.idnumber import IdNumberError, parse_id_number
from dangjian.core.restrict import require
from dangjian.members.choices import Category
from dangjian.members.models import Member, id_number_q
from dangjian.members.services import member_convert, member_create, placement_errors
from dangjian.orglife.membership import branch_on
from dangjian.orgs.models import Organization

from . import rules
from .choices import CandidateStatus, Step
from .models import Candidate, RecruitmentPlan, RecruitmentStep

CANDIDATE_FIELDS = (
    "name",
    "id_number",
    "sex",
    "birth_date",
    "phone",
    "education",
    "occupation",
    "organization",
)
STEP_FIELDS = (
    "step",
    "occurred_on",
    "talker_name",
    "documents",
    "training_days",
    "training_hours",
    "votes_entitled",
    "votes_present",
    "votes_in_favour",
    "extension_months",
    "reason",
    "note",
)


def _raise(errors: Sequence[tuple[str, str]]) -> None:
    if errors:
        grouped: dict[str, list[str]] = {}
        for name, message in errors:
            grouped.setdefault(name, []).append(message)
        raise ValidationError(grouped)


def full_members_on(branch: Organization, day: dt.date) -> dict[int, str]:
    """The full members (正式党员) on the branch's roster at the end of `day`, id → name:
    those who voted, or could sponsor, on that day. Read from the dated history, so a
    member transferred in later or converted later does not count."""
    members = list(
        Member.objects.filter(Q(organization=branch) | Q(events__organization=branch))
        .filter(category=Category.FULL, converted_on__lte=day)
        .distinct()
    )
    placed = branch_on(members, day)
    return {member.pk: member.name for member in members if placed[member.pk] == branch.pk}


def _history(candidate: Candidate) -> dict[str, list[dt.date]]:
    history: dict[str, list[dt.date]] = {}
    for step, day in candidate.steps.order_by("occurred_on", "id").values_list("step", "occurred_on"):
        history.setdefault(step, []).append(day)
    return history


@transaction.atomic
def candidate_create(
    *,
    actor: Any,
    organization: Organization,
    name: str,
    id_number: str,
    applied_on: dt.date,
    phone: str = "",
    education: str = "",
    occupation: str = "",
    documents: str = "入党申请书",
    today: dt.date | None = None,
) -> Candidate:
    """递交入党申请书: the person enters the pipeline with the first step on file."""
    require(actor, "change", organization)
    today = today or timezone.localdate()
    errors = list(placement_errors(organization, None))
    candidate = Candidate(
        organization=organization, name=name.strip(), phone=phone, education=education, occupation=occupation
    )
    try:
        number = parse_id_number(id_number, today=today)
    except IdNumberError as exc:
        errors.append(("id_number", str(exc)))
    else:
        candidate.id_number, candidate.birth_date, candidate.sex = number.value, number.birth_date, number.sex
        if Member.objects.with_id_number(number.value).exists():
            errors.append(("id_number", "此人已是党员，不能再作为入党申请人登记"))
        elif Candidate.objects.filter(id_number_q(number.value), status=CandidateStatus.ACTIVE).exists():
            errors.append(("id_number", "此人已在发展党员程序中"))
        else:
            entry = rules.StepEntry(step=Step.APPLICATION, occurred_on=applied_on)
            errors.extend(rules.step_errors(entry, rules.Facts(birth_date=number.birth_date, today=today)))
    _raise(errors)
    candidate.full_clean(exclude=["organization", "member"])
    candidate.save()
    step = RecruitmentStep.objects.create(
        candidate=candidate,
        step=Step.APPLICATION,
        occurred_on=applied_on,
        documents=documents,
        recorded_by=_user(actor),
    )
    audit_record(
        actor=actor,
        action="recruitment.candidate_create",
        obj=candidate,
        organization=organization,
        after=snapshot(candidate, CANDIDATE_FIELDS) | {"applied_on": step.occurred_on.isoformat()},
    )
    return candidate


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def recruitment_step_record(
    *,
    actor: Any,
    candidate: Candidate,
    step: str,
    occurred_on: dt.date,
    contacts: Sequence[Member] = (),
    sponsors: Sequence[Member] = (),
    talker_name: str = "",
    documents: str = "",
    training_days: Decimal | None = None,
    training_hours: Decimal | None = None,
    votes_present: int | None = None,
    votes_in_favour: int | None = None,
    extension_months: int | None = None,
    reason: str = "",
    note: str = "",
    today: dt.date | None = None,
) -> RecruitmentStep:
    """Put one step on file, if every rule of `recruitment.rules` allows it on that day."""
    if step not in Step.values:
        raise ValidationError({"step": f"未知的步骤：{step}"})
    candidate = Candidate.objects.select_for_update().select_related("organization").get(pk=candidate.pk)
    branch = candidate.organization
    require(actor, "change", branch)
    today = today or timezone.localdate()
    if candidate.status == CandidateStatus.STOPPED:
        raise ValidationError({"step": f"{candidate.name}的发展程序已终止"})
    history = _history(candidate)
    needs_roster = step in rules.ROSTER_VOTE_STEPS or step in (Step.CONTACTS_ASSIGNED, Step.SPONSORS_ASSIGNED)
    full_members = full_members_on(branch, occurred_on) if needs_roster else {}
    entry = rules.StepEntry(
        step=step,
        occurred_on=occurred_on,
        contacts=[m.pk for m in contacts],
        sponsors=[m.pk for m in sponsors],
        talker_name=talker_name,
        training_days=training_days,
        training_hours=training_hours,
        votes_present=votes_present,
        votes_in_favour=votes_in_favour,
        extension_months=extension_months,
        reason=reason,
    )
    facts = rules.Facts(
        birth_date=candidate.birth_date,
        today=today,
        history=history,
        extension_months=candidate.extension_months,
        full_members=full_members,
        people_names={m.pk: m.name for m in [*contacts, *sponsors]},
    )
    _raise(rules.step_errors(entry, facts))
    record = RecruitmentStep(
        candidate=candidate,
        step=step,
        occurred_on=occurred_on,
        talker_name=talker_name.strip(),
        documents=documents,
        training_days=training_days,
        training_hours=training_hours,
        votes_entitled=len(full_members) if step in rules.ROSTER_VOTE_STEPS else None,
        votes_present=votes_present,
        votes_in_favour=votes_in_favour,
        extension_months=extension_months,
        reason=reason.strip(),
        note=note,
        recorded_by=_user(actor),
    )
    record.full_clean(exclude=["candidate"])
    record.save()
    if contacts:
        record.contacts.set(contacts)
    if sponsors:
        record.sponsors.set(sponsors)
    history.setdefault(step, []).append(occurred_on)
    _advance(actor, candidate, record, history)
    audit_record(
        actor=actor,
        action=f"recruitment.{step}",
        obj=candidate,
        organization=branch,
        after=snapshot(record, STEP_FIELDS)
        | {"contacts": [m.name for m in contacts], "sponsors": [m.name for m in sponsors]},
    )
    return record


def _advance(
    actor: Any, candidate: Candidate, record: RecruitmentStep, history: dict[str, list[dt.date]]
) -> None:
    """The consequences of a step: the stage, the roster, the probation's length."""
    candidate.stage = rules.stage_after(history)
    if record.step == Step.PROBATION_EXTENSION and record.extension_months:
        candidate.extension_months = record.extension_months
    if record.step == Step.ADMISSION_VOTE:
        candidate.member = member_create(
            actor=actor,
            organization=candidate.organization,
            name=candidate.name,
            id_number=candidate.id_number,
            sex=candidate.sex,
            birth_date=candidate.birth_date,
            education=candidate.education,
            phone=candidate.phone,
            job=candidate.occupation,
            category=Category.PROBATIONARY,
            joined_on=record.occurred_on,
        )
    if record.step == Step.CONVERSION_APPROVAL and candidate.member is not None:
        vote_on = max(history[Step.ADMISSION_VOTE])
        member_convert(
            actor=actor,
            member=candidate.member,
            converted_on=rules.probation_ends(vote_on, candidate.extension_months),
        )
        candidate.status = CandidateStatus.COMPLETED
    if record.step == Step.STOPPED:
        candidate.status = CandidateStatus.STOPPED
    candidate.save(update_fields=["stage", "extension_months", "member", "status", "updated_at"])


PLAN_FIELDS = ("quota", "under_35_quota", "women_quota", "note")


@transaction.atomic
def recruitment_plan_set(
    *,
    actor: Any,
    organization: Organization,
    year: int,
    quota: int,
    under_35_quota: int | None = None,
    women_quota: int | None = None,
    note: str = "",
) -> RecruitmentPlan:
    """下达指导性计划: the superior sets (or corrects) an organization's plan for a year."""
    organization = Organization.objects.get(pk=organization.pk)
    parent = Organization.objects.get_parent(organization)
    # The plan is handed down: it is the superior's to set, not the organization's own.
    require(actor, "change", parent or organization)
    if actor is not None and parent is None and not getattr(actor, "is_superuser", False):
        raise ValidationError({"organization": "顶层党组织的发展计划由其上级下达，本平台无法记录"})
    errors: list[tuple[str, str]] = []
    if organization.is_group:
        errors.append(("organization", "党小组不单独下达发展党员计划"))
    if quota < 0:
        errors.append(("quota", "计划人数不能为负数"))
    for name, label, value in (
        ("under_35_quota", "35岁以下", under_35_quota),
        ("women_quota", "女性", women_quota),
    ):
        if value is not None and not 0 <= value <= quota:
            errors.append((name, f"其中{label}{value}名，应在0至计划总数{quota}名之间"))
    _raise(errors)
    plan = RecruitmentPlan.objects.select_for_update().filter(organization=organization, year=year).first()
    before = snapshot(plan, PLAN_FIELDS) if plan else {}
    plan = plan or RecruitmentPlan(organization=organization, year=year)
    plan.quota, plan.under_35_quota, plan.women_quota, plan.note = (
        quota,
        under_35_quota,
        women_quota,
        note.strip(),
    )
    plan.set_by = _user(actor)
    plan.full_clean(exclude=["organization"])
    old, new = changed(before, snapshot(plan, PLAN_FIELDS))
    if not new:
        return plan
    plan.save()
    audit_record(
        actor=actor,
        action="recruitment.plan_set",
        obj=plan,
        organization=organization,
        before=old or None,
        after=new | {"year": year},
    )
    return plan
