"""Every change to members: one transaction each, scope-checked, validated by `members.rules`,
audited. The Excel importer writes through `members_upsert`, the bulk form of the same rules."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from dangjian.core.audit import audit_record, audit_record_many, build_audit_event, changed, snapshot
from dangjian.core.idnumber import IdNumberError, parse_id_number
from dangjian.core.pinyin import search_keys
from dangjian.core.restrict import require
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Organization

from . import rules, selectors
from .choices import SINGLE_HOLDER_ROLES, Category, EventKind, MemberStatus
from .models import Member, MemberEvent, MemberFigures, MemberRole
from .rollups import mark_figures_stale

# What a form or the API may change on a member, besides the group, in the order shown.
PERSONAL_FIELDS = (
    "name",
    "sex",
    "ethnicity",
    "id_number",
    "birth_date",
    "education",
    "category",
    "joined_on",
    "converted_on",
    "phone",
    "job",
    "address",
)
AUDITED_FIELDS = (*PERSONAL_FIELDS, "organization", "group", "status", "month_precision_dates")
EDITABLE_FIELDS = frozenset(AUDITED_FIELDS) - {"organization", "status"}
EXIT_KINDS: dict[str, str] = {
    EventKind.DIED: MemberStatus.DIED,
    EventKind.LEFT: MemberStatus.LEFT,
    EventKind.TRANSFERRED_OUT: MemberStatus.TRANSFERRED_OUT,
}


def placement_errors(organization: Organization, group: Organization | None) -> list[tuple[str, str]]:
    errors = []
    if not organization.is_branch:
        errors.append(
            ("organization", f"“{organization.name}”不是党支部，党员只能编入党支部、联合党支部或临时党支部")
        )
    elif not organization.is_active:
        errors.append(("organization", f"“{organization.name}”已撤销"))
    if group is not None and (group.kind != OrgKind.GROUP or group.parent_path != organization.path):
        errors.append(("group", f"“{group.name}”不是“{organization.name}”下设的党小组"))
    return errors


def _raise(errors: Sequence[tuple[str, str]]) -> None:
    if errors:
        grouped: dict[str, list[str]] = {}
        for name, message in errors:
            grouped.setdefault(name, []).append(message)
        raise ValidationError(grouped)


def _prepare(member: Member, today: dt.date, *, check_unique: bool = True) -> None:
    """Normalise derived fields and collect every rule broken, raising them together.

    The organization and group are checked from the objects in hand (full_clean would query
    each foreign key again); a bulk caller checks ID-number uniqueness itself, in one query."""
    errors: list[tuple[str, str]] = []
    try:
        number = parse_id_number(member.id_number, today=today)
    except IdNumberError as exc:
        errors.append(("id_number", str(exc)))
    else:
        member.id_number = number.value
        if member.birth_date is None:
            member.birth_date = number.birth_date
        elif member.birth_date != number.birth_date:
            errors.append(("birth_date", f"与身份证号中的出生日期{number.birth_date:%Y-%m-%d}不一致"))
        if not member.sex:
            member.sex = number.sex
        elif member.sex != number.sex:
            errors.append(("sex", "与身份证号中的性别不一致"))
    member.name_pinyin, member.name_initials = search_keys(member.name)
    if member.organization_id:
        errors.extend(placement_errors(member.organization, member.group))
    if member.birth_date and member.joined_on:
        errors.extend(
            rules.date_errors(
                rules.MemberDates(member.category, member.birth_date, member.joined_on, member.converted_on),
                today,
            )
        )
    _raise(errors)
    try:
        member.full_clean(
            exclude=["name_pinyin", "name_initials", "organization", "group"], validate_unique=check_unique
        )
    except ValidationError as exc:
        # The ID number is unique through its digest column; report it under the field people see.
        if "id_number_hash" not in exc.error_dict:
            raise
        del exc.error_dict["id_number_hash"]
        exc.error_dict.setdefault("id_number", []).append(
            ValidationError("该公民身份号码已存在：此人已登记为党员", code="unique")
        )
        raise


def _locked_member(member: Member) -> Member:
    """The member's row, locked until the transaction ends, read as it is now.

    The row is locked alone: with a join, PostgreSQL re-checks the join against the row's new
    version after waiting for the lock, so a member transferred meanwhile would drop out of the
    result (DoesNotExist, a server error) instead of being read in its new branch."""
    locked = Member.objects.select_for_update().get(pk=member.pk)
    locked.organization = Organization.objects.get(pk=locked.organization_id)
    return locked


@transaction.atomic
def member_create(*, actor: Any, organization: Organization, **fields: Any) -> Member:
    require(actor, "change", organization)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"unknown member fields: {sorted(unknown)}")
    member = Member(organization=organization, **fields)
    _prepare(member, timezone.localdate())
    member.save()
    mark_figures_stale([organization.pk])
    MemberEvent.objects.bulk_create(_joining_events(member, actor))
    audit_record(
        actor=actor,
        action="member.create",
        obj=member,
        organization=organization,
        after=snapshot(member, AUDITED_FIELDS),
    )
    return member


def _joining_events(member: Member, actor: Any) -> list[MemberEvent]:
    recorded_by = actor if getattr(actor, "is_authenticated", False) else None
    events = [
        MemberEvent(
            member=member,
            kind=EventKind.JOINED,
            occurred_on=member.joined_on,
            organization=member.organization,
            recorded_by=recorded_by,
        )
    ]
    if member.converted_on:
        events.append(
            MemberEvent(
                member=member,
                kind=EventKind.CONVERTED,
                occurred_on=member.converted_on,
                organization=member.organization,
                recorded_by=recorded_by,
            )
        )
    return events


@transaction.atomic
def member_update(*, actor: Any, member: Member, **fields: Any) -> Member:
    """Correct a member's details. Moving to another branch is `member_transfer`, not this."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"unknown member fields: {sorted(unknown)}")
    member = _locked_member(member)
    require(actor, "change", member.organization)
    before = snapshot(member, AUDITED_FIELDS)
    if "id_number" in fields:
        # Birth date and sex follow a corrected ID number unless given alongside it.
        fields.setdefault("birth_date", None)
        fields.setdefault("sex", "")
    for name, value in fields.items():
        setattr(member, name, value)
    _prepare(member, timezone.localdate())
    old, new = changed(before, snapshot(member, AUDITED_FIELDS))
    if not new:
        return member
    member.save()
    mark_figures_stale([member.organization_id])
    audit_record(
        actor=actor,
        action="member.update",
        obj=member,
        organization=member.organization,
        before=old,
        after=new,
    )
    return member


