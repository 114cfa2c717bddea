import io

import pytest
from axes.models import AccessAttempt
from django.core.management import CommandError, call_command
from django.utils import timezone

from dangjian.access.roles import Role
from dangjian.core.models import AuditEvent
from dangjian.core.testing.world import make_user

pytestmark = pytest.mark.django_db


def locked(username: str) -> None:
    AccessAttempt.objects.create(
        username=username, ip_address="10.0.0.9", failures_since_start=5, attempt_time=timezone.now()
    )


def test_unlock_is_the_security_administrators_and_audited(world):
    make_user("sys", Role.SYSADMIN, world.county)
    security = make_user("sec", Role.SECURITY_ADMIN, world.county)
    locked("secretary_a1")
    with pytest.raises(CommandError, match="安全管理员"):
        call_command("unlock", "secretary_a1", "--as", "sys", stdout=io.StringIO())
    assert AccessAttempt.objects.filter(username="secretary_a1").exists()
    out = io.StringIO()
    call_command("unlock", "secretary_a1", "--as", "sec", stdout=out)
    assert "已解除 secretary_a1 的锁定" in out.getvalue()
    assert not AccessAttempt.objects.filter(username="secretary_a1").exists()
    assert AuditEvent.objects.get(action="user.unlock").actor == security


def test_unlock_names_an_unknown_user_or_actor_in_chinese(world):
    with pytest.raises(CommandError, match="用户“ghost”不存在"):
        call_command("unlock", "ghost", stdout=io.StringIO())
    with pytest.raises(CommandError, match="执行人“ghost”不存在"):
        call_command("unlock", "secretary_a1", "--as", "ghost", stdout=io.StringIO())


def test_the_grant_command_offers_the_security_administrator_role(world):
    make_user("newcomer")
    out = io.StringIO()
    call_command("grant", "newcomer", "--org", "C1", "--role", "security_admin", stdout=out)
    assert "安全管理员" in out.getvalue()
    with pytest.raises(CommandError, match="须由不同账号分别担任"):
        call_command("grant", "newcomer", "--org", "C1", "--role", "auditor", stdout=io.StringIO())
