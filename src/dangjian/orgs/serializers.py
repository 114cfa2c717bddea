"""API shapes of organizations: output serializers read only what the view prepared in bulk
(no query per row), input serializers only validate; the views write through `orgs.services`."""

import datetime as dt
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Organization
from .rules import OrgFigures, org_warnings
from .services import DETAIL_FIELDS


@extend_schema_field(OpenApiTypes.STR)
class OrgCodeField(serializers.SlugRelatedField):
    """An organization named by its code, looked up only inside what the requesting user may see:
    a code out of reach gets the same answer as a code that does not exist."""

    default_error_messages = {
        "does_not_exist": "党组织代码“{value}”不存在或不在您的授权范围内",
        "invalid": "党组织代码格式不正确",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self) -> Any:
        return Organization.objects.restrict(self.context["request"].user, "view")

    def to_internal_value(self, data: Any) -> Any:
        # PostgreSQL cannot compare text holding NUL: the look-up would fail in the database.
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class OrgWarningSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="提醒类别")
    message = serializers.CharField(help_text="提醒内容")
    source = serializers.CharField(help_text="依据")
    severity = serializers.CharField(help_text="warning 或 danger")


class OrganizationTreeNodeSerializer(serializers.ModelSerializer):
    """One node of the lazily loaded tree."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    has_children = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = [
            "code",
            "name",
            "short_name",
            "kind",
            "kind_display",
            "status",
            "status_display",
            "depth",
            "numchild",
            "has_children",
        ]
        read_only_fields = fields

    def get_has_children(self, organization: Organization) -> bool:
        return organization.numchild > 0


class OrganizationSerializer(serializers.ModelSerializer):
    """An organization with its roster figures and warnings.

    The view puts `parent_codes` ({path: code}) and `figures` ({pk: (full, probationary)}) in
    the context, read for the whole page in one query each."""

    parent = serializers.SerializerMethodField(help_text="上级组织代码")
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    sector_display = serializers.CharField(source="get_sector_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    term_ends_on = serializers.DateField(read_only=True, help_text="本届任期届满日期")
    full_members = serializers.SerializerMethodField(help_text="在册正式党员数（本组织）")
    probationary_members = serializers.SerializerMethodField(help_text="在册预备党员数（本组织）")
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = [
            "code",
            "name",
            "short_name",
            "parent",
            "depth",
            "numchild",
            "kind",
            "kind_display",
            "sector",
            "sector_display",
            "status",
            "status_display",
            "established_on",
            "term_started_on",
            "term_years",
            "term_ends_on",
            "has_committee",
            "secretary_name",
            "contact_phone",
            "dissolved_on",
            "full_members",
            "probationary_members",
            "warnings",
            "updated_at",
        ]
        read_only_fields = fields

    def _figures(self, organization: Organization) -> tuple[int, int]:
        return self.context["figures"].get(organization.pk, (0, 0))

    def get_parent(self, organization: Organization) -> str | None:
        return self.context["parent_codes"].get(organization.parent_path)

    def get_full_members(self, organization: Organization) -> int:
        return self._figures(organization)[0]

    def get_probationary_members(self, organization: Organization) -> int:
        return self._figures(organization)[1]

    @extend_schema_field(OrgWarningSerializer(many=True))
    def get_warnings(self, organization: Organization) -> list[dict[str, str]]:
        full, probationary = self._figures(organization)
        figures = OrgFigures(
            kind=organization.kind,
            full_members=full,
            probationary_members=probationary,
            has_committee=organization.has_committee,
            term_ends_on=organization.term_ends_on,
            is_active=organization.is_active,
            # Annotated by the view's queryset (OrganizationQuerySet.with_term_postponement).
            term_postponed_to=getattr(organization, "term_postponed_to", None),
        )
        today: dt.date = self.context.get("today") or timezone.localdate()
        return [
            {"code": w.code, "message": w.message, "source": w.source, "severity": w.severity}
            for w in org_warnings(figures, today)
        ]


class OrganizationUpdateSerializer(serializers.ModelSerializer):
    """The details an organization's own keepers may edit; renaming is changing `name`.
    The parent changes through /move/, the status through /dissolve/."""

    class Meta:
        model = Organization
        fields = list(DETAIL_FIELDS)


class OrganizationCreateSerializer(serializers.ModelSerializer):
    parent = OrgCodeField(help_text="上级组织代码")

    class Meta:
        model = Organization
        fields = ["parent", "code", *DETAIL_FIELDS]
        # Uniqueness of the code is checked once, by the service, inside its transaction.
        extra_kwargs: dict[str, dict] = {"code": {"validators": []}}


class OrganizationMoveSerializer(serializers.Serializer):
    parent = OrgCodeField(help_text="新的上级组织代码")


class OrganizationDissolveSerializer(serializers.Serializer):
    dissolved_on = serializers.DateField(required=False, help_text="撤销日期，默认今天")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="撤销原因")
