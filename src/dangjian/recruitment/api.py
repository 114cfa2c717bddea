"""/api/recruitment/candidates/ and /plans/: the pipeline and the yearly plans scoped by `restrict(user, "view")`; adding an
applicant and recording a step go through `recruitment.services`, which check the branch
again (`change`) and judge every rule. Out of reach is a 404, like not existing."""

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
from .models import Candidate
from .serializers import (
    CandidateCreateSerializer,
    CandidateSerializer,
    PlanProgressSerializer,
    PlanSerializer,
    PlanWriteSerializer,
    StepWriteSerializer,
    step_data,
)


@extend_schema_view(
    list=extend_schema(
        summary="发展党员名单",
        parameters=[
            OpenApiParameter("org", OpenApiTypes.STR, description="党组织代码（含下级）"),
            OpenApiParameter("stage", OpenApiTypes.STR, description="阶段"),
        ],
    ),
)
class CandidateViewSet(viewsets.GenericViewSet):
    serializer_class = CandidateSerializer
    pagination_class = Pagination
    permission_classes = [IsAuthenticated, ScopedWritePermission]
    write_scopes = {"create": "change", "steps": "change"}

    def get_queryset(self) -> Any:
        return selectors.candidate_list(user=self.request.user)

    def list(self, request: Request) -> Response:
        queryset = selectors.candidate_list(
            user=request.user, stage=request.query_params.get("stage") or None
        )
        queryset = in_org_param(request, queryset)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(CandidateSerializer(page, many=True).data)

    def _detail(self, pk: int) -> dict[str, Any]:
        timeline = selectors.candidate_timeline(user=self.request.user, candidate_id=pk)
        return {
            **CandidateSerializer(timeline.candidate).data,
            "probation_ends": timeline.probation_ends,
            "steps": [step_data(record) for record in timeline.done],
            "next": [
                {
                    "step": item.step.value,
                    "label": item.step.label,
                    "earliest": item.earliest,
                    "deadline": item.deadline,
                    "overdue": item.deadline is not None and item.deadline < timezone.localdate(),
                    "source": item.source,
                }
                for item in timeline.next
            ],
        }

    def _candidate(self, pk: str) -> Candidate:
        candidate_id = ascii_int(str(pk))
        candidate = (
            Candidate.objects.restrict(self.request.user, "view").filter(pk=candidate_id).first()
            if candidate_id is not None
            else None
        )
        if candidate is None:
            raise NotFound("未找到该发展对象，或不在您的授权范围内")
        return candidate

    @extend_schema(summary="发展对象详情（含已完成步骤和下一步期限）", responses=OpenApiTypes.OBJECT)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self._detail(self._candidate(pk).pk))

    @extend_schema(summary="登记入党申请人", request=CandidateCreateSerializer, responses=OpenApiTypes.OBJECT)
    def create(self, request: Request) -> Response:
        serializer = CandidateCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        code = data.pop("org")
        branch = Organization.objects.restrict(request.user, "view").filter(code=code).first()
        if branch is None:
            raise ValidationError({"org": [f"党组织代码“{code}”不存在或不在您的授权范围内"]})
        with service_errors({"organization": "org"}):
            candidate = services.candidate_create(
                actor=request.user, organization=branch, today=timezone.localdate(), **data
            )
        return Response(self._detail(candidate.pk), status=status.HTTP_201_CREATED)

    @extend_schema(summary="记录一个步骤", request=StepWriteSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"])
    def steps(self, request: Request, pk: str) -> Response:
        candidate = self._candidate(pk)
        serializer = StepWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        people = {}
        for role in ("contacts", "sponsors"):
            ids = data.pop(role)
            found = Member.objects.in_bulk(ids) if ids else {}
            missing = [str(pk) for pk in ids if pk not in found]
            if missing:
                raise ValidationError({role: [f"党员 id {'、'.join(missing)} 不存在"]})
            people[role] = [found[pk] for pk in ids]
        with service_errors({}):
            services.recruitment_step_record(
                actor=request.user, candidate=candidate, today=timezone.localdate(), **data, **people
            )
        return Response(self._detail(candidate.pk), status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="发展党员指导性计划",
        parameters=[
            OpenApiParameter("org", OpenApiTypes.STR, description="党组织代码（含下级）"),
            OpenApiParameter("year", OpenApiTypes.INT, description="年度"),
        ],
    ),
)
class PlanViewSet(viewsets.GenericViewSet):
    serializer_class = PlanSerializer
    pagination_class = Pagination
    permission_classes = [IsAuthenticated, ScopedWritePermission]
    write_scopes = {"create": "change"}

    def get_queryset(self) -> Any:
        return selectors.plan_list(user=self.request.user)

    def list(self, request: Request) -> Response:
        queryset = self.get_queryset()
        queryset = in_org_param(request, queryset)
        year = int_param(request, "year", label="年度", low=YEAR_RANGE[0], high=YEAR_RANGE[1])
        if year is not None:
            queryset = queryset.filter(year=year)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(PlanSerializer(page, many=True).data)

    @extend_schema(
        summary="下达（或修改）发展党员计划（由上级党组织下达）",
        request=PlanWriteSerializer,
        responses=PlanProgressSerializer,
    )
    def create(self, request: Request) -> Response:
        serializer = PlanWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        code = data.pop("org")
        organization = Organization.objects.restrict(request.user, "view").filter(code=code).first()
        if organization is None:
            raise ValidationError({"org": [f"党组织代码“{code}”不存在或不在您的授权范围内"]})
        with service_errors({"organization": "org"}):
            plan = services.recruitment_plan_set(actor=request.user, organization=organization, **data)
        row = selectors.plan_progress(user=request.user, organization=organization, year=plan.year)[0]
        body = {
            **PlanSerializer(plan).data,
            "admitted": row.admitted,
            "admitted_under_35": row.admitted_under_35,
            "admitted_women": row.admitted_women,
            "percent": row.percent,
        }
        return Response(body, status=status.HTTP_201_CREATED)
