"""TOTP second factor (django-otp): who needs it, enrolment, verification, one use per code,
and that nothing — page, htmx fragment, API by session or by token — is reachable before it."""

import base64
import datetime as dt
import io
import re

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from dangjian.access.policy import otp_required
from dangjian.access.roles import Role
from dangjian.core.models import AuditEvent
from dangjian.core.testing.world import PASSWORD, make_user

pytestmark = pytest.mark.django_db

# A fixed instant inside a 30-second step, so a code cannot roll over mid-test.
T0 = dt.datetime(2026, 11, 23, 9, 0, 5, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def otp_on(settings):
    settings.DANGJIAN_OTP_REQUIRED = True


def code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def signed_in(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="动态口令", confirmed=True)


def test_who_needs_a_second_factor(world, settings):
    users = world.users
    assert otp_required(users["auditor"])
    assert otp_required(make_user("sys", Role.SYSADMIN, world.county))
    assert otp_required(make_user("sec", Role.SECURITY_ADMIN, world.county))
    assert otp_required(make_user("root", is_superuser=True))
    for name in ("county_admin", "township_a_admin", "secretary_a1", "inspector_a", "nobody"):
        assert not otp_required(users[name]), name
    # In a province tree the county committees sit at depth 3: a grant at depth 1 or 2 (the
    # province, a prefecture) is above county level; here the test county is at depth 1.
    settings.DANGJIAN_COUNTY_DEPTH = 2
    assert otp_required(users["county_admin"])
    assert not otp_required(users["township_a_admin"])
    settings.DANGJIAN_OTP_REQUIRED = False
    assert not otp_required(users["auditor"])


@time_machine.travel(T0, tick=False)
def test_enrolment_shows_a_qr_code_and_the_secret_and_the_first_code_confirms_it(world):
    client = signed_in("auditor")
    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("access:otp-enrol"))

    page = client.get(home["Location"])
    text = page.content.decode()
    assert page.status_code == 200 and "启用动态口令" in text
    assert "<svg" in text
    device = TOTPDevice.objects.get(user=world.users["auditor"], confirmed=False)
    shown_secret = re.search(r'id="otp-secret">([A-Z2-7 ]+)<', text).group(1).replace(" ", "")
    assert base64.b32decode(shown_secret + "=" * (-len(shown_secret) % 8)) == device.bin_key

    wrong = client.post(
        reverse("access:otp-enrol"), {"token": "000000" if code(device) != "000000" else "111111"}
    )
    assert wrong.status_code == 200 and "动态口令不正确" in wrong.content.decode()
    assert client.get(reverse("home")).status_code == 302

    with time_machine.travel(T0 + dt.timedelta(seconds=30), tick=False):
        done = client.post(reverse("access:otp-enrol") + "?next=/members/", {"token": code(device)})
        assert done.status_code == 302 and done["Location"] == "/members/"
        device.refresh_from_db()
        assert device.confirmed
        assert client.get(reverse("home")).status_code == 200

    actions = list(AuditEvent.objects.filter(actor=world.users["auditor"]).values_list("action", flat=True))
    assert "otp.enrol_failed" in actions and "otp.enrol" in actions


