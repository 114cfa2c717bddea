from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from dangjian.access.services import otp_reset


class Command(BaseCommand):
    help = (
        "重置用户的动态口令（手机丢失或更换时）：删除其全部验证器设备并结束其会话，"
        "用户下次登录时重新扫码启用。--as 指定执行操作的安全管理员，记入审计日志。"
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="要重置的用户名")
        parser.add_argument("--as", dest="actor", default=None, help="执行操作的安全管理员用户名")

    def handle(self, *args, username, actor, **options):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户“{username}”不存在")
        acting = None
        if actor:
            acting = User.objects.filter(username=actor, is_active=True).first()
            if acting is None:
                raise CommandError(f"执行人“{actor}”不存在或已停用")
        try:
            removed = otp_reset(actor=acting, user=user)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已重置 {username} 的动态口令（删除 {removed} 个设备），下次登录时重新启用")
