"""/api/ledger/: ledger items (with the organization's progress notes and close request, and
the superior's approve or return), dispatch items received with their response, and the year's
targets at a level. Reads begin from `restrict(user, "view")`; writes go through
`ledger.services`, which check the organization (or its superior) again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from dangjian.core.api import Pagination, ScopedWritePermission, ascii_int, service_errors
from dangjian.orgs.models import Organization

from . import rules, selectors, services
from .choices import ItemStatus
from .models import DispatchRecipient, DispatchSheet, LedgerItem, ProgressNote
from .serializers import (
    CloseRequestInputSerializer,
    DispatchRecipientSerializer,
    DispatchSheetInputSerializer,
    DispatchSheetSerializer,
    LedgerItemSerializer,
    NoteInputSerializer,
    RespondInputSerializer,
    ReturnInputSerializer,
    TargetInputSerializer,
    TargetProgressSerializer,
    TargetSerializer,
)

ORG_PARAM = OpenApiParameter("org", OpenApiTypes.STR, description="党组织代码（含下级）")
YEAR_PARAM = OpenApiParameter("year", OpenApiTypes.INT, description="年度")


def visible_org(request: Request, required: bool = False) -> Organization | None:
    code = request.query_params.get("org", "")
    if not code:
        if required:
            raise ValidationError({"org": ["请指定党组织代码"]})
        return None
    found = Organization.objects.restrict(request.user, "view").filter(code=code).first()
    if found is None:
        raise NotFound("未找到该党组织，或不在您的授权范围内")
    return found


def visible_code(user: Any, code: str) -> Organization:
    """An organization named in a request body, within the user's reach (else 404)."""
    found = Organization.objects.restrict(user, "view").filter(code=code).first()
    if found is None:
        raise NotFound("未找到该党组织，或不在您的授权范围内")
    return found


def year_param(request: Request, default: int | None = None) -> int | None:
    value = request.query_params.get("year", "")
    if not value:
        return default
    year = ascii_int(value)
    if year is None or not 2000 <= year <= 2100:
        raise ValidationError({"year": ["年度应为2000至2100之间的整数"]})
    return year


def _overdue_test(today: dt.date):
    return lambda item: (
        item.status != ItemStatus.CLOSED and rules.is_overdue(deadline=item.deadline, today=today)
    )


