"""Every change to the organization tree. Each function is one transaction that checks the
actor's reach, validates with the rules of `orgs.rules`, and writes its audit row."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from dangjian.core.audit import audit_record, changed, snapshot
from dangjian.core.restrict import require

from .choices import BRANCH_KINDS, OrgKind, OrgStatus
from .models import Organization
from .rules import TERM_YEARS_ALLOWED, placement_error

# The details a form, the API or an import may set, in the order forms show them.
DETAIL_FIELDS = (
    "name",
    "short_name",
    "kind",
    "sector",
    "established_on",
    "term_started_on",
    "term_years",
    "has_committee",
    "secretary_name",
    "contact_phone",
)
AUDITED_FIELDS = ("code", *DETAIL_FIELDS, "status", "dissolved_on", "month_precision_dates")
EDITABLE_FIELDS = frozenset(AUDITED_FIELDS) - {"code", "status", "dissolved_on"}


def _validate(organization: Organization, parent: Organization | None) -> None:
    errors: dict[str, list[str]] = {}
    if problem := placement_error(organization.kind, parent.kind if parent else None):
        errors.setdefault("kind", []).append(problem)
    if parent is not None and not parent.is_active:
        errors.setdefault("kind", []).append(f"上级组织“{parent.name}”已撤销")
    if organization.term_years is not None and organization.term_years not in TERM_YEARS_ALLOWED:
        errors.setdefault("term_years", []).append("任期年限应为3年或5年")
    if organization.kind == OrgKind.GROUP:
        organization.has_committee = False
    if errors:
        raise ValidationError(errors)
    organization.full_clean(exclude=["path", "depth", "numchild"], validate_unique=True)


@transaction.atomic
def organization_create(
    *, actor: Any, parent: Organization | None, code: str, name: str, kind: str, sector: str, **fields: Any
) -> Organization:
    if parent is None:
        # A new root is a new province or county tree: only the system or a superuser makes one.
        if actor is not None and not actor.is_superuser:
            raise ValidationError({"parent": "请选择上级组织"})
    else:
        parent = Organization.objects.select_for_update().get(pk=parent.pk)
        require(actor, "manage_orgs", parent)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"unknown organization fields: {sorted(unknown)}")
    organization = Organization(code=code, name=name, kind=kind, sector=sector, **fields)
    # Tree fields are set by treebeard on insert; validate them out of the way.
    organization.path, organization.depth = "0" * Organization.steplen, 1
    _validate(organization, parent)
    if parent is None:
        organization = Organization.objects.add_root(instance=organization)
    else:
        organization = Organization.objects.add_child(parent, instance=organization)
    audit_record(
        actor=actor,
        action="organization.create",
        obj=organization,
        organization=organization,
        after=snapshot(organization, AUDITED_FIELDS) | {"parent": parent.code if parent else None},
    )
    return organization


@transaction.atomic
def organization_update(*, actor: Any, organization: Organization, **fields: Any) -> Organization:
    """Edit an organization's own details (name, kind, sector, term, contact ...).

    A rename is an update of `name`; its audit row keeps the old name for the history."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"unknown organization fields: {sorted(unknown)}")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    require(actor, "change", organization)
    if "kind" in fields and fields["kind"] != organization.kind:
        require(actor, "manage_orgs", organization)
        _check_kind_change(organization, fields["kind"])
    before = snapshot(organization, AUDITED_FIELDS)
    for name, value in fields.items():
        setattr(organization, name, value)
    parent = Organization.objects.get_parent(organization)
    _validate(organization, parent)
    after = snapshot(organization, AUDITED_FIELDS)
    old, new = changed(before, after)
    if not new:
        return organization
    organization.save()
    action = "organization.rename" if set(new) <= {"name", "short_name"} else "organization.update"
    audit_record(
        actor=actor, action=action, obj=organization, organization=organization, before=old, after=new
    )
    return organization


