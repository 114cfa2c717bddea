"""/api/members/: the roster, scoped by `restrict(user, "view")`; writes through
`members.services`. ID numbers are masked unless `?reveal_id=1` is asked for by a user holding
`reveal_id` on the member's organization, and each such display is written to the access log."""

from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from dangjian.core.api import Pagination, ScopedWritePermission, ascii_int, service_errors
from dangjian.core.audit import access_log_record
from dangjian.core.models import AccessLog
from dangjian.core.restrict import path_in_scope
from dangjian.orgs.models import Organization

from . import services
from .filters import MemberFilter
from .models import Member, MemberEvent, MemberRole
from .serializers import (
    MemberConvertSerializer,
    MemberCreateSerializer,
    MemberDetailSerializer,
    MemberSerializer,
    MemberTransferSerializer,
    MemberUpdateSerializer,
)

TRUE_WORDS = {"1", "true", "yes", "on"}


@extend_schema_view(
    list=extend_schema(
        summary="党员列表",
        description=(
            "授权范围内的党员；q 按姓名、全拼或首字母（zjg 找到张建国）查找，或按完整的18位身份证号精确查找"
            "（身份证号加密存储，不支持按部分号码查找）。身份证号一律遮蔽。"
        ),
    ),
)
class MemberViewSet(viewsets.GenericViewSet):
    serializer_class = MemberSerializer
    filterset_class = MemberFilter
    pagination_class = Pagination
    permission_classes = [IsAuthenticated, ScopedWritePermission]
    write_scopes = {
        "create": "change",
        "update": "change",
        "partial_update": "change",
        "transfer": "change",
        "convert": "change",
    }

    def get_queryset(self) -> Any:
        return (
            Member.objects.restrict(self.request.user, "view")
            .select_related("organization", "group")
            .order_by("organization__path", "name_pinyin", "id")
        )

    def get_object(self, with_history: bool = False) -> Member:
        queryset = self.get_queryset()
        if with_history:
            queryset = queryset.prefetch_related(
                Prefetch("events", queryset=MemberEvent.objects.select_related("organization")),
                Prefetch("roles", queryset=MemberRole.objects.select_related("organization")),
            )
        member_id = ascii_int(str(self.kwargs["pk"]))
        member = queryset.filter(pk=member_id).first() if member_id is not None else None
        if member is None:
            raise NotFound("未找到该党员，或不在您的授权范围内")
        return member

    def _validated(self, serializer_class: type, **kwargs: Any) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context={"request": self.request}, **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _detail(
        self, member: Member, status_code: int = status.HTTP_200_OK, reveal: bool = False
    ) -> Response:
        context = {"request": self.request, "reveal_id": reveal, "today": timezone.localdate()}
        return Response(MemberDetailSerializer(member, context=context).data, status=status_code)

    def _written(self, member: Member, status_code: int = status.HTTP_200_OK) -> Response:
        """The member as stored after a write, with the history the write has just extended."""
        self.kwargs["pk"] = member.pk
        return self._detail(self.get_object(with_history=True), status_code)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {"request": request, "today": timezone.localdate()}
        return self.get_paginated_response(MemberSerializer(page, many=True, context=context).data)

    @extend_schema(
        summary="党员详情",
        parameters=[
            OpenApiParameter(
                "reveal_id",
                OpenApiTypes.BOOL,
                description="显示完整身份证号：需要该党组织的“查看完整身份证号”权限，每次显示都记入访问记录",
            )
        ],
        responses=MemberDetailSerializer,
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        member = self.get_object(with_history=True)
        reveal = request.query_params.get("reveal_id", "").strip().lower() in TRUE_WORDS
        if reveal:
            if not path_in_scope(request.user, "reveal_id", member.organization.path):
                raise PermissionDenied("您无权查看该党员的完整身份证号")
            access_log_record(
                actor=request.user,
                kind=AccessLog.Kind.REVEAL_ID,
                obj=member,
                organization=member.organization,
                detail={"via": "api"},
            )
        return self._detail(member, reveal=reveal)

    @extend_schema(
        summary="新增党员", request=MemberCreateSerializer, responses={201: MemberDetailSerializer}
    )
    def create(self, request: Request) -> Response:
        data = self._validated(MemberCreateSerializer)
        organization: Organization = data.pop("organization")
        if organization.is_group:
            # As in the roster files: a 党小组 code means its branch, with the member in that group.
            data.setdefault("group", organization)
            organization = Organization.objects.get(path=organization.parent_path)
        with service_errors({}):
            member = services.member_create(actor=request.user, organization=organization, **data)
        return self._written(member, status.HTTP_201_CREATED)

    @extend_schema(summary="修改党员信息", request=MemberUpdateSerializer, responses=MemberDetailSerializer)
    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        member = self.get_object()
        data = self._validated(MemberUpdateSerializer, instance=member, partial=partial)
        with service_errors({}):
            services.member_update(actor=request.user, member=member, **data)
        return self._written(member)

    @extend_schema(
        summary="修改党员的部分信息", request=MemberUpdateSerializer, responses=MemberDetailSerializer
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(
        summary="组织关系转接（系统内）", request=MemberTransferSerializer, responses=MemberDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, pk: str) -> Response:
        member = self.get_object()
        data = self._validated(MemberTransferSerializer)
        with service_errors({"on": "date"}):
            services.member_transfer(
                actor=request.user,
                member=member,
                to_organization=data["to_organization"],
                on=data["date"],
                note=data.get("note", ""),
                expected_from=member.organization,
            )
        return self._written(member)

    @extend_schema(
        summary="预备党员转为正式党员", request=MemberConvertSerializer, responses=MemberDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def convert(self, request: Request, pk: str) -> Response:
        member = self.get_object()
        data = self._validated(MemberConvertSerializer)
        with service_errors({}):
            services.member_convert(actor=request.user, member=member, converted_on=data["converted_on"])
        return self._written(member)
