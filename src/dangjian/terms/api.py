"""/api/terms/: the election calendar of a subtree and the elections on file, scoped by
`restrict(user, "view")`; recording an election goes through `terms.services`, which checks
the organization again (`change`) and judges every rule. Out of reach is a 404."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from dangjian.core.api import Pagination, ScopedWritePermission, service_errors
from dangjian.orgs.models import Organization
from dangjian.orgs.selectors import scope_roots

from . import selectors, services
from .models import Election
from .serializers import ElectionSerializer, ElectionWriteSerializer, TermRowSerializer

ORG_PARAMETER = OpenApiParameter("org", OpenApiTypes.STR, description="党组织代码（含下级）")


def _organization(request: Request) -> Organization | None:
    code = request.query_params.get("org")
    if not code:
        return None
    organization = Organization.objects.restrict(request.user, "view").filter(code=code).first()
    if organization is None:
        raise NotFound("未找到该党组织，或不在您的授权范围内")
    return organization


@extend_schema_view(list=extend_schema(summary="换届选举记录", parameters=[ORG_PARAMETER]))
class ElectionViewSet(viewsets.GenericViewSet):
    serializer_class = ElectionSerializer
    pagination_class = Pagination
    permission_classes = [IsAuthenticated, ScopedWritePermission]
    write_scopes = {"create": "change"}

    def get_queryset(self) -> Any:
        return selectors.election_list(user=self.request.user)

    def list(self, request: Request) -> Response:
        queryset = selectors.election_list(user=request.user, organization=_organization(request))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ElectionSerializer(page, many=True).data)

    @extend_schema(summary="记录换届选举（新一届任期由选举日期开始）", request=ElectionWriteSerializer)
    def create(self, request: Request) -> Response:
        serializer = ElectionWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        code = data.pop("org")
        organization = Organization.objects.restrict(request.user, "view").filter(code=code).first()
        if organization is None:
            raise ValidationError({"org": [f"党组织代码“{code}”不存在或不在您的授权范围内"]})
        data["elected"] = [(row["name"], row["votes"]) for row in data["elected"]]
        with service_errors({"organization": "org"}):
            election = services.election_record(
                actor=request.user, organization=organization, today=timezone.localdate(), **data
            )
        return Response(ElectionSerializer(election).data, status=status.HTTP_201_CREATED)


class TermCalendarViewSet(viewsets.GenericViewSet):
    serializer_class = TermRowSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = None
    # The calendar is computed from the restricted organizations, not a model of its own.
    queryset = Election.objects.none()

    @extend_schema(summary="换届提醒：逾期未换届和6个月内到期的党组织", parameters=[ORG_PARAMETER])
    def list(self, request: Request) -> Response:
        organization = _organization(request)
        roots = [organization] if organization is not None else scope_roots(request.user, "view")
        today = timezone.localdate()
        overdue, due_soon = [], []
        for root in roots:
            calendar = selectors.term_calendar(user=request.user, organization=root, today=today)
            overdue.extend(calendar.overdue)
            due_soon.extend(calendar.due_soon)
        return Response(
            {
                "overdue": TermRowSerializer(overdue, many=True).data,
                "due_soon": TermRowSerializer(due_soon, many=True).data,
            }
        )
