"""/api/orglife/: records of organizational life and compliance reports, scoped by
`restrict(user, "view")`; writes go through `orglife.services`, which check the branch again
(`change`). A record out of reach is a 404, like one that does not exist."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from dangjian.core.api import (
    YEAR_RANGE,
    Pagination,
    ScopedWritePermission,
    ascii_int,
    in_org_param,
    int_param,
    service_errors,
)
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import Organization

from . import services
from .compliance import compliance_report
from .models import Activity, Attendance
from .periods import window_for
from .serializers import CorrectionSerializer, RecordSerializer, RecordWriteSerializer, members_by_id
from .services import AttendanceEntry

RENAME = {"organization": "org", "correction_reason": "reason"}


@extend_schema_view(
    list=extend_schema(
        summary="组织生活记录列表",
        description="授权范围内的记录（含草稿，不含已被更正的旧版本）；可按 org（党支部代码，含下级）、year 筛选。",
        parameters=[
            OpenApiParameter("org", OpenApiTypes.STR, description="党组织代码（含下级）"),
            OpenApiParameter("year", OpenApiTypes.INT, description="年度"),
        ],
    ),
    retrieve=extend_schema(summary="组织生活记录详情", description="含出勤、附件和版本信息。"),
)
class RecordViewSet(viewsets.GenericViewSet):
    serializer_class = RecordSerializer
    pagination_class = Pagination
    permission_classes = [IsAuthenticated, ScopedWritePermission]
    write_scopes = {
        "create": "change",
        "update": "change",
        "partial_update": "change",
        "submit": "change",
        "correct": "change",
    }

    def get_queryset(self) -> Any:
        return (
            Activity.objects.restrict(self.request.user, "view")
            .select_related("organization", "group")
            .prefetch_related(
                "kind_entries",
                "attachments",
                Prefetch(
                    "attendance", queryset=Attendance.objects.select_related("member").order_by("member_id")
                ),
            )
            .order_by("-held_on", "-id")
        )

    def get_object(self) -> Activity:
        activity_id = ascii_int(str(self.kwargs["pk"]))
        activity = self.get_queryset().filter(pk=activity_id).first() if activity_id is not None else None
        if activity is None:
            raise NotFound("未找到该记录，或不在您的授权范围内")
        return activity

    def _detail(self, activity: Activity, code: int = status.HTTP_200_OK) -> Response:
        return Response(RecordSerializer(self.get_queryset().get(pk=activity.pk)).data, status=code)

    def list(self, request: Request) -> Response:
        queryset = self.get_queryset().filter(is_current=True)
        queryset = in_org_param(request, queryset)
        year = int_param(request, "year", label="年度", low=YEAR_RANGE[0], high=YEAR_RANGE[1])
        if year is not None:
            queryset = queryset.filter(held_on__year=year)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(RecordSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(RecordSerializer(self.get_object()).data)

    def _parse(self, serializer_class: type = RecordWriteSerializer, partial: bool = False) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _fields(
        self, data: dict[str, Any], branch: Organization
    ) -> tuple[dict[str, Any], list[str] | None, list[AttendanceEntry] | None]:
        kinds = data.pop("kinds", None)
        rows = data.pop("attendance", None)
        data.pop("org", None)
        data.pop("reason", None)
        if "group" in data:
            code = data.pop("group")
            group = None
            if code:
                group = Organization.objects.filter(
                    code=code, kind=OrgKind.GROUP, path__startswith=branch.path
                ).first()
                if group is None:
                    raise ValidationError({"group": [f"“{code}”不是“{branch.name}”下设的党小组"]})
            data["group"] = group
        if "speaker_member" in data:
            pk = data.pop("speaker_member")
            member = members_by_id([pk]).get(pk) if pk else None
            if pk and member is None:
                raise ValidationError({"speaker_member": [f"党员 id {pk} 不存在"]})
            data["speaker_member"] = member
        entries = None
        if rows is not None:
            members = members_by_id([row["member"] for row in rows])
            missing = [str(row["member"]) for row in rows if row["member"] not in members]
            if missing:
                raise ValidationError({"attendance": [f"党员 id {'、'.join(missing)} 不存在"]})
            entries = [
                AttendanceEntry(members[row["member"]], row["status"], row.get("leave_reason", ""))
                for row in rows
            ]
        return data, kinds, entries

    @extend_schema(
        summary="新建组织生活记录（草稿）", request=RecordWriteSerializer, responses={201: RecordSerializer}
    )
    def create(self, request: Request) -> Response:
        data = self._parse()
        code = data.get("org")
        if not code:
            raise ValidationError({"org": ["请填写党支部代码"]})
        branch = Organization.objects.restrict(request.user, "view").filter(code=code).first()
        if branch is None:
            raise ValidationError({"org": [f"党组织代码“{code}”不存在或不在您的授权范围内"]})
        if "held_on" not in data:
            raise ValidationError({"held_on": ["请填写日期"]})
        fields, kinds, entries = self._fields(data, branch)
        held_on = fields.pop("held_on")
        with service_errors(RENAME), transaction.atomic():
            activity = services.record_create(
                actor=request.user, organization=branch, kinds=kinds or [], held_on=held_on, **fields
            )
            if entries is not None:
                services.attendance_set(actor=request.user, activity=activity, entries=entries)
        return self._detail(activity, status.HTTP_201_CREATED)

    @extend_schema(summary="修改草稿", request=RecordWriteSerializer)
    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        activity = self.get_object()
        data = self._parse(partial=partial)
        fields, kinds, entries = self._fields(data, activity.organization)
        with service_errors(RENAME), transaction.atomic():
            activity = services.record_update(actor=request.user, activity=activity, kinds=kinds, **fields)
            if entries is not None:
                services.attendance_set(actor=request.user, activity=activity, entries=entries)
        return self._detail(activity)

    @extend_schema(summary="修改草稿的部分内容", request=RecordWriteSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(summary="提交记录（提交后锁定）", request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        activity = self.get_object()
        with service_errors(RENAME):
            activity = services.record_submit(actor=request.user, activity=activity)
        return self._detail(activity)

    @extend_schema(
        summary="更正已提交的记录（生成新版本）",
        request=CorrectionSerializer,
        responses={201: RecordSerializer},
    )
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, pk: str) -> Response:
        activity = self.get_object()
        data = self._parse(CorrectionSerializer, partial=False)
        reason = data["reason"]
        fields, kinds, entries = self._fields(data, activity.organization)
        with service_errors(RENAME):
            new = services.record_correct(
                actor=request.user,
                activity=activity,
                reason=reason,
                kinds=kinds,
                attendance=entries,
                **fields,
            )
        return self._detail(new, status.HTTP_201_CREATED)


class ComplianceViewSet(viewsets.GenericViewSet):
    lookup_field = "code"
    permission_classes = [IsAuthenticated]
    pagination_class = None

    @extend_schema(
        summary="组织生活落实情况",
        description="党支部：各规则应开、已开、状态和缺项；党委：下辖党支部全部达标的比例（按规则、按领域）、下级组织和未完成的党支部。",
        parameters=[
            OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description="党组织代码"),
            OpenApiParameter("year", OpenApiTypes.INT, description="年度，默认今年"),
            OpenApiParameter("quarter", OpenApiTypes.INT, description="季度 1-4，不填为全年"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def retrieve(self, request: Request, code: str) -> Response:
        organization = Organization.objects.restrict(request.user, "view").filter(code=code).first()
        if organization is None:
            raise NotFound("未找到该党组织，或不在您的授权范围内")
        today = timezone.localdate()
        try:
            year = int(request.query_params.get("year") or today.year)
            quarter_text = request.query_params.get("quarter")
            quarter = int(quarter_text) if quarter_text else None
            window = window_for(year, quarter)
        except ValueError as error:
            message = str(error) if "：" in str(error) else "年度或季度应为数字"
            raise ValidationError({"detail": [message]}) from error
        return Response(compliance_report(organization=organization, window=window, today=today))
