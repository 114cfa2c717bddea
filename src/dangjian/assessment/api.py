"""/api/assessment/: the checklist templates that concern the user, and each branch's year:
its self-check (体检) item by item and submission by the branch, the superior's scores and
sign-off. Reads begin from `restrict(user, "view")` (templates from `templates_relevant`);
writes go through `assessment.services`, which check the branch or its superior again."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from dangjian.core.api import Pagination, ScopedWritePermission, ascii_int, service_errors
from dangjian.ledger.api import ORG_PARAM, YEAR_PARAM, visible_code, visible_org, year_param

from . import rules, selectors, services
from .models import Assessment, AssessmentEntry, ChecklistItem, WeakOrganization
from .serializers import (
    AssessmentDetailSerializer,
    AssessmentSerializer,
    ChecklistTemplateInputSerializer,
    ChecklistTemplateSerializer,
    ScoreInputSerializer,
    SelfCheckInputSerializer,
    SignOffInputSerializer,
    WeakOrganizationSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="规范化建设清单（本级及上级制定的）", parameters=[YEAR_PARAM]),
    retrieve=extend_schema(summary="清单及其事项"),
)
class ChecklistTemplateViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ChecklistTemplateSerializer
    pagination_class = Pagination
    permission_classes = [IsAuthenticated, ScopedWritePermission]
    write_scopes = {"create": "manage_orgs"}

    @extend_schema(
        summary="制定规范化建设清单（含事项和定级办法）",
        request=ChecklistTemplateInputSerializer,
        responses={201: ChecklistTemplateSerializer},
    )
    def create(self, request: Request) -> Response:
        data = ChecklistTemplateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        owner = visible_code(request.user, values["owner"])
        with service_errors({"bands": "grade_one_min", "five_goods": "goods_for"}):
            template = services.checklist_template_create(
                actor=request.user,
                owner=owner,
                sector=values["sector"],
                year=values["year"],
                name=values["name"],
                items=[services.ItemSpec(**item) for item in values["items"]],
                bands=(values["grade_one_min"], values["grade_two_min"], values["grade_three_min"]),
                grade_basis=values["grade_basis"],
                five_goods=rules.FiveGoods(values["good_share_min"], tuple(values["goods_for"])),
                star_lines=values["star_lines"],
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=template.pk)).data, status=201)

    def get_queryset(self) -> Any:
        return (
            selectors.templates_relevant(user=self.request.user)
            .select_related("owner")
            .prefetch_related(Prefetch("items", queryset=ChecklistItem.objects.order_by("number")))
            .order_by("-year", "owner__path", "sector", "id")
        )

    def get_object(self) -> Any:
        pk = self.kwargs.get("pk", "")
        found = (
            self.get_queryset().filter(pk=ascii_int(str(pk))).first()
            if ascii_int(str(pk)) is not None
            else None
        )
        if found is None:
            raise NotFound("未找到该清单，或不在您的授权范围内")
        return found

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.get_queryset()
        year = year_param(request)
        if year is not None:
            queryset = queryset.filter(year=year)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="规范化考评（各党支部年度）", parameters=[ORG_PARAM, YEAR_PARAM]),
    retrieve=extend_schema(summary="考评详情（逐项自查与评分）", responses=AssessmentDetailSerializer),
)
class AssessmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AssessmentSerializer
    pagination_class = Pagination
    permission_classes = [IsAuthenticated, ScopedWritePermission]
    write_scopes = {"self_check": "change", "submit": "change", "score": "change", "sign_off": "change"}

    def get_queryset(self) -> Any:
        return (
            Assessment.objects.restrict(self.request.user, "view")
            .select_related("organization")
            .order_by("-year", "organization__path", "id")
        )

    def get_object(self) -> Assessment:
        pk = self.kwargs.get("pk", "")
        found = (
            self.get_queryset()
            .prefetch_related(
                Prefetch(
                    "entries",
                    queryset=AssessmentEntry.objects.select_related("item").order_by("item__number"),
                )
            )
            .filter(pk=ascii_int(str(pk)))
            .first()
            if ascii_int(str(pk)) is not None
            else None
        )
        if found is None:
            raise NotFound("未找到该考评，或不在您的授权范围内")
        return found

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.get_queryset()
        organization = visible_org(request)
        if organization is not None:
            queryset = queryset.filter(organization__path__startswith=organization.path)
        year = year_param(request)
        if year is not None:
            queryset = queryset.filter(year=year)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(AssessmentSerializer(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(AssessmentDetailSerializer(self.get_object()).data)

    def _detail(self, pk: str) -> Response:
        return Response(AssessmentDetailSerializer(self.get_object()).data)

    @extend_schema(
        summary="自查（体检）填写一项", request=SelfCheckInputSerializer, responses=AssessmentDetailSerializer
    )
    @action(detail=True, methods=["post"], url_path="self-check")
    def self_check(self, request: Request, pk: str) -> Response:
        assessment = self.get_object()
        data = SelfCheckInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors({}):
            services.self_check_record(actor=request.user, assessment=assessment, **data.validated_data)
        return self._detail(pk)

    @extend_schema(
        summary="提交自查（薄弱、缺失事项列入整改台账）", request=None, responses=AssessmentDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        assessment = self.get_object()
        with service_errors({}):
            services.self_check_submit(actor=request.user, assessment=assessment)
        return self._detail(pk)

    @extend_schema(summary="上级逐项评分", request=ScoreInputSerializer, responses=AssessmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def score(self, request: Request, pk: str) -> Response:
        assessment = self.get_object()
        data = ScoreInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors({}):
            services.assessment_score(actor=request.user, assessment=assessment, **data.validated_data)
        return self._detail(pk)

    @extend_schema(
        summary="上级确认考评结果并定级", request=SignOffInputSerializer, responses=AssessmentDetailSerializer
    )
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request: Request, pk: str) -> Response:
        assessment = self.get_object()
        data = SignOffInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors({}):
            services.assessment_sign_off(actor=request.user, assessment=assessment, **data.validated_data)
        return self._detail(pk)


@extend_schema_view(
    list=extend_schema(summary="软弱涣散党组织", parameters=[ORG_PARAM, YEAR_PARAM]),
    retrieve=extend_schema(summary="软弱涣散党组织详情"),
)
class WeakOrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = WeakOrganizationSerializer
    pagination_class = Pagination
    permission_classes = [IsAuthenticated, ScopedWritePermission]
    write_scopes = {"recheck": "change", "close": "change"}

    def get_queryset(self) -> Any:
        return (
            WeakOrganization.objects.restrict(self.request.user, "view")
            .select_related("organization")
            .order_by("-year", "organization__path", "id")
        )

    def get_object(self) -> WeakOrganization:
        pk = self.kwargs.get("pk", "")
        found = (
            self.get_queryset().filter(pk=ascii_int(str(pk))).first()
            if ascii_int(str(pk)) is not None
            else None
        )
        if found is None:
            raise NotFound("未找到该记录，或不在您的授权范围内")
        return found

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.get_queryset()
        organization = visible_org(request)
        if organization is not None:
            queryset = queryset.filter(organization__path__startswith=organization.path)
        year = year_param(request)
        if year is not None:
            queryset = queryset.filter(year=year)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(summary="整改完成，申请复查", request=None, responses=WeakOrganizationSerializer)
    @action(detail=True, methods=["post"])
    def recheck(self, request: Request, pk: str) -> Response:
        record = self.get_object()
        with service_errors({}):
            services.weak_org_recheck_request(actor=request.user, record=record)
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(summary="上级复查合格，销号", request=None, responses=WeakOrganizationSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        record = self.get_object()
        with service_errors({}):
            services.weak_org_close(actor=request.user, record=record)
        return Response(self.get_serializer(self.get_object()).data)