@extend_schema_view(
    list=extend_schema(
        summary="整改事项（台账）",
        parameters=[
            ORG_PARAM,
            YEAR_PARAM,
            OpenApiParameter("status", OpenApiTypes.STR, enum=ItemStatus.values, description="状态"),
            OpenApiParameter("overdue", OpenApiTypes.BOOL, description="只看逾期未销号的（通报）"),
        ],
    ),
    retrieve=extend_schema(summary="整改事项详情"),
)
class LedgerItemViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = LedgerItemSerializer
    pagination_class = Pagination
    permission_classes = [IsAuthenticated, ScopedWritePermission]
    write_scopes = {"note": "change", "close_request": "change", "approve": "change", "return_": "change"}

    def get_queryset(self) -> Any:
        return (
            LedgerItem.objects.restrict(self.request.user, "view")
            .select_related("ledger__organization")
            .prefetch_related(Prefetch("notes", queryset=ProgressNote.objects.order_by("noted_on", "id")))
            .order_by("-ledger__year", "ledger__organization__path", "ledger_id", "number")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return super().get_serializer_context() | {"overdue": _overdue_test(timezone.localdate())}

    def get_object(self) -> LedgerItem:
        pk = self.kwargs.get("pk", "")
        found = (
            self.get_queryset().filter(pk=ascii_int(str(pk))).first()
            if ascii_int(str(pk)) is not None
            else None
        )
        if found is None:
            raise NotFound("未找到该整改事项，或不在您的授权范围内")
        return found

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.get_queryset()
        organization = visible_org(request)
        if organization is not None:
            queryset = queryset.filter(ledger__organization__path__startswith=organization.path)
        year = year_param(request)
        if year is not None:
            queryset = queryset.filter(ledger__year=year)
        status = request.query_params.get("status", "")
        if status:
            if status not in ItemStatus.values:
                raise ValidationError({"status": [f"状态应为：{'、'.join(ItemStatus.values)}"]})
            queryset = queryset.filter(status=status)
        if request.query_params.get("overdue", "") in ("1", "true"):
            today = timezone.localdate()
            queryset = queryset.filter(
                status__in=[ItemStatus.OPEN, ItemStatus.CLOSE_REQUESTED],
                deadline__lte=today - dt.timedelta(days=rules.OVERDUE_FROM_DAYS_AFTER),
            )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _written(self, item: LedgerItem) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(summary="登记整改进展", request=NoteInputSerializer, responses=LedgerItemSerializer)
    @action(detail=True, methods=["post"])
    def note(self, request: Request, pk: str) -> Response:
        item = self.get_object()
        data = NoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors({"item": "note"}):
            services.progress_note_add(actor=request.user, item=item, **data.validated_data)
        return self._written(item)

    @extend_schema(summary="申请销号", request=CloseRequestInputSerializer, responses=LedgerItemSerializer)
    @action(detail=True, methods=["post"], url_path="close-request")
    def close_request(self, request: Request, pk: str) -> Response:
        item = self.get_object()
        data = CloseRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors({}):
            services.ledger_item_close_request(actor=request.user, item=item, **data.validated_data)
        return self._written(item)

    @extend_schema(summary="上级确认销号", request=None, responses=LedgerItemSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        item = self.get_object()
        with service_errors({}):
            services.ledger_item_close_approve(actor=request.user, item=item)
        return self._written(item)

    @extend_schema(summary="上级退回销号申请", request=ReturnInputSerializer, responses=LedgerItemSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: str) -> Response:
        item = self.get_object()
        data = ReturnInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors({}):
            services.ledger_item_close_return(actor=request.user, item=item, **data.validated_data)
        return self._written(item)


@extend_schema_view(
    list=extend_schema(
        summary="交办事项（承办单位）",
        parameters=[
            ORG_PARAM,
            OpenApiParameter("sheet", OpenApiTypes.INT, description="交办单编号"),
        ],
    ),
)
class DispatchRecipientViewSet(viewsets.GenericViewSet):
    serializer_class = DispatchRecipientSerializer
    pagination_class = Pagination
    permission_classes = [IsAuthenticated, ScopedWritePermission]
    write_scopes = {"respond": "change"}

    def get_queryset(self) -> Any:
        return (
            DispatchRecipient.objects.restrict(self.request.user, "view")
            .select_related("organization", "sheet__issuer")
            .order_by("deadline", "organization__path", "id")
        )

    def list(self, request: Request) -> Response:
        queryset = self.get_queryset()
        organization = visible_org(request)
        if organization is not None:
            queryset = queryset.filter(organization__path__startswith=organization.path)
        sheet = request.query_params.get("sheet", "")
        if sheet:
            queryset = (
                queryset.filter(sheet_id=ascii_int(sheet))
                if ascii_int(sheet) is not None
                else queryset.none()
            )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(DispatchRecipientSerializer(page, many=True).data)

    @extend_schema(
        summary="报告办理情况或办结", request=RespondInputSerializer, responses=DispatchRecipientSerializer
    )
    @action(detail=True, methods=["post"])
    def respond(self, request: Request, pk: str) -> Response:
        found = (
            self.get_queryset().filter(pk=ascii_int(str(pk))).first()
            if ascii_int(str(pk)) is not None
            else None
        )
        if found is None:
            raise NotFound("未找到该交办事项，或不在您的授权范围内")
        data = RespondInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors({}):
            services.dispatch_response_record(actor=request.user, recipient=found, **data.validated_data)
        return Response(DispatchRecipientSerializer(self.get_queryset().get(pk=found.pk)).data)


class TargetViewSet(viewsets.GenericViewSet):
    serializer_class = TargetProgressSerializer
    permission_classes = [IsAuthenticated, ScopedWritePermission]
    write_scopes = {"create": "manage_orgs"}
    pagination_class = None
    # Targets are read through `selectors.targets_at_level`, figures from restricted rows.
    queryset = LedgerItem.objects.none()

    @extend_schema(
        summary="年度目标在某一级的完成情况（含下级和拖后腿的党支部）",
        parameters=[
            OpenApiParameter("org", OpenApiTypes.STR, description="党组织代码", required=True),
            YEAR_PARAM,
        ],
    )
    def list(self, request: Request) -> Response:
        level = visible_org(request, required=True)
        assert level is not None
        year = year_param(request, timezone.localdate().year)
        assert year is not None
        targets = list(selectors.targets_at_level(user=request.user, level=level, year=year))
        progress = selectors.targets_progress_at_level(
            user=request.user, targets=targets, level=level, year=year
        )
        return Response(TargetProgressSerializer(progress, many=True).data)

    @extend_schema(summary="下达年度目标", request=TargetInputSerializer, responses={201: TargetSerializer})
    def create(self, request: Request) -> Response:
        data = TargetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        organization = visible_code(request.user, values.pop("org"))
        with service_errors({"organization": "org"}):
            target = services.target_set(actor=request.user, organization=organization, **values)
        return Response(TargetSerializer(target).data, status=201)


class DispatchSheetViewSet(viewsets.GenericViewSet):
    """交办单: issued by a level to organizations below it, each with its deadline and
    responsible person; the recipients then answer through /api/ledger/dispatch/."""

    serializer_class = DispatchSheetSerializer
    permission_classes = [IsAuthenticated, ScopedWritePermission]
    write_scopes = {"create": "change"}
    queryset = DispatchSheet.objects.none()

    @extend_schema(
        summary="下发交办单", request=DispatchSheetInputSerializer, responses={201: DispatchSheetSerializer}
    )
    def create(self, request: Request) -> Response:
        data = DispatchSheetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        issuer = visible_code(request.user, values["issuer"])
        codes = [a["org"] for a in values["assignments"]]
        found = {
            org.code: org
            for org in Organization.objects.restrict(request.user, "view").filter(code__in=codes)
        }
        unknown = [
            f"第{n}个承办单位“{code}”不存在或不在授权范围内"
            for n, code in enumerate(codes, 1)
            if code not in found
        ]
        if unknown:
            raise ValidationError({"assignments": unknown})
        assignments = [
            services.Assignment(found[a["org"]], a["deadline"], a["responsible_person"])
            for a in values["assignments"]
        ]
        with service_errors({}):
            sheet = services.dispatch_sheet_issue(
                actor=request.user,
                issuer=issuer,
                title=values["title"],
                content=values["content"],
                assignments=assignments,
            )
        sheet = (
            DispatchSheet.objects.select_related("issuer")
            .prefetch_related(
                Prefetch(
                    "recipients",
                    queryset=DispatchRecipient.objects.select_related(
                        "organization", "sheet__issuer"
                    ).order_by("id"),
                )
            )
            .get(pk=sheet.pk)
        )
        return Response(DispatchSheetSerializer(sheet).data, status=201)
