"""/api/dues/: the month ledger entries, the arrears and the exemptions, scoped by
`restrict(user, "view")`; a payment goes through `dues.services.dues_payment_record`, which
checks the branch again, an exemption through `dues_exemption_grant` (the superior's)."""

from __future__ import annotations

from typing import Any

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
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

from . import selectors, services
from .models import DuesMonth
from .serializers import (
    ArrearsSerializer,
    DuesMonthSerializer,
    ExemptionSerializer,
    ExemptionWriteSerializer,
    PaymentSerializer,
)


@extend_schema_view(
    list=extend_schema(
        summary="党费月账",
        parameters=[
            OpenApiParameter("org", OpenApiTypes.STR, description="党组织代码（含下级）"),
            OpenApiParameter("year", OpenApiTypes.INT, description="年度"),
            OpenApiParameter("month", OpenApiTypes.INT, description="月份 1-12"),
        ],
    ),
)
class DuesMonthViewSet(viewsets.GenericViewSet):
    serializer_class = DuesMonthSerializer
    pagination_class = Pagination
    permission_classes = [IsAuthenticated, ScopedWritePermission]
    write_scopes = {"pay": "change"}

    def get_queryset(self) -> Any:
        return (
            DuesMonth.objects.restrict(self.request.user, "view")
            .select_related("organization", "member")
            .order_by("-month", "organization__path", "member__name_pinyin", "id")
        )

    def list(self, request: Request) -> Response:
        queryset = self.get_queryset()
        queryset = in_org_param(request, queryset)
        year = int_param(request, "year", label="年度", low=YEAR_RANGE[0], high=YEAR_RANGE[1])
        month = int_param(request, "month", label="月份", low=1, high=12)
        if year is not None:
            queryset = queryset.filter(month__year=year)
        if month is not None:
            queryset = queryset.filter(month__month=month)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(DuesMonthSerializer(page, many=True).data)

    @extend_schema(summary="记录交纳", request=PaymentSerializer, responses=DuesMonthSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request: Request, pk: str) -> Response:
        entry_id = ascii_int(str(pk))
        entry = self.get_queryset().filter(pk=entry_id).first() if entry_id is not None else None
        if entry is None:
            raise NotFound("未找到该党费月账，或不在您的授权范围内")
        serializer = PaymentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors({}):
            entry = services.dues_payment_record(
                actor=request.user, entry=entry, today=timezone.localdate(), **serializer.validated_data
            )
        return Response(DuesMonthSerializer(entry).data)


class ArrearsViewSet(viewsets.GenericViewSet):
    serializer_class = ArrearsSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = None
    # Arrears are computed from the restricted ledger, not read from a model of their own.
    queryset = DuesMonth.objects.none()

    @extend_schema(
        summary="党费欠交名单（连续3个月未交预警）",
        parameters=[OpenApiParameter("org", OpenApiTypes.STR, description="党组织代码（含下级）")],
    )
    def list(self, request: Request) -> Response:
        organization = None
        code = request.query_params.get("org")
        if code:
            organization = Organization.objects.restrict(request.user, "view").filter(code=code).first()
            if organization is None:
                raise NotFound("未找到该党组织，或不在您的授权范围内")
        found = selectors.dues_arrears(
            user=request.user, today=timezone.localdate(), organization=organization
        )
        return Response(ArrearsSerializer(found, many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary="少交或免交党费记录",
        parameters=[
            OpenApiParameter("org", OpenApiTypes.STR, description="党组织代码（含下级）"),
            OpenApiParameter("year", OpenApiTypes.INT, description="年度"),
        ],
    ),
)
class ExemptionViewSet(viewsets.GenericViewSet):
    serializer_class = ExemptionSerializer
    pagination_class = Pagination
    permission_classes = [IsAuthenticated, ScopedWritePermission]
    write_scopes = {"create": "change"}

    def get_queryset(self) -> Any:
        return selectors.exemption_list(user=self.request.user)

    def list(self, request: Request) -> Response:
        queryset = self.get_queryset()
        queryset = in_org_param(request, queryset, "member__organization__path")
        year = int_param(request, "year", label="年度", low=YEAR_RANGE[0], high=YEAR_RANGE[1])
        if year is not None:
            queryset = queryset.filter(year=year)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ExemptionSerializer(page, many=True).data)

    @extend_schema(
        summary="办理少交或免交党费（上级党委批准后记录）",
        request=ExemptionWriteSerializer,
        responses=ExemptionSerializer,
    )
    def create(self, request: Request) -> Response:
        serializer = ExemptionWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        member_id = data.pop("member")
        member = Member.objects.restrict(request.user, "view").filter(pk=member_id).first()
        if member is None:
            raise ValidationError({"member": [f"党员 id {member_id} 不存在或不在您的授权范围内"]})
        with service_errors({}):
            exemption = services.dues_exemption_grant(
                actor=request.user, member=member, today=timezone.localdate(), **data
            )
        return Response(ExemptionSerializer(exemption).data, status=status.HTTP_201_CREATED)