def organization_rename(
    *, actor: Any, organization: Organization, name: str, short_name: str | None = None
) -> Organization:
    fields: dict[str, Any] = {"name": name}
    if short_name is not None:
        fields["short_name"] = short_name
    return organization_update(actor=actor, organization=organization, **fields)


def _check_kind_change(organization: Organization, kind: str) -> None:
    if kind == OrgKind.GROUP and organization.numchild:
        raise ValidationError({"kind": "该组织有下级组织，不能改为党小组"})
    if kind not in BRANCH_KINDS and organization.members.exists():
        raise ValidationError({"kind": "该组织有党员，只能是党支部、联合党支部或临时党支部"})
    if (
        organization.kind in BRANCH_KINDS
        and kind not in BRANCH_KINDS
        and Organization.objects.get_children(organization).filter(kind=OrgKind.GROUP).exists()
    ):
        raise ValidationError({"kind": "该组织下设党小组，只能是党支部、联合党支部或临时党支部"})


@transaction.atomic
def organization_move(*, actor: Any, organization: Organization, new_parent: Organization) -> Organization:
    """Move an organization with its whole subtree under another parent."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    new_parent = Organization.objects.select_for_update().get(pk=new_parent.pk)
    require(actor, "manage_orgs", organization)
    require(actor, "manage_orgs", new_parent)
    if organization.pk == new_parent.pk or new_parent.path.startswith(organization.path):
        raise ValidationError({"parent": "不能移到自身或自己的下级组织之下"})
    if organization.is_root():
        raise ValidationError({"parent": "顶层组织不能移动"})
    old_parent = Organization.objects.get_parent(organization)
    if old_parent is not None and old_parent.pk == new_parent.pk:
        return organization
    if problem := placement_error(organization.kind, new_parent.kind):
        raise ValidationError({"parent": problem})
    if not new_parent.is_active:
        raise ValidationError({"parent": f"上级组织“{new_parent.name}”已撤销"})
    if organization.is_group and organization.group_members.exists():
        raise ValidationError({"parent": "党小组内仍有党员，不能移到其他支部；请先调整党员的党小组"})
    Organization.objects.move(organization, new_parent, "last-child")
    organization.refresh_from_db()
    audit_record(
        actor=actor,
        action="organization.move",
        obj=organization,
        organization=organization,
        before={"parent": old_parent.code if old_parent else None},
        after={"parent": new_parent.code},
    )
    return organization


@transaction.atomic
def organization_dissolve(
    *, actor: Any, organization: Organization, dissolved_on: dt.date, reason: str = ""
) -> Organization:
    """Mark an organization dissolved; its record and history stay."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    require(actor, "manage_orgs", organization)
    if not organization.is_active:
        raise ValidationError({"status": "该组织已撤销"})
    if Organization.objects.get_children(organization).filter(status=OrgStatus.ACTIVE).exists():
        raise ValidationError({"status": "仍有未撤销的下级组织，请先撤销或移走下级组织"})
    if organization.members.filter(status="active").exists():
        raise ValidationError({"status": "仍有党员，请先转接党员组织关系"})
    if organization.is_group and organization.group_members.filter(status="active").exists():
        raise ValidationError({"status": "党小组内仍有党员，请先调整党员的党小组"})
    if dissolved_on > timezone.localdate():
        raise ValidationError({"dissolved_on": "撤销日期不能晚于今天"})
    organization.status = OrgStatus.DISSOLVED
    organization.dissolved_on = dissolved_on
    organization.save(update_fields=["status", "dissolved_on", "updated_at"])
    audit_record(
        actor=actor,
        action="organization.dissolve",
        obj=organization,
        organization=organization,
        before={"status": OrgStatus.ACTIVE},
        after={"status": OrgStatus.DISSOLVED, "dissolved_on": dissolved_on.isoformat(), "reason": reason},
    )
    return organization