@transaction.atomic
def member_transfer(
    *,
    actor: Any,
    member: Member,
    to_organization: Organization,
    on: dt.date,
    note: str = "",
    expected_from: Organization | None = None,
) -> Member:
    """组织关系转接 between two branches inside the system.

    The actor must reach both branches: a township cannot push members into another
    township's branches (a transfer across scopes goes through their common superior).
    `expected_from` is the branch the requester saw the member in: two people transferring
    the same member at once queue on the row lock, and the second is told the member has
    already moved instead of moving the member a second time."""
    member = _locked_member(member)
    to_organization = Organization.objects.get(pk=to_organization.pk)
    source = member.organization
    if expected_from is not None and source.pk != expected_from.pk:
        _raise([("member", f"{member.name}的组织关系刚刚已由他人转入“{source.name}”，请刷新后再看")])
    require(actor, "change", source)
    require(actor, "change", to_organization)
    errors = placement_errors(to_organization, None)
    if member.status != MemberStatus.ACTIVE:
        errors.append(("member", f"{member.name}已不在册（{member.get_status_display()}），不能转接"))
    if to_organization.pk == source.pk:
        errors.append(("to_organization", "转入组织与当前所在组织相同"))
    if on > timezone.localdate():
        errors.append(("on", "转接日期不能晚于今天"))
    if on < member.joined_on:
        errors.append(("on", "转接日期不能早于入党日期"))
    _raise([(name if name != "organization" else "to_organization", text) for name, text in errors])
    before = snapshot(member, ("organization", "group"))
    member.organization = to_organization
    member.group = None
    member.save(update_fields=["organization", "group", "updated_at"])
    mark_figures_stale([source.pk, to_organization.pk])
    # Posts held in the old branch end with the transfer.
    MemberRole.objects.filter(member=member, ended_on__isnull=True).update(ended_on=on)
    recorded_by = actor if getattr(actor, "is_authenticated", False) else None
    MemberEvent.objects.bulk_create(
        [
            MemberEvent(
                member=member,
                kind=EventKind.TRANSFERRED_OUT,
                occurred_on=on,
                organization=source,
                counterpart=to_organization,
                counterpart_name=to_organization.name,
                note=note,
                recorded_by=recorded_by,
            ),
            MemberEvent(
                member=member,
                kind=EventKind.TRANSFERRED_IN,
                occurred_on=on,
                organization=to_organization,
                counterpart=source,
                counterpart_name=source.name,
                note=note,
                recorded_by=recorded_by,
            ),
        ]
    )
    audit_record(
        actor=actor,
        action="member.transfer",
        obj=member,
        organization=to_organization,
        before=before,
        after=snapshot(member, ("organization", "group")) | {"on": on.isoformat(), "from": source.code},
    )
    return member


