"""The member-list filters, shared by the member list page, the export and the API."""

import datetime as dt

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from dangjian.core.api import YEAR_RANGE
from dangjian.core.dates import add_years
from dangjian.members.choices import ETHNIC_GROUPS, Category, Education, MemberStatus, Sex
from dangjian.members.models import Member, id_number_q
from dangjian.orgs.models import Organization

# (value, label, youngest age, oldest age) — the bands of the 年龄结构 chart.
AGE_BANDS = [
    ("lt30", "30岁以下", 0, 29),
    ("30-39", "30—39岁", 30, 39),
    ("40-49", "40—49岁", 40, 49),
    ("50-59", "50—59岁", 50, 59),
    ("60-69", "60—69岁", 60, 69),
    ("ge70", "70岁及以上", 70, 200),
]


FULL_ID_LENGTH = 18


def birth_range_for_ages(youngest: int, oldest: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """Birth dates of people aged youngest..oldest (inclusive) on `today`."""
    born_after = add_years(today, -(oldest + 1)) + dt.timedelta(days=1)
    born_before = add_years(today, -youngest)
    return born_after, born_before


def search_q(text: str) -> Q:
    """Name in Chinese, full pinyin or initials (`zjg` finds 张建国), or a full ID number.

    ID numbers are stored encrypted, so only the whole number matches (by its keyed digest);
    searching by the last digits, as before encryption, is no longer possible."""
    text = text.strip()
    if not text:
        return Q()
    query = Q(name__contains=text)
    ascii_text = text.lower().replace(" ", "")
    if ascii_text.isascii() and ascii_text.isalpha():
        query |= Q(name_pinyin__contains=ascii_text) | Q(name_initials__contains=ascii_text)
    if len(text) == FULL_ID_LENGTH and text[:-1].isdigit():
        query |= id_number_q(text)
    return query


class MemberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="姓名、拼音、首字母或身份证号",
        method="filter_search",
        help_text="身份证号加密存储，只能输入完整的18位号码查找",
    )
    org = django_filters.CharFilter(label="党组织代码（含下级）", method="filter_org")
    status = django_filters.ChoiceFilter(label="状态", choices=MemberStatus.choices)
    category = django_filters.ChoiceFilter(label="人员类别", choices=Category.choices)
    sex = django_filters.ChoiceFilter(label="性别", choices=Sex.choices)
    ethnicity = django_filters.ChoiceFilter(label="民族", choices=[(e, e) for e in ETHNIC_GROUPS])
    education = django_filters.ChoiceFilter(label="学历", choices=Education.choices)
    age_band = django_filters.ChoiceFilter(
        label="年龄段", choices=[(value, label) for value, label, _, _ in AGE_BANDS], method="filter_age_band"
    )
    # Bounded: a year the database cannot turn into a date range would be a server error.
    joined_year = django_filters.NumberFilter(
        label="入党年份",
        field_name="joined_on",
        lookup_expr="year",
        min_value=YEAR_RANGE[0],
        max_value=YEAR_RANGE[1],
        decimal_places=0,
    )

    class Meta:
        model = Member
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(search_q(value))

    def filter_org(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # The queryset is already restricted to the user's scope, so an out-of-scope code
        # only narrows it to nothing.
        organization = Organization.objects.filter(code=value.strip()).only("path").first()
        if organization is None:
            return queryset.none()
        return queryset.filter(organization__path__startswith=organization.path)

    def filter_age_band(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for band, _, youngest, oldest in AGE_BANDS:
            if band == value:
                born_after, born_before = birth_range_for_ages(youngest, oldest, timezone.localdate())
                return queryset.filter(birth_date__range=(born_after, born_before))
        return queryset
