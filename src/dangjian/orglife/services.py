"""Every write to organizational-life records: one transaction each, scope-checked with
`require(actor, "change", branch)`, validated with messages in Chinese that name the field,
and audited. A draft may be edited; a submitted record is locked and changed only by
`record_correct`, which writes a new version and keeps the old one in the history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dangjian.core.audit import audit_record, changed, snapshot
from dangjian.core.restrict import require
from dangjian.members.models import Member
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Organization

from . import rules
from .choices import ActivityKind, ActivityStatus, AttachmentKind, AttendanceStatus
from .membership import branch_on, secretary_on
from .models import (
    Activity,
    ActivityKindEntry,
    Attachment,
    Attendance,
    ComplianceFigures,
    ComplianceRun,
    LocalRuleSet,
)
from .sanitize import clean_minutes

EDITABLE_FIELDS = frozenset(
    {"group", "held_on", "start_time", "place", "host", "speaker_member", "speaker_name", "topic", "minutes"}
)
AUDITED_FIELDS = (
    "held_on",
    "start_time",
    "place",
    "host",
    "speaker_member",
    "speaker_name",
    "secretary_spoke",
    "topic",
    "minutes",
    "group",
    "status",
    "version",
)
DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024

# Magic numbers of the accepted files: the browser's content type and the file name are
# only what the client claims, the first bytes are what the file is.
_SIGNATURES: tuple[tuple[str, bytes, int], ...] = (
    ("image/jpeg", b"\xff\xd8\xff", 0),
    ("image/png", b"\x89PNG\r\n\x1a\n", 0),
    ("application/pdf", b"%PDF-", 0),
)
ACCEPTED_TYPES: dict[str, frozenset[str]] = {
    AttachmentKind.PHOTO: frozenset({"image/jpeg", "image/png", "image/webp"}),
    AttachmentKind.SIGN_IN: frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"}),
}
EXTENSIONS = {
    "image/jpeg": {".jpg", ".jpeg"},
    "image/png": {".png"},
    "image/webp": {".webp"},
    "application/pdf": {".pdf"},
}
TYPE_NAMES = {"image/jpeg": "JPG", "image/png": "PNG", "image/webp": "WebP", "application/pdf": "PDF"}


@dataclass(frozen=True)
class AttendanceEntry:
    member: Member
    status: str
    leave_reason: str = ""


def _raise(errors: Sequence[tuple[str, str]]) -> None:
    if errors:
        grouped: dict[str, list[str]] = {}
        for name, message in errors:
            grouped.setdefault(name, []).append(message)
        raise ValidationError(grouped)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _audit_snapshot(activity: Activity) -> dict[str, Any]:
    return snapshot(activity, AUDITED_FIELDS) | {"kinds": sorted(getattr(activity, "_kinds", []))}


# --- validation ---------------------------------------------------------------------------


def _record_errors(activity: Activity, kinds: Iterable[str]) -> list[tuple[str, str]]:
    """What a draft must satisfy already: the place of the record in the tree and its kinds."""
    branch = activity.organization
    kinds = set(kinds)
    errors: list[tuple[str, str]] = []
    if not branch.is_branch:
        errors.append(("organization", f"“{branch.name}”不是党支部，组织生活记录只能记在党支部"))
    elif not branch.is_active:
        errors.append(("organization", f"“{branch.name}”已撤销"))
    if not kinds:
        errors.append(("kinds", "请至少选择一种活动类型"))
    unknown = kinds - set(ActivityKind.values)
    if unknown:
        errors.append(("kinds", f"未知的活动类型：{'、'.join(sorted(unknown))}"))
    group = activity.group
    if group is not None and (group.kind != OrgKind.GROUP or group.parent_path != branch.path):
        errors.append(("group", f"“{group.name}”不是“{branch.name}”下设的党小组"))
    if ActivityKind.GROUP_MEETING in kinds and group is None:
        errors.append(("group", "党小组会须选择召开会议的党小组"))
    if ActivityKind.COMMITTEE_MEETING in kinds and not branch.has_committee:
        errors.append(("kinds", f"“{branch.name}”未设支部委员会，不召开支部委员会会议"))
    return errors


def _submission_errors(activity: Activity, kinds: Iterable[str], today: dt.date) -> list[tuple[str, str]]:
    """What a record must satisfy to be submitted and counted."""
    errors = _record_errors(activity, kinds)
    if activity.held_on > today:
        errors.append(("held_on", f"日期{activity.held_on:%Y-%m-%d}晚于今天，活动开过之后才能提交"))
    if not activity.topic.strip():
        errors.append(("topic", "请填写主题"))
    if ActivityKind.PARTY_LECTURE in set(kinds) and not (
        activity.speaker_name.strip() or activity.speaker_member_id
    ):
        errors.append(("speaker_name", "党课须填写主讲人"))
    return errors


def _attendance_errors(
    branch: Organization, held_on: dt.date, entries: Sequence[AttendanceEntry]
) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    seen: set[int] = set()
    for entry in entries:
        if entry.member.pk in seen:
            errors.append(("attendance", f"{entry.member.name}重复登记"))
        seen.add(entry.member.pk)
        if entry.status not in AttendanceStatus.values:
            errors.append(("attendance", f"{entry.member.name}：出勤状态应为出席、请假或缺席"))
        if entry.status == AttendanceStatus.LEAVE and not entry.leave_reason.strip():
            errors.append(("attendance", f"{entry.member.name}：请假须填写事由"))
    placed = branch_on([entry.member for entry in entries], held_on)
    for entry in entries:
        if placed.get(entry.member.pk) != branch.pk:
            errors.append(("attendance", f"{entry.member.name}在{held_on:%Y-%m-%d}不是“{branch.name}”的党员"))
    return errors


def _stored_attendance_errors(activity: Activity) -> list[tuple[str, str]]:
    rows = list(activity.attendance.select_related("member"))
    entries = [AttendanceEntry(row.member, row.status, row.leave_reason) for row in rows]
    return _attendance_errors(activity.organization, activity.held_on, entries)


def _derive(activity: Activity, kinds: Iterable[str]) -> None:
    activity.minutes = clean_minutes(activity.minutes)
    if activity.speaker_member_id and not activity.speaker_name.strip():
        activity.speaker_name = activity.speaker_member.name  # type: ignore[union-attr]
    activity.secretary_spoke = bool(
        ActivityKind.PARTY_LECTURE in set(kinds)
        and activity.speaker_member_id
        and activity.speaker_member_id == secretary_on(activity.organization, activity.held_on)
    )


def _set_kinds(activity: Activity, kinds: Iterable[str]) -> None:
    activity.kind_entries.all().delete()
    ActivityKindEntry.objects.bulk_create(
        [ActivityKindEntry(activity=activity, kind=kind) for kind in sorted(set(kinds))]
    )
    activity._kinds = sorted(set(kinds))  # type: ignore[attr-defined]


def _locked(activity: Activity) -> Activity:
    """The stored row, locked for this transaction, with the branch loaded."""
    return (
        Activity.objects.select_for_update(of=("self",))
        .select_related("organization", "group")
        .get(pk=activity.pk)
    )


def _require_draft(activity: Activity) -> None:
    if activity.status != ActivityStatus.DRAFT or not activity.is_current:
        raise ValidationError({"status": "记录已提交，不能修改；如需更正，请提交更正版本"})


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"unknown activity fields: {sorted(unknown)}")


# --- records ------------------------------------------------------------------------------


@transaction.atomic
def record_create(
    *, actor: Any, organization: Organization, kinds: Iterable[str], held_on: dt.date, **fields: Any
) -> Activity:
    """A new record as a draft; it counts for compliance once submitted."""
    require(actor, "change", organization)
    _check_fields(fields)
    kinds = list(kinds)
    activity = Activity(organization=organization, held_on=held_on, created_by=_user(actor), **fields)
    _raise(_record_errors(activity, kinds))
    _derive(activity, kinds)
    activity.full_clean(exclude=["organization", "group", "speaker_member", "previous", "created_by"])
    activity.save()
    _set_kinds(activity, kinds)
    audit_record(
        actor=actor,
        action="orglife.create",
        obj=activity,
        organization=organization,
        after=_audit_snapshot(activity),
    )
    return activity


@transaction.atomic
def record_update(
    *, actor: Any, activity: Activity, kinds: Iterable[str] | None = None, **fields: Any
) -> Activity:
    _check_fields(fields)
    activity = _locked(activity)
    require(actor, "change", activity.organization)
    _require_draft(activity)
    activity._kinds = activity.kinds  # type: ignore[attr-defined]
    before = _audit_snapshot(activity)
    new_kinds = list(kinds) if kinds is not None else activity.kinds
    for name, value in fields.items():
        setattr(activity, name, value)
    _raise(_record_errors(activity, new_kinds))
    _derive(activity, new_kinds)
    activity.full_clean(exclude=["organization", "group", "speaker_member", "previous", "created_by"])
    activity.save()
    if kinds is not None:
        _set_kinds(activity, new_kinds)
    old, new = changed(before, _audit_snapshot(activity))
    if new:
        audit_record(
            actor=actor,
            action="orglife.update",
            obj=activity,
            organization=activity.organization,
            before=old,
            after=new,
        )
    return activity


@transaction.atomic
def record_submit(*, actor: Any, activity: Activity, today: dt.date | None = None) -> Activity:
    """Lock a draft: from now on it counts, and only a correction changes it."""
    activity = _locked(activity)
    require(actor, "change", activity.organization)
    _require_draft(activity)
    kinds = activity.kinds
    today = today or timezone.localdate()
    _raise(_submission_errors(activity, kinds, today) + _stored_attendance_errors(activity))
    _derive(activity, kinds)
    activity.status = ActivityStatus.SUBMITTED
    activity.submitted_by = _user(actor)
    activity.submitted_at = timezone.now()
    activity.save()
    audit_record(
        actor=actor,
        action="orglife.submit",
        obj=activity,
        organization=activity.organization,
        after={"status": ActivityStatus.SUBMITTED, "kinds": kinds, "held_on": activity.held_on.isoformat()},
    )
    return activity


@transaction.atomic
def record_correct(
    *,
    actor: Any,
    activity: Activity,
    reason: str,
    kinds: Iterable[str] | None = None,
    attendance: Sequence[AttendanceEntry] | None = None,
    today: dt.date | None = None,
    **fields: Any,
) -> Activity:
    """Correct a submitted record: a new submitted version replaces it in every count, and the
    old version stays in the history. Attendance and attachments carry over unless given."""
    _check_fields(fields)
    old = _locked(activity)
    require(actor, "change", old.organization)
    if old.status != ActivityStatus.SUBMITTED:
        raise ValidationError({"status": "草稿可直接修改，无需更正"})
    if not old.is_current:
        raise ValidationError({"status": f"该记录已被第{old.version + 1}版更正，请在最新版本上更正"})
    if not reason.strip():
        raise ValidationError({"correction_reason": "请填写更正原因"})
    old_kinds = old.kinds
    new_kinds = list(kinds) if kinds is not None else old_kinds
    new = Activity(
        organization=old.organization,
        **{name: getattr(old, name) for name in EDITABLE_FIELDS},
    )
    for name, value in fields.items():
        setattr(new, name, value)
    new.version = old.version + 1
    new.previous = old
    new.correction_reason = reason.strip()
    new.created_by = new.submitted_by = _user(actor)
    new.submitted_at = timezone.now()
    new.status = ActivityStatus.SUBMITTED
    if attendance is None:
        attendance = [
            AttendanceEntry(row.member, row.status, row.leave_reason)
            for row in old.attendance.select_related("member")
        ]
    today = today or timezone.localdate()
    _raise(
        _submission_errors(new, new_kinds, today)
        + _attendance_errors(new.organization, new.held_on, attendance)
    )
    _derive(new, new_kinds)
    new.full_clean(
        exclude=["organization", "group", "speaker_member", "previous", "created_by", "submitted_by"]
    )
    old.is_current = False
    old.save(update_fields=["is_current"])
    new.save()
    _set_kinds(new, new_kinds)
    _write_attendance(new, attendance)
    Attachment.objects.bulk_create(
        [
            Attachment(
                activity=new,
                kind=item.kind,
                file=item.file.name,
                original_name=item.original_name,
                content_type=item.content_type,
                size=item.size,
                uploaded_by=item.uploaded_by,
                uploaded_at=item.uploaded_at,
            )
            for item in old.attachments.all()
        ]
    )
    old._kinds = old_kinds  # type: ignore[attr-defined]
    before, after = changed(_audit_snapshot(old), _audit_snapshot(new))
    audit_record(
        actor=actor,
        action="orglife.correct",
        obj=new,
        organization=new.organization,
        before=before,
        after=after | {"reason": new.correction_reason, "previous": old.pk},
    )
    return new


def _write_attendance(activity: Activity, entries: Sequence[AttendanceEntry]) -> list[Attendance]:
    activity.attendance.all().delete()
    rows = [
        Attendance(
            activity=activity,
            member=entry.member,
            status=entry.status,
            leave_reason=entry.leave_reason.strip() if entry.status == AttendanceStatus.LEAVE else "",
        )
        for entry in entries
    ]
    return Attendance.objects.bulk_create(rows)


@transaction.atomic
def attendance_set(*, actor: Any, activity: Activity, entries: Sequence[AttendanceEntry]) -> list[Attendance]:
    """Replace the attendance of a draft: one row per member, present, on leave or absent."""
    activity = _locked(activity)
    require(actor, "change", activity.organization)
    _require_draft(activity)
    _raise(_attendance_errors(activity.organization, activity.held_on, entries))
    rows = _write_attendance(activity, entries)
    counts = {status: sum(1 for e in entries if e.status == status) for status in AttendanceStatus.values}
    audit_record(
        actor=actor,
        action="orglife.attendance",
        obj=activity,
        organization=activity.organization,
        after=counts | {"members": sorted(entry.member.pk for entry in entries)},
    )
    return rows


def sniff_content_type(head: bytes) -> str | None:
    for content_type, signature, offset in _SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def attachment_errors(kind: str, upload: UploadedFile) -> list[tuple[str, str]]:
    name = upload.name or ""
    if kind not in AttachmentKind.values:
        return [("kind", "附件类型应为照片或签到表")]
    limit = getattr(settings, "ORGLIFE_ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_MAX_BYTES)
    size = upload.size or 0
    if size == 0:
        return [("file", f"“{name}”是空文件")]
    if size > limit:
        return [("file", f"“{name}”大小为{size / 1048576:.1f}MB，超过上限{limit / 1048576:.0f}MB")]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    detected = sniff_content_type(head)
    accepted = ACCEPTED_TYPES[kind]
    allowed = "、".join(sorted({TYPE_NAMES[t] for t in accepted}))
    if detected not in accepted:
        return [("file", f"“{name}”不是可接受的{AttachmentKind(kind).label}文件（可上传 {allowed}）")]
    extension = name[name.rfind(".") :].lower() if "." in name else ""
    if extension not in EXTENSIONS[detected]:
        return [("file", f"“{name}”的扩展名与文件内容（{TYPE_NAMES[detected]}）不符")]
    return []


@transaction.atomic
def attachment_add(*, actor: Any, activity: Activity, kind: str, upload: UploadedFile) -> Attachment:
    """Attach a photo or a scanned sign-in sheet to a draft, after checking size and type."""
    activity = _locked(activity)
    require(actor, "change", activity.organization)
    _require_draft(activity)
    _raise(attachment_errors(kind, upload))
    head = upload.read(16)
    upload.seek(0)
    attachment = Attachment(
        activity=activity,
        kind=kind,
        original_name=(upload.name or "")[:200],
        content_type=sniff_content_type(head) or "",
        size=upload.size or 0,
        uploaded_by=_user(actor),
    )
    attachment.file.save(upload.name or "attachment", upload, save=False)
    attachment.save()
    audit_record(
        actor=actor,
        action="orglife.attachment_add",
        obj=activity,
        organization=activity.organization,
        after={
            "attachment": attachment.pk,
            "kind": kind,
            "name": attachment.original_name,
            "size": attachment.size,
        },
    )
    return attachment


# --- local rule sets ----------------------------------------------------------------------


@transaction.atomic
def local_rule_set_create(
    *,
    actor: Any,
    organization: Organization,
    name: str,
    effective_from: dt.date,
    rules_data: list[dict[str, Any]],
    source: str = "",
) -> LocalRuleSet:
    """A new version of an organization's local rules, in force from `effective_from` for its
    subtree. Setting rules is the business of those who shape the tree, not of branches."""
    require(actor, "manage_orgs", organization)
    parsed = rules.parse_rules(rules_data)
    if not name.strip():
        raise ValidationError({"name": "请填写规则名称"})
    if LocalRuleSet.objects.filter(organization=organization, effective_from=effective_from).exists():
        raise ValidationError(
            {"effective_from": f"“{organization.name}”已有{effective_from:%Y-%m-%d}施行的规则"}
        )
    rule_set = LocalRuleSet(
        organization=organization,
        name=name.strip(),
        effective_from=effective_from,
        rules=[rule.to_json() for rule in parsed],
        source=source.strip(),
        created_by=_user(actor),
    )
    rule_set.full_clean(exclude=["organization", "created_by"])
    rule_set.save()
    audit_record(
        actor=actor,
        action="orglife.rules_create",
        obj=rule_set,
        organization=organization,
        after={"effective_from": effective_from.isoformat(), "rules": rule_set.rules},
    )
    return rule_set


# --- precomputed compliance figures -------------------------------------------------------

RECOMPUTE_CHUNK = 2000


@dataclass(frozen=True)
class RecomputeResult:
    run: ComplianceRun
    recomputed: list[int]  # branch ids whose figures were written
    removed: int


def _touched_since(since: dt.datetime, year: int) -> set[int]:
    """Branches with a record submitted or corrected since `since` that counts in `year`, or
    whose replaced version did (a correction may move a sitting to another year)."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return set(
        Activity.objects.filter(status=ActivityStatus.SUBMITTED, submitted_at__gte=since)
        .filter(
            Q(held_on__gte=start, held_on__lte=end)
            | Q(previous__held_on__gte=start, previous__held_on__lte=end)
        )
        .values_list("organization_id", flat=True)
        .distinct()
    )