@transaction.atomic
def member_convert(*, actor: Any, member: Member, converted_on: dt.date) -> Member:
    """预备党员转为正式党员, voted by the branch meeting on `converted_on`."""
    member = _locked_member(member)
    require(actor, "change", member.organization)
    if member.category != Category.PROBATIONARY:
        raise ValidationError({"category": f"{member.name}已是正式党员"})
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError({"status": f"{member.name}已不在册"})
    _raise(rules.conversion_errors(member.joined_on, converted_on, timezone.localdate()))
    member.category = Category.FULL
    member.converted_on = converted_on
    member.save(update_fields=["category", "converted_on", "updated_at"])
    mark_figures_stale([member.organization_id])
    MemberEvent.objects.create(
        member=member,
        kind=EventKind.CONVERTED,
        occurred_on=converted_on,
        organization=member.organization,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action="member.convert",
        obj=member,
        organization=member.organization,
        before={"category": Category.PROBATIONARY},
        after={"category": Category.FULL, "converted_on": converted_on.isoformat()},
    )
    return member


@transaction.atomic
def member_exit(
    *, actor: Any, member: Member, kind: str, on: dt.date, counterpart_name: str = "", note: str = ""
) -> Member:
    """A member leaves the roster: died, left the party, or transferred outside the system."""
    if kind not in EXIT_KINDS:
        raise ValueError(f"not an exit kind: {kind}")
    member = _locked_member(member)
    require(actor, "change", member.organization)
    errors = []
    if member.status != MemberStatus.ACTIVE:
        errors.append(("status", f"{member.name}已不在册（{member.get_status_display()}）"))
    if on > timezone.localdate():
        errors.append(("on", "日期不能晚于今天"))
    if kind == EventKind.TRANSFERRED_OUT and not counterpart_name.strip():
        errors.append(("counterpart_name", "请填写转入的党组织名称"))
    _raise(errors)
    member.status = EXIT_KINDS[kind]
    member.status_changed_on = on
    member.group = None
    member.save(update_fields=["status", "status_changed_on", "group", "updated_at"])
    mark_figures_stale([member.organization_id])
    MemberRole.objects.filter(member=member, ended_on__isnull=True).update(ended_on=on)
    MemberEvent.objects.create(
        member=member,
        kind=kind,
        occurred_on=on,
        organization=member.organization,
        counterpart_name=counterpart_name.strip(),
        note=note,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action=f"member.{kind}",
        obj=member,
        organization=member.organization,
        before={"status": MemberStatus.ACTIVE},
        after={"status": member.status, "on": on.isoformat(), "counterpart": counterpart_name, "note": note},
    )
    return member


