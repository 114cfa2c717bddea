"""Organization-list filters, shared by the tree search, the list pages and the API."""

import django_filters
from django.db.models import Q, QuerySet

from dangjian.orgs.choices import OrgKind, OrgStatus, Sector
from dangjian.orgs.models import Organization


class OrganizationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="名称或代码", method="filter_search")
    parent = django_filters.CharFilter(label="上级代码（含全部下级）", method="filter_parent")
    kind = django_filters.ChoiceFilter(label="类型", choices=OrgKind.choices)
    sector = django_filters.ChoiceFilter(label="领域", choices=Sector.choices)
    status = django_filters.ChoiceFilter(label="状态", choices=OrgStatus.choices)

    class Meta:
        model = Organization
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__contains=value) | Q(short_name__contains=value) | Q(code__iexact=value)
        )

    def filter_parent(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        parent = Organization.objects.filter(code=value.strip()).only("path").first()
        if parent is None:
            return queryset.none()
        return queryset.filter(path__startswith=parent.path).exclude(pk=parent.pk)
