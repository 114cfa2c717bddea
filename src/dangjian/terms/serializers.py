from rest_framework import serializers

from .models import Election


class ElectionSerializer(serializers.ModelSerializer):
    org = serializers.CharField(source="organization.code", read_only=True)
    org_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = Election
        fields = [
            "id",
            "org",
            "org_name",
            "held_on",
            "term_years",
            "seats",
            "candidates",
            "voters_entitled",
            "voters_present",
            "elected",
            "secretary_name",
            "previous_term_started_on",
            "note",
        ]


class ElectedSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    votes = serializers.IntegerField(min_value=0)


class ElectionWriteSerializer(serializers.Serializer):
    org = serializers.CharField(max_length=32)
    held_on = serializers.DateField()
    term_years = serializers.IntegerField()
    seats = serializers.IntegerField(min_value=1, max_value=99)
    candidates = serializers.ListField(child=serializers.CharField(max_length=50), allow_empty=False)
    voters_entitled = serializers.IntegerField(min_value=0)
    voters_present = serializers.IntegerField(min_value=0)
    elected = ElectedSerializer(many=True)
    secretary_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class TermRowSerializer(serializers.Serializer):
    org = serializers.CharField(source="organization.code")
    org_name = serializers.CharField(source="organization.name")
    kind = serializers.CharField(source="organization.kind")
    term_ends_on = serializers.DateField()
    due_on = serializers.DateField()
    postponed = serializers.SerializerMethodField()
    days_left = serializers.IntegerField()
    overdue = serializers.BooleanField()

    def get_postponed(self, row: object) -> bool:
        return getattr(row, "postponement", None) is not None