@transaction.atomic
def member_role_assign(
    *, actor: Any, member: Member, organization: Organization, role: str, started_on: dt.date
) -> MemberRole:
    """Give a member a post; a single-holder post (书记, 党小组组长) passes from the previous holder."""
    require(actor, "change", organization)
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError({"member": f"{member.name}已不在册"})
    if not member.organization.path.startswith(organization.path) and not organization.path.startswith(
        member.organization.path
    ):
        # A post is held in the own branch or one of its groups, or in a committee above it.
        raise ValidationError({"organization": f"{member.name}不属于“{organization.name}”"})
    if role in SINGLE_HOLDER_ROLES:
        MemberRole.objects.filter(organization=organization, role=role, ended_on__isnull=True).update(
            ended_on=started_on
        )
    elif MemberRole.objects.filter(
        member=member, organization=organization, role=role, ended_on__isnull=True
    ).exists():
        raise ValidationError({"role": "该党员已担任此职务"})
    post = MemberRole(member=member, organization=organization, role=role, started_on=started_on)
    post.full_clean()
    post.save()
    audit_record(
        actor=actor,
        action="member.role_assign",
        obj=member,
        organization=organization,
        after={"role": role, "organization": organization.code, "started_on": started_on.isoformat()},
    )
    return post


@transaction.atomic
def member_role_end(*, actor: Any, post: MemberRole, ended_on: dt.date) -> MemberRole:
    require(actor, "change", post.organization)
    if post.ended_on is not None:
        raise ValidationError({"ended_on": "该职务已离任"})
    if ended_on < post.started_on:
        raise ValidationError({"ended_on": "离任日期不能早于任职日期"})
    post.ended_on = ended_on
    post.save(update_fields=["ended_on"])
    audit_record(
        actor=actor,
        action="member.role_end",
        obj=post.member,
        organization=post.organization,
        after={"role": post.role, "ended_on": ended_on.isoformat()},
    )
    return post


@dataclass
class UpsertResult:
    created: list[Member] = field(default_factory=list)
    updated: list[Member] = field(default_factory=list)
    unchanged: int = 0

    @property
    def written(self) -> int:
        return len(self.created) + len(self.updated)


@transaction.atomic
def members_upsert(*, actor: Any, members: Sequence[Member], batch_size: int = 1000) -> UpsertResult:
    """Create or update many members at once, keyed by ID number (the Excel import).

    Each member is an unsaved instance already checked by the caller with `validate_member`;
    this re-checks the actor's reach for every organization and writes in batches. A member
    whose fields all equal the stored ones is left alone, so re-importing a file writes nothing."""
    for organization in {m.organization_id: m.organization for m in members}.values():
        require(actor, "change", organization)
    existing = members_by_id_number([m.id_number for m in members])
    now = timezone.now()
    result = UpsertResult()
    audits = []
    to_update: list[Member] = []
    for incoming in members:
        stored = existing.get(incoming.id_number)
        if stored is None:
            result.created.append(incoming)
            continue
        if stored.organization_id != incoming.organization_id:
            raise ValidationError({"id_number": f"{incoming.name}已在其他党组织登记，应办理组织关系转接"})
        before = snapshot(stored, EDITABLE_FIELDS)
        for name in EDITABLE_FIELDS:
            setattr(stored, name, getattr(incoming, name))
        old, new = changed(before, snapshot(stored, EDITABLE_FIELDS))
        if not new:
            result.unchanged += 1
            continue
        stored.name_pinyin, stored.name_initials = incoming.name_pinyin, incoming.name_initials
        stored.updated_at = now
        to_update.append(stored)
        audits.append(
            build_audit_event(
                actor=actor,
                action="member.update",
                obj=stored,
                organization=stored.organization,
                before=old,
                after=new,
            )
        )
    result.updated = to_update
    Member.objects.bulk_create(result.created, batch_size=batch_size)
    if to_update:
        Member.objects.bulk_update(
            to_update, [*EDITABLE_FIELDS, "name_pinyin", "name_initials", "updated_at"], batch_size=batch_size
        )
    events = [event for member in result.created for event in _joining_events(member, actor)]
    MemberEvent.objects.bulk_create(events, batch_size=batch_size)
    audits.extend(
        build_audit_event(
            actor=actor,
            action="member.create",
            obj=member,
            organization=member.organization,
            after=snapshot(member, AUDITED_FIELDS),
        )
        for member in result.created
    )
    audit_record_many(audits)
    mark_figures_stale(m.organization_id for m in [*result.created, *to_update])
    return result


def validate_member(member: Member, today: dt.date | None = None, *, check_unique: bool = True) -> None:
    """Check an unsaved member by every rule `member_create` applies (for importers and forms)."""
    _prepare(member, today or timezone.localdate(), check_unique=check_unique)


