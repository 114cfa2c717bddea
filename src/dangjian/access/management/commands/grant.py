from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dangjian.access.roles import Role
from dangjian.access.services import grant_create
from dangjian.core.errors import validation_messages
from dangjian.orgs.models import Organization


class Command(BaseCommand):
    help = "授予用户在某党组织（含全部下级）的角色。"

    def add_arguments(self, parser):
        parser.add_argument("username", help="用户名")
        parser.add_argument("--org", required=True, help="党组织代码")
        roles = ", ".join(f"{value}（{label}）" for value, label in Role.choices)
        parser.add_argument(
            "--role", required=True, choices=Role.values, metavar="ROLE", help=f"角色：{roles}"
        )

    def handle(self, *args, username, org, role, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户“{username}”不存在")
        organization = Organization.objects.filter(code=org).first()
        if organization is None:
            raise CommandError(f"党组织代码“{org}”不存在")
        try:
            grant_create(actor=None, user=user, organization=organization, role=role)
        except ValidationError as exc:
            raise CommandError("；".join(validation_messages(exc))) from exc
        self.stdout.write(f"已授予 {username} 在“{organization.name}”（{org}）的{Role(role).label}角色")
