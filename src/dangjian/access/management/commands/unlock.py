from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from dangjian.access.services import user_unlock


class Command(BaseCommand):
    help = "解除用户因多次输错密码而被锁定的状态（不必等待冷却期结束），记入审计日志。"

    def add_arguments(self, parser):
        parser.add_argument("username", help="要解锁的用户名")
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
            cleared = user_unlock(actor=acting, user=user)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已解除 {username} 的锁定（清除 {cleared} 条失败记录）")