def members_by_id_number(id_numbers: Sequence[str], chunk: int = 900) -> dict[str, Member]:
    """Kept for the importer: the look-up lives in `selectors.members_by_id_number`."""
    return selectors.members_by_id_number(id_numbers, chunk=chunk)


# --- bulk import (the Excel importer's fast path) -------------------------------------------
# Plain dicts instead of model instances: at 100,000 rows, constructing Members and
# AuditEvents and running full_clean on each cost more than the whole rest of the import.
# The rules are the same as `_prepare`'s; tests/io run every rule through this path.

_CHOICE_FIELDS = {
    f.name: frozenset(value for value, _ in f.flatchoices)
    for f in Member._meta.concrete_fields
    if f.choices and f.name in PERSONAL_FIELDS
}
_REQUIRED_FIELDS = tuple(
    f.name for f in Member._meta.concrete_fields if f.name in PERSONAL_FIELDS and not f.blank
)
_MAX_LENGTHS = {
    f.name: f.max_length for f in Member._meta.concrete_fields if f.name in PERSONAL_FIELDS and f.max_length
}


def member_values_errors(
    values: dict[str, Any], *, organization: Organization, group: Organization | None, today: dt.date
) -> list[tuple[str, str]]:
    """The rules `member_create` applies, on a dict of a new or changed member's fields.

    `values["id_number"]` must be a valid, normalised number, or empty when the caller could
    not parse it (and reported why); birth date and sex are filled from it when missing, and the pinyin
    search keys are set. Returns (field, message) pairs; an empty list means valid."""
    errors: list[tuple[str, str]] = []
    number = values.get("id_number") or ""
    if not number:
        errors.append(("id_number", "不能为空"))
    else:
        birth_from_number = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        sex_from_number = "M" if int(number[16]) % 2 else "F"
        if values.get("birth_date") is None:
            values["birth_date"] = birth_from_number
        elif values["birth_date"] != birth_from_number:
            errors.append(("birth_date", f"与身份证号中的出生日期{birth_from_number:%Y-%m-%d}不一致"))
        if not values.get("sex"):
            values["sex"] = sex_from_number
        elif values["sex"] != sex_from_number:
            errors.append(("sex", "与身份证号中的性别不一致"))
    values["name_pinyin"], values["name_initials"] = search_keys(values.get("name") or "")
    errors.extend(_placement_errors_cached(organization, group))
    if values.get("birth_date") and values.get("joined_on"):
        errors.extend(
            rules.date_errors(
                rules.MemberDates(
                    values.get("category", ""),
                    values["birth_date"],
                    values["joined_on"],
                    values.get("converted_on"),
                ),
                today,
            )
        )
    if errors:
        return errors
    # What full_clean would still catch: the importer's cell parsers already enforce these.
    for name in _REQUIRED_FIELDS:
        if values.get(name) in (None, ""):
            errors.append((name, "此字段不能为空。"))
    for name, allowed in _CHOICE_FIELDS.items():
        value = values.get(name)
        if value and value not in allowed:
            errors.append((name, f"值 {value!r} 不是有效选项。"))
    for name, limit in _MAX_LENGTHS.items():
        value = values.get(name)
        if isinstance(value, str) and len(value) > limit:
            errors.append((name, f"最多{limit}个字，实际{len(value)}个字"))
    return errors


def _placement_errors_cached(organization: Organization, group: Organization | None) -> list[tuple[str, str]]:
    # Every row of a branch asks the same question; the answer depends only on the two objects.
    cache = organization.__dict__.setdefault("_placement_errors", {})
    key = group.pk if group is not None else None
    if key not in cache:
        cache[key] = placement_errors(organization, group)
    return cache[key]


