"""An auditor (second factor required) signs in in Chromium: the password leads to the
enrolment page, the code computed from the secret the page shows enables TOTP and opens the
audit page, and the same code typed again in another browser is refused."""

import base64
import time

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.core.models import AuditEvent, Outcome
from dangjian.core.testing.world import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def otp_on(settings):
    settings.DANGJIAN_OTP_REQUIRED = True


def code_from_secret(secret: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the base32 secret (RFC 6238, 30 s, 6 digits);
    `steps_ahead` gives the code of a later time step, which django-otp's tolerance accepts."""
    compact = secret.replace(" ", "")
    key = base64.b32decode(compact + "=" * (-len(compact) % 8))
    return f"{totp(key, step=30, t0=0, digits=6, drift=steps_ahead):06d}"


def sign_in_with_password(page, next_url: str) -> None:
    page.goto(next_url)
    page.fill("input[name=username]", "auditor")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_auditor_enrols_totp_reaches_the_audit_page_and_a_reused_code_is_refused(page, world, live_server):
    audit_url = reverse("core:audit")
    sign_in_with_password(page, audit_url)
    page.wait_for_url(f"**{reverse('access:otp-enrol')}**")
    page.get_by_role("heading", name="启用动态口令（双因素认证）").wait_for()
    assert page.locator(".otp-qr svg").count() == 1  # the QR code is drawn inline
    secret = page.locator("#otp-secret").inner_text().strip()
    # The page shows the key of the device it stored (no other source of the secret).
    device = TOTPDevice.objects.get(user=world.users["auditor"], confirmed=False)
    assert base64.b32encode(device.bin_key).decode().rstrip("=") == secret.replace(" ", "")

    first_code = code_from_secret(secret)
    page.fill("input[name=token]", first_code)
    page.get_by_role("button", name="验证并启用").click()
    page.wait_for_url(f"**{audit_url}")
    page.get_by_role("heading", name="审计").wait_for()
    assert page.get_by_role("link", name="操作记录").count() == 1

    # Someone who saw the code and knows the password, in another browser, a moment later.
    other = page.context.browser.new_context(base_url=live_server.url, locale="zh-CN")
    try:
        intruder = other.new_page()
        sign_in_with_password(intruder, audit_url)
        intruder.wait_for_url(f"**{reverse('access:otp-verify')}**")
        intruder.fill("input[name=token]", first_code)
        intruder.get_by_role("button", name="验证").click()
        intruder.get_by_text("动态口令不正确或已使用过").wait_for()
        intruder.goto(audit_url)
        assert reverse("access:otp-verify") in intruder.url  # still held before the audit page

        # The owner's next code works there (after django-otp's one-second pause on a failure).
        time.sleep(1.1)
        intruder.fill("input[name=token]", code_from_secret(secret, steps_ahead=1))
        intruder.get_by_role("button", name="验证").click()
        intruder.wait_for_url(f"**{audit_url}")
    finally:
        other.close()

    actions = list(
        AuditEvent.objects.filter(actor=world.users["auditor"], action__in=["otp.enrol", "auth.otp_failed"])
        .order_by("pk")
        .values_list("action", "outcome")
    )
    assert actions == [("otp.enrol", Outcome.SUCCESS), ("auth.otp_failed", Outcome.FAILURE)]