def compliance_figures_recompute(*, year: int, full: bool = False) -> RecomputeResult:
    """Store each branch's compliance figures for `year` (models.ComplianceFigures).

    Incremental unless `full` or no run of the year has finished yet: only the branches with
    records submitted or corrected since the start of the last finished run, and those whose
    attributes, groups or rule sets changed (their fingerprint differs), are recomputed;
    figures of branches no longer active are removed. Each branch's figures are replaced as
    a whole, so running it again changes nothing (idempotent), and a run interrupted half way
    leaves every branch either as it was or recomputed. Queries: four, plus two per
    2,000 recomputed branches (the records' GROUP BY and the write)."""
    from .compliance import branch_entries, load_counts_where, make_resolver
    from .periods import Period, PeriodKind
    from .rollups import branch_rollup, encode, fingerprint, load_tree, rollups_recompute

    started = timezone.now()
    last = ComplianceRun.objects.filter(year=year, finished_at__isnull=False).order_by("-started_at").first()
    mode = ComplianceRun.Mode.FULL if full or last is None else ComplianceRun.Mode.INCREMENTAL
    tree = load_tree()
    statutory = rules.STATUTORY_RULE_SETS
    branches = {branch.id: branch for branch in tree.branches}
    prints = {
        branch.id: fingerprint(branch, tree.groups_by_parent.get(branch.path, []), tree.local_rows, statutory)
        for branch in tree.branches
    }
    existing = dict(ComplianceFigures.objects.filter(year=year).values_list("organization_id", "fingerprint"))
    if mode == ComplianceRun.Mode.FULL:
        targets = set(prints)
    else:
        assert last is not None
        targets = {branch_id for branch_id, digest in prints.items() if existing.get(branch_id) != digest}
        targets |= _touched_since(last.started_at, year) & prints.keys()
    conditions = {
        rule.condition
        for rule_set in [*statutory, *(s for sets in tree.local.by_path.values() for s in sets)]
        for rule in rule_set.rules
    }
    resolve = make_resolver(statutory, tree.local)
    whole_year = Period(year, PeriodKind.YEAR, 1)
    ordered = sorted(targets)
    branch_rows: dict[int, tuple[dict[str, Any], dict[str, int]]] = {}
    for offset in range(0, len(ordered), RECOMPUTE_CHUNK):
        chunk = ordered[offset : offset + RECOMPUTE_CHUNK]
        counts = load_counts_where(Q(activity__organization_id__in=chunk), year, conditions)
        rows = []
        for branch_id in chunk:
            branch = branches[branch_id]
            groups = tree.groups_by_parent.get(branch.path, [])
            year_entries = branch_entries(branch, groups, counts, whole_year, resolve)
            branch_rows[branch_id] = branch_rollup(branch, year_entries, year)
            rule_data, entries = encode(year_entries)
            figures = ComplianceFigures(
                organization_id=branch_id,
                year=year,
                fingerprint=prints[branch_id],
                rules=rule_data,
                entries=entries,
                computed_at=started,
            )
            rows.append(figures)
        with transaction.atomic():
            ComplianceFigures.objects.filter(year=year, organization_id__in=chunk).delete()
            ComplianceFigures.objects.bulk_create(rows)
    obsolete = sorted(existing.keys() - prints.keys())
    removed = 0
    if obsolete:
        removed, _ = ComplianceFigures.objects.filter(year=year, organization_id__in=obsolete).delete()
    # The sums of the subtrees: the changed branches' rows and their ancestors' (issue 6 item 4).
    rollups_recompute(
        year=year,
        tree=tree,
        branch_rows=branch_rows,
        removed=obsolete,
        full=mode == ComplianceRun.Mode.FULL,
        started=started,
    )
    run = ComplianceRun(
        year=year,
        mode=mode,
        started_at=started,
        finished_at=timezone.now(),
        recomputed=len(ordered),
        removed=removed,
    )
    run.full_clean()
    run.save()
    return RecomputeResult(run, ordered, removed)