def members_create_bulk(*, actor: Any, members: Sequence[dict[str, Any]]) -> list[int]:
    """Insert new members checked by `member_values_errors`, with their joining events and one
    chained `member.create` audit row each, as `member_create` writes them; returns their ids.

    Each dict holds the member's fields with `organization` and `group` as objects. The ids
    are reserved first, so events and audit rows are written without reading members back."""
    from dangjian.core import auditchain
    from dangjian.core.fields import KeyedDigestField
    from dangjian.core.models import AuditEvent
    from dangjian.core.request_context import current_remote_addr

    from . import bulk

    if not members:
        return []
    with transaction.atomic():
        for organization in {m["organization"].pk: m["organization"] for m in members}.values():
            require(actor, "change", organization)
        ids = bulk.reserve_ids(Member, len(members))
        now = timezone.now()
        recorded_by = actor.pk if getattr(actor, "is_authenticated", False) else None

        member_fields = list(Member._meta.concrete_fields)
        prepare = bulk.preparers(member_fields)
        # A column the dict leaves out gets the field's default, as Member() would give it.
        defaults = {f.attname: f.get_default() for f in member_fields if not f.primary_key}
        attnames = [f.attname for f in member_fields]
        # The look-up digests of encrypted fields (KeyedDigestField.pre_save is not called here).
        digest_fields = [f for f in member_fields if isinstance(f, KeyedDigestField)]
        member_rows = []
        for pk, values in zip(ids, members, strict=True):
            row = {
                **defaults,
                **values,
                "id": pk,
                "organization_id": values["organization"].pk,
                "group_id": values["group"].pk if values.get("group") is not None else None,
                "status": MemberStatus.ACTIVE.value,
                "created_at": now,
                "updated_at": now,
            }
            for digest_field in digest_fields:
                row[digest_field.attname] = digest_field.digest_of(row.get(digest_field.source))
            member_rows.append(bulk.prepared([row.get(name) for name in attnames], prepare))
        bulk.insert_rows(Member, member_fields, member_rows)
        del member_rows
        mark_figures_stale(m["organization"].pk for m in members)

        event_names = ("member", "kind", "occurred_on", "organization", "recorded_by", "recorded_at")
        # Fields without a database default (counterpart_name, note) are blank strings.
        event_fields = [
            MemberEvent._meta.get_field(name) for name in (*event_names, "counterpart_name", "note")
        ]
        prepare_event = bulk.preparers(event_fields)
        event_rows = []
        for pk, values in zip(ids, members, strict=True):
            org_id = values["organization"].pk
            event_rows.append((pk, EventKind.JOINED.value, values["joined_on"], org_id, recorded_by, now))
            if values.get("converted_on"):
                event_rows.append(
                    (pk, EventKind.CONVERTED.value, values["converted_on"], org_id, recorded_by, now)
                )
        bulk.insert_rows(
            MemberEvent,
            event_fields,
            (bulk.prepared([*row, "", ""], prepare_event) for row in event_rows),
        )
        del event_rows

        # Audit rows: the same fields and hash chain as AuditEvent.save(), see core.auditchain.
        actor_name = actor.get_username() if recorded_by is not None else "系统"
        remote_addr = AuditEvent._meta.get_field("remote_addr").get_prep_value(current_remote_addr.get())
        entries = []
        for pk, values in zip(ids, members, strict=True):
            member_view = _MemberView({**defaults, **values})
            entries.append(
                _AuditEntry(
                    at=now,
                    actor_id=recorded_by,
                    actor_name=actor_name,
                    action="member.create",
                    object_type="member",
                    object_id=str(pk),
                    object_repr=str(values["name"])[:200],
                    organization_id=values["organization"].pk,
                    before=None,
                    after=snapshot(cast(Any, member_view), AUDITED_FIELDS),
                    remote_addr=remote_addr,
                )
            )
        auditchain.lock_chain(AuditEvent, "default")
        auditchain.link(entries, auditchain.chain_head(AuditEvent, "default"))
        audit_fields: list[Any] = [AuditEvent._meta.get_field(name) for name in _AuditEntry.FIELDS]
        prepare_audit = bulk.preparers(audit_fields)
        bulk.insert_rows(
            AuditEvent,
            audit_fields,
            (
                bulk.prepared([getattr(entry, f.attname) for f in audit_fields], prepare_audit)
                for entry in entries
            ),
        )
    return ids


class _MemberView:
    """A member's dict read as attributes, for `snapshot`."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update({"status": MemberStatus.ACTIVE, "month_precision_dates": [], **values})


class _AuditEntry:
    """An AuditEvent's fields without the model instance; `auditchain` hashes it the same way."""

    FIELDS = (
        "at",
        "actor",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "organization",
        "before",
        "after",
        "remote_addr",
        "prev_hash",
        "entry_hash",
    )

    def __init__(self, **values: Any) -> None:
        from dangjian.core.models import AuditEvent

        self._meta = AuditEvent._meta
        self.__dict__.update(values)