@time_machine.travel(T0, tick=False)
def test_enrolment_page_cannot_add_a_second_device_with_the_password_alone(world):
    enrolled(world.users["auditor"])
    client = signed_in("auditor")
    response = client.get(reverse("access:otp-enrol"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("access:otp-verify"))
    assert TOTPDevice.objects.filter(user=world.users["auditor"]).count() == 1


@time_machine.travel(T0, tick=False)
def test_login_code_verifies_once_and_is_refused_the_second_time(world):
    auditor = world.users["auditor"]
    device = enrolled(auditor)
    first = signed_in("auditor")
    assert first.get(reverse("home"))["Location"].startswith(reverse("access:otp-verify"))
    page = first.get(reverse("access:otp-verify"))
    assert "动态口令验证" in page.content.decode()

    this_code = code(device)
    ok = first.post(reverse("access:otp-verify"), {"token": this_code, "next": "/"})
    assert ok.status_code == 302 and ok["Location"] == "/"
    assert first.get(reverse("home")).status_code == 200

    # Someone who watched the code being typed, with the password, in another browser.
    second = signed_in("auditor")
    replay = second.post(reverse("access:otp-verify"), {"token": this_code})
    assert replay.status_code == 200 and "已使用过" in replay.content.decode()
    assert second.get(reverse("home")).status_code == 302

    # The next step's code works (after django-otp's one-second throttle of the failure).
    with time_machine.travel(T0 + dt.timedelta(seconds=30), tick=False):
        assert second.post(reverse("access:otp-verify"), {"token": code(device)}).status_code == 302
        assert second.get(reverse("home")).status_code == 200

    events = AuditEvent.objects.filter(actor=auditor, action__startswith="auth.otp")
    assert sorted(events.values_list("action", flat=True)) == [
        "auth.otp_failed",
        "auth.otp_verified",
        "auth.otp_verified",
    ]


@time_machine.travel(T0, tick=False)
def test_an_unverified_user_reaches_no_page_fragment_or_api(world):
    enrolled(world.users["auditor"])
    client = signed_in("auditor")
    for url in (reverse("home"), reverse("core:audit"), reverse("members:list"), "/admin/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("access:otp-verify")), url
    fragment = client.get(reverse("core:audit"), HTTP_HX_REQUEST="true")
    assert fragment["HX-Redirect"] == reverse("access:otp-verify") and not fragment.content
    # The page asked for survives the detour, query string and all.
    asked = client.get(reverse("members:list") + "?q=li&page=2")
    assert asked["Location"] == reverse("access:otp-verify") + "?next=%2Fmembers%2F%3Fq%3Dli%26page%3D2"
    posted = client.post(reverse("members:list"), {})
    assert posted.status_code == 302 and posted["Location"] == reverse("access:otp-verify")
    api = client.get("/api/orgs/")
    assert api.status_code == 403 and "动态口令" in api.json()["detail"]
    assert client.get("/api/schema/").status_code == 403
    # A user who needs no second factor is not held.
    assert signed_in("secretary_a1").get(reverse("home")).status_code == 200


def test_api_tokens_are_refused_for_accounts_that_need_a_second_factor(world):
    sysadmin = make_user("sys", Role.SYSADMIN, world.county)
    token = Token.objects.create(user=sysadmin)
    response = Client().get("/api/orgs/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 401 and "动态口令" in response.json()["detail"]
    secretary_token = Token.objects.create(user=world.users["secretary_a1"])
    assert Client().get("/api/orgs/", HTTP_AUTHORIZATION=f"Token {secretary_token.key}").status_code == 200
    with pytest.raises(CommandError, match="不能发放 API 令牌"):
        call_command("api_token", "sys", stdout=io.StringIO())


def test_otp_reset_by_the_security_administrator_is_audited_and_forces_a_new_enrolment(world):
    auditor = world.users["auditor"]
    enrolled(auditor)
    security = make_user("sec", Role.SECURITY_ADMIN, world.county)
    make_user("sys", Role.SYSADMIN, world.county)

    with pytest.raises(CommandError, match="安全管理员"):
        call_command("otp_reset", "auditor", "--as", "sys", stdout=io.StringIO())
    assert TOTPDevice.objects.filter(user=auditor).exists()

    out = io.StringIO()
    call_command("otp_reset", "auditor", "--as", "sec", stdout=out)
    assert "已重置 auditor" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=auditor).exists()
    event = AuditEvent.objects.get(action="otp.reset")
    assert event.actor == security and event.object_id == str(auditor.pk)
    assert event.organization == world.county
    client = signed_in("auditor")
    assert client.get(reverse("home"))["Location"].startswith(reverse("access:otp-enrol"))


def test_otp_reset_is_reachable_under_its_console_script_name(capsys):
    from dangjian.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["dangjian", "otp-reset", "--help"])
    assert exit_info.value.code == 0
    assert "重置用户的动态口令" in capsys.readouterr().out


def test_the_check_costs_one_query_for_a_user_who_needs_no_second_factor(world, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in("secretary_a1")
    client.get(reverse("home"))

    def queries_for_home() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return len(captured)

    with_check = queries_for_home()
    settings.DANGJIAN_OTP_REQUIRED = False
    assert with_check - queries_for_home() == 1
