"""Production settings: `check --deploy` is clean, the process refuses to start without its
secrets, and every page carries a Content Security Policy that the templates can live with."""

import base64
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

import dangjian
from dangjian.core import crypto
from dangjian.core.csp import HEADER

PACKAGE_DIR = Path(dangjian.__file__).parent
SECRET = "k8Yq2vX0pL7sN4dR1tW9zB6mC3fH5jK0gQ2wE8rT4yU6iO1pA7sD3fG9hJ5kL2"


def key(byte: int, key_id: str) -> str:
    return f"{key_id}:{base64.b64encode(bytes([byte]) * 32).decode()}"


def prod_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    # The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE in this process (Playwright's
    # sync API runs an event loop); a real deployment has no such variable.
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DANGJIAN_") and name != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="dangjian.settings.prod",
        DANGJIAN_HOME=str(tmp_path),
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="dangjian.example.gov.cn",
        DANGJIAN_DATA_KEYS=key(1, "k1"),
        DANGJIAN_HASH_KEYS=key(2, "h1"),
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run(["-m", "django", "check", "--deploy", "--fail-level", "DEBUG"], prod_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr + result.stdout


def test_production_settings_values(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000, s.SESSION_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE, s.X_FRAME_OPTIONS, s.SECURE_REFERRER_POLICY, "
        "'dangjian.core.csp.ContentSecurityPolicyMiddleware' in s.MIDDLEWARE)"
    )
    result = run(["-c", code], prod_env(tmp_path))
    assert result.stdout.split() == ["True", "True", "True", "True", "True", "DENY", "same-origin", "True"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"DANGJIAN_DATA_KEYS": None}, "生产环境必须设置环境变量 DANGJIAN_DATA_KEYS"),
        ({"DANGJIAN_HASH_KEYS": ""}, "生产环境必须设置环境变量 DANGJIAN_HASH_KEYS"),
        ({"DANGJIAN_DATA_KEYS": "k1:tooshort"}, "32 字节"),
        ({"DANGJIAN_DATA_KEYS": crypto.dev_key_entry("DANGJIAN_DATA_KEYS")}, "开发用的公开密钥"),
        ({"DANGJIAN_HASH_KEYS": key(1, "h1")}, "不能与 DANGJIAN_DATA_KEYS 使用相同的密钥"),
    ],
)
def test_production_refuses_to_start_without_proper_secrets(tmp_path, overrides, message):
    result = run(["-m", "django", "check"], prod_env(tmp_path, **overrides))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


class ScriptCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline_scripts: list[str] = []
        self.handlers: list[str] = []
        self._in_inline = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        self.handlers += [f"<{tag} {name}>" for name in names if name.startswith("on")]
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self._in_inline = True

    def handle_data(self, data):
        if self._in_inline and data.strip():
            self.inline_scripts.append(data.strip()[:80])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline = False


def test_templates_hold_no_inline_script_or_event_handler():
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", re.IGNORECASE)
    handler = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
    offenders = []
    for template in PACKAGE_DIR.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        if inline.search(text) or handler.search(text):
            offenders.append(str(template.relative_to(PACKAGE_DIR)))
    assert offenders == []


@pytest.fixture
def county_admin(world) -> Client:
    client = Client()
    client.force_login(world.users["county_admin"])
    return client


def test_pages_carry_the_policy_and_run_no_inline_script(world, county_admin):
    login_page = Client().get(reverse("login"))
    assert login_page.status_code == 200 and HEADER in login_page.headers
    client = county_admin
    pages = [
        reverse("home"),
        reverse("members:list"),
        reverse("members:detail", args=[world.members["zhang"].pk]),
        reverse("orglife:minute-book", args=[world.branch_a1.code]),
        reverse("api-docs"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        policy = response.headers[HEADER]
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy, url
        assert "unsafe-eval" not in policy and "'unsafe-inline'" not in policy.split("style-src")[0], url
        collector = ScriptCollector()
        collector.feed(response.content.decode())
        assert (collector.inline_scripts, collector.handlers) == ([], []), url
    # The swagger page's own code comes from its script URL, which the policy allows.
    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_chart_data_travels_as_json_not_code(county_admin):
    page = county_admin.get(reverse("home")).content.decode()
    assert '<script id="chart-data" type="application/json">' in page
    assert "dangjian/charts.js" in page
