from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from dangjian.access.policy import otp_required


class Command(BaseCommand):
    help = (
        "显示用户的 API 令牌（没有则创建）。调用接口时在请求头中加上 "
        "“Authorization: Token 令牌”；--rotate 作废旧令牌并换发新令牌。"
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="用户名")
        parser.add_argument("--rotate", action="store_true", help="作废旧令牌，换发新令牌")

    def handle(self, *args, username, rotate, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户“{username}”不存在")
        if not user.is_active:
            raise CommandError(f"用户“{username}”已停用，不能使用 API")
        if otp_required(user):
            # A token carries no second factor (see access.authentication).
            raise CommandError(f"用户“{username}”须使用动态口令登录，不能发放 API 令牌")
        if rotate:
            Token.objects.filter(user=user).delete()
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
