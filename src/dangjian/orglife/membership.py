"""Who belonged to a branch, and who was its 书记, on a given day: read from the members'
dated history (MemberEvent, MemberRole), because a record may be entered weeks after the
sitting, when the roster has already changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q

from dangjian.members.choices import EventKind, MemberStatus, PartyRole
from dangjian.members.models import Member, MemberEvent, MemberRole
from dangjian.orgs.models import Organization

ENTRY_KINDS = frozenset({EventKind.JOINED, EventKind.TRANSFERRED_IN})
EXIT_KINDS = frozenset({EventKind.TRANSFERRED_OUT, EventKind.DIED, EventKind.LEFT})


def branch_on(members: Iterable[Member], day: dt.date) -> dict[int, int | None]:
    """The branch each member belonged to at the end of `day` (None: not on any roster).

    On the day of a transfer the member belongs to the receiving branch: the transfer-out
    event is written before the transfer-in one, and events replay in that order."""
    members = list(members)
    placed: dict[int, int | None] = {member.pk: None for member in members}
    seen: set[int] = set()
    events = (
        MemberEvent.objects.filter(
            member_id__in=placed, occurred_on__lte=day, kind__in=ENTRY_KINDS | EXIT_KINDS
        )
        .order_by("member_id", "occurred_on", "id")
        .values_list("member_id", "kind", "organization_id")
    )
    for member_id, kind, organization_id in events:
        seen.add(member_id)
        if kind in ENTRY_KINDS:
            placed[member_id] = organization_id
        elif placed[member_id] == organization_id:
            placed[member_id] = None
    for member in members:
        # A member without any history (entered before histories were kept) is placed by the
        # roster as it stands, if the day is not before the joining date.
        if member.pk not in seen and member.status == MemberStatus.ACTIVE and member.joined_on <= day:
            placed[member.pk] = member.organization_id
    return placed


def secretary_on(branch: Organization, day: dt.date) -> int | None:
    """The member id of the branch's 书记 in office on `day`. A successor takes office on the
    day the predecessor's post ends, so a post ending on `day` no longer counts."""
    return (
        MemberRole.objects.filter(organization=branch, role=PartyRole.SECRETARY, started_on__lte=day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
        .order_by("-started_on", "-id")
        .values_list("member_id", flat=True)
        .first()
    )
