"""API shapes of members. The ID number leaves the server masked unless the view, after checking
`reveal_id` on the member's organization and logging the access, sets `reveal_id` in the context."""

import datetime as dt

from django.utils import timezone
from rest_framework import serializers

from dangjian.core.dates import age_on
from dangjian.core.idnumber import mask_id_number
from dangjian.orgs.serializers import OrgCodeField

from .models import Member, MemberEvent, MemberRole
from .services import PERSONAL_FIELDS


class OrgRefSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class MemberSerializer(serializers.ModelSerializer):
    """A row of the roster; reads only the member, its organization and group (select_related)."""

    organization = OrgRefSerializer(read_only=True)
    group = OrgRefSerializer(read_only=True, allow_null=True)
    id_number = serializers.SerializerMethodField(help_text="公民身份号码（默认遮蔽出生日期）")
    age = serializers.SerializerMethodField(help_text="年龄（周岁）")
    sex_display = serializers.CharField(source="get_sex_display", read_only=True)
    education_display = serializers.CharField(source="get_education_display", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Member
        fields = [
            "id",
            "name",
            "sex",
            "sex_display",
            "ethnicity",
            "id_number",
            "birth_date",
            "age",
            "education",
            "education_display",
            "category",
            "category_display",
            "joined_on",
            "converted_on",
            "status",
            "status_display",
            "organization",
            "group",
        ]
        read_only_fields = fields

    def get_id_number(self, member: Member) -> str:
        if self.context.get("reveal_id"):
            return member.id_number
        return mask_id_number(member.id_number)

    def get_age(self, member: Member) -> int:
        today: dt.date = self.context.get("today") or timezone.localdate()
        return age_on(member.birth_date, today)


class MemberEventSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = MemberEvent
        fields = ["kind", "kind_display", "occurred_on", "organization_name", "counterpart_name", "note"]
        read_only_fields = fields


class MemberRoleSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    organization = OrgRefSerializer(read_only=True)

    class Meta:
        model = MemberRole
        fields = ["role", "role_display", "organization", "started_on", "ended_on"]
        read_only_fields = fields


class MemberDetailSerializer(MemberSerializer):
    """The member page: contact details, posts and the dated history of the membership."""

    id_number_revealed = serializers.SerializerMethodField(help_text="是否显示了完整身份证号")
    events = MemberEventSerializer(many=True, read_only=True)
    roles = MemberRoleSerializer(many=True, read_only=True)

    class Meta(MemberSerializer.Meta):
        fields = [
            *MemberSerializer.Meta.fields,
            "id_number_revealed",
            "phone",
            "job",
            "address",
            "status_changed_on",
            "events",
            "roles",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_id_number_revealed(self, member: Member) -> bool:
        return bool(self.context.get("reveal_id"))


UPDATE_INPUT_FIELDS = ["group", *PERSONAL_FIELDS]


class MemberUpdateSerializer(serializers.ModelSerializer):
    """Corrections of a member's details. Changing the branch is a transfer, not an update.

    Sex and birth date may be left out: the service reads them from the ID number."""

    group = OrgCodeField(required=False, allow_null=True, help_text="党小组代码")

    class Meta:
        model = Member
        fields = UPDATE_INPUT_FIELDS
        extra_kwargs = {
            # The service normalises the number (spaces, lower-case x, 15 digits) and checks
            # uniqueness inside its transaction.
            "id_number": {"validators": [], "max_length": 24},
            "sex": {"required": False, "allow_blank": True},
            "birth_date": {"required": False, "allow_null": True},
        }


class MemberCreateSerializer(MemberUpdateSerializer):
    organization = OrgCodeField(help_text="所在党支部代码（党小组代码表示该小组所在的支部）")

    class Meta(MemberUpdateSerializer.Meta):
        fields = ["organization", *UPDATE_INPUT_FIELDS]


class MemberTransferSerializer(serializers.Serializer):
    to_organization = OrgCodeField(help_text="转入党支部代码")
    date = serializers.DateField(help_text="转接日期")
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="说明")


class MemberConvertSerializer(serializers.Serializer):
    converted_on = serializers.DateField(help_text="支部大会讨论通过转正的日期")
