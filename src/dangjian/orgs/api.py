"""/api/orgs/: the organization tree, scoped by `restrict(user, "view")`; writes through
`orgs.services`, which check the particular organization again."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Count
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from dangjian.core.api import Pagination, ScopedWritePermission, service_errors
from dangjian.core.restrict import Everything, scope_prefixes
from dangjian.members.choices import Category, MemberStatus
from dangjian.members.models import Member

from . import services
from .filters import OrganizationFilter
from .models import Organization
from .serializers import (
    OrganizationCreateSerializer,
    OrganizationDissolveSerializer,
    OrganizationMoveSerializer,
    OrganizationSerializer,
    OrganizationTreeNodeSerializer,
    OrganizationUpdateSerializer,
)


def parent_codes(organizations: Iterable[Organization]) -> dict[str, str]:
    """{parent path: parent code} for a page of organizations, in one query."""
    paths = {org.parent_path for org in organizations if org.depth > 1}
    if not paths:
        return {}
    return dict(Organization.objects.filter(path__in=paths).values_list("path", "code"))


def roster_figures(organizations: Iterable[Organization]) -> dict[int, tuple[int, int]]:
    """{pk: (full, probationary)} members on the roll of each organization, in one query."""
    pks = [org.pk for org in organizations]
    if not pks:
        return {}
    figures: dict[int, list[int]] = {}
    rows = (
        Member.objects.filter(organization_id__in=pks, status=MemberStatus.ACTIVE)
        .values("organization_id", "category")
        .annotate(count=Count("id"))
        .order_by()
    )
    for row in rows:
        pair = figures.setdefault(row["organization_id"], [0, 0])
        pair[0 if row["category"] == Category.FULL else 1] += row["count"]
    return {pk: (full, probationary) for pk, (full, probationary) in figures.items()}


@extend_schema_view(
    list=extend_schema(
        summary="党组织列表", description="授权范围内的党组织，可按名称或代码、上级、类别、领域、状态筛选。"
    ),
    retrieve=extend_schema(summary="党组织详情", description="含在册党员数和组织设置、换届提醒。"),
)
class OrganizationViewSet(viewsets.GenericViewSet):
    lookup_field = "code"
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter
    pagination_class = Pagination
    permission_classes = [IsAuthenticated, ScopedWritePermission]
    write_scopes = {
        "create": "manage_orgs",
        "update": "change",
        "partial_update": "change",
        "move": "manage_orgs",
        "dissolve": "manage_orgs",
    }

    def get_queryset(self) -> Any:
        return Organization.objects.restrict(self.request.user, "view").with_term_postponement()

    def get_object(self) -> Organization:
        organization = self.get_queryset().filter(code=self.kwargs[self.lookup_field]).first()
        if organization is None:
            raise NotFound("未找到该党组织，或不在您的授权范围内")
        return organization

    def _output(self, organizations: list[Organization]) -> Any:
        context = {
            "request": self.request,
            "parent_codes": parent_codes(organizations),
            "figures": roster_figures(organizations),
            "today": timezone.localdate(),
        }
        return OrganizationSerializer(organizations, many=True, context=context).data

    def _detail(self, organization: Organization, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(self._output([organization])[0], status=status_code)

    def _validated(self, serializer_class: type, **kwargs: Any) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context={"request": self.request}, **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self._output(list(page or [])))

    def retrieve(self, request: Request, code: str) -> Response:
        return self._detail(self.get_object())

    @extend_schema(
        summary="设立党组织",
        request=OrganizationCreateSerializer,
        responses={201: OrganizationSerializer},
    )
    def create(self, request: Request) -> Response:
        data = self._validated(OrganizationCreateSerializer)
        parent = data.pop("parent")
        with service_errors({}):
            organization = services.organization_create(actor=request.user, parent=parent, **data)
        return self._detail(organization, status.HTTP_201_CREATED)

    @extend_schema(summary="修改党组织信息（含更名）", request=OrganizationUpdateSerializer)
    def update(self, request: Request, code: str, partial: bool = False) -> Response:
        organization = self.get_object()
        data = self._validated(OrganizationUpdateSerializer, instance=organization, partial=partial)
        with service_errors({}):
            organization = services.organization_update(actor=request.user, organization=organization, **data)
        return self._detail(organization)

    @extend_schema(summary="修改党组织的部分信息", request=OrganizationUpdateSerializer)
    def partial_update(self, request: Request, code: str) -> Response:
        return self.update(request, code, partial=True)

    @extend_schema(summary="调整隶属关系（连同全部下级移到新的上级）", request=OrganizationMoveSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, code: str) -> Response:
        organization = self.get_object()
        data = self._validated(OrganizationMoveSerializer)
        with service_errors({}):
            organization = services.organization_move(
                actor=request.user, organization=organization, new_parent=data["parent"]
            )
        return self._detail(organization)

    @extend_schema(summary="撤销党组织（保留记录和历史）", request=OrganizationDissolveSerializer)
    @action(detail=True, methods=["post"])
    def dissolve(self, request: Request, code: str) -> Response:
        organization = self.get_object()
        data = self._validated(OrganizationDissolveSerializer)
        with service_errors({}):
            organization = services.organization_dissolve(
                actor=request.user,
                organization=organization,
                dissolved_on=data.get("dissolved_on") or timezone.localdate(),
                reason=data.get("reason", ""),
            )
        return self._detail(organization)

    @extend_schema(
        summary="直属下级组织（树的按需加载）", responses=OrganizationTreeNodeSerializer(many=True)
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def children(self, request: Request, code: str) -> Response:
        parent = self.get_object()
        children = self.get_queryset().filter(path__startswith=parent.path, depth=parent.depth + 1)
        return Response(OrganizationTreeNodeSerializer(children, many=True).data)

    @extend_schema(
        summary="授权范围的顶层组织（树的起点）", responses=OrganizationTreeNodeSerializer(many=True)
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def roots(self, request: Request) -> Response:
        prefixes = scope_prefixes(request.user, "view")
        if isinstance(prefixes, Everything):
            tops = self.get_queryset().filter(depth=1)
        else:
            tops = self.get_queryset().filter(path__in=prefixes)
        return Response(OrganizationTreeNodeSerializer(tops, many=True).data)