# --- precomputed member figures (models.MemberFigures) ----------------------------------------

FIGURES_CHUNK = 2000


@dataclass
class FiguresRecomputeResult:
    mode: str  # "full" or "incremental"
    recomputed: int
    seconds: float


def member_figures_recompute(*, full: bool = False, today: dt.date | None = None) -> FiguresRecomputeResult:
    """Store each organization's own member figures (models.MemberFigures).

    Full when asked or when nothing is stored yet: one GROUP BY over the active members and the
    rows replaced in one transaction. Otherwise incremental: the rows marked stale by the member
    services, organizations without a row or whose attributes (path, kind, sector, status,
    committee, term, approved postponement) differ from the row's, and those with a member whose
    birthday since the row's `ages_on` moved them to another age band. Targets are marked stale
    before anything else is written and each chunk's mark is cleared before its members are
    counted, so a run interrupted half way, or a member changed while it runs, is taken again
    next time; running it twice changes nothing (idempotent)."""
    from . import rollups

    started = timezone.now()
    today = today or timezone.localdate()
    if full or not MemberFigures.objects.exists():
        attributes = rollups.organization_attributes()
        counts = rollups.member_counts(Q(), today)
        zeros = dict.fromkeys(rollups.COUNT_COLUMNS, 0)
        rows = [
            MemberFigures(
                organization_id=pk,
                **values,
                **counts.get(pk, zeros),
                ages_on=today,
                stale=False,
                computed_at=started,
            )
            for pk, values in attributes.items()
        ]
        with transaction.atomic():
            MemberFigures.objects.all().delete()
            MemberFigures.objects.bulk_create(rows, batch_size=FIGURES_CHUNK)
        if connection.vendor == "postgresql":
            # Fresh statistics: with those of the emptied table the planner sorts the whole
            # subtree for the home page's GROUP BY instead of hashing it.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {MemberFigures._meta.db_table}")
        return FiguresRecomputeResult("full", len(rows), (timezone.now() - started).total_seconds())

    stored = rollups.stored_rows()
    attributes = rollups.organization_attributes()
    targets = {pk for pk, values in attributes.items() if stored.attributes.get(pk) != values}
    targets |= stored.stale & attributes.keys()
    for day, ids in stored.ages_on.items():
        if day < today:
            crossed = (
                Member.objects.filter(rollups.crossed_band_q(day, today), status=MemberStatus.ACTIVE)
                .order_by()
                .values_list("organization_id", flat=True)
                .distinct()
            )
            targets |= set(crossed) & set(ids)
    ordered = sorted(targets)
    for chunk in rollups.chunks(ordered, FIGURES_CHUNK):
        MemberFigures.objects.filter(organization_id__in=chunk, stale=False).update(stale=True)
    MemberFigures.objects.filter(ages_on__lt=today).update(ages_on=today)
    fields = [*rollups.ATTRIBUTE_COLUMNS, *rollups.COUNT_COLUMNS, "ages_on", "computed_at"]
    for chunk in rollups.chunks(ordered, FIGURES_CHUNK):
        MemberFigures.objects.filter(organization_id__in=chunk).update(stale=False)
        counts = rollups.member_counts(Q(organization_id__in=chunk), today)
        zeros = dict.fromkeys(rollups.COUNT_COLUMNS, 0)
        existing: list[MemberFigures] = []
        new: list[MemberFigures] = []
        for pk in chunk:
            row = MemberFigures(
                organization_id=pk,
                **attributes[pk],
                **counts.get(pk, zeros),
                ages_on=today,
                computed_at=started,
            )
            (existing if pk in stored.attributes else new).append(row)
        if existing:
            MemberFigures.objects.bulk_update(existing, fields, batch_size=500)
        if new:
            MemberFigures.objects.bulk_create(new, batch_size=FIGURES_CHUNK)
    return FiguresRecomputeResult("incremental", len(ordered), (timezone.now() - started).total_seconds())
