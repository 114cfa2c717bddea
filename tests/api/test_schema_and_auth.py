import io

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from dangjian.core.api import validation_detail
from dangjian.orgs import services as org_services


def test_schema_endpoint(world, api):
    response = api("township_a_admin").get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "党建平台 API" in text
    for path in ("/api/orgs/{code}/move/", "/api/orgs/{code}/children/", "/api/members/{id}/transfer/"):
        assert path in text


def test_schema_generates_without_warnings(db, tmp_path):
    # --fail-on-warn turns every warning of drf-spectacular (untyped field, enum clash) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "reveal_id" in (tmp_path / "schema.yml").read_text()


def test_token_auth(world):
    token = Token.objects.create(user=world.users["township_a_admin"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.get("/api/orgs/")
    assert response.status_code == 200
    assert [row["code"] for row in response.json()["results"]] == ["TA", "TA01", "TA01G1", "TA02"]
    response = client.patch("/api/orgs/TA02/", {"short_name": "西村"}, format="json")
    assert response.status_code == 200 and response.json()["short_name"] == "西村"


def test_bad_token_is_refused_in_chinese(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")
    response = client.get("/api/orgs/")
    assert response.status_code == 401 and response.json() == {"detail": "认证令牌无效。"}
    assert response["WWW-Authenticate"] == "Token"


def test_api_token_command_creates_once_and_rotates(world):
    out = io.StringIO()
    call_command("api_token", "secretary_a1", stdout=out)
    key = out.getvalue().strip()
    assert key == Token.objects.get(user=world.users["secretary_a1"]).key
    again = io.StringIO()
    call_command("api_token", "secretary_a1", stdout=again)
    assert again.getvalue().strip() == key
    rotated = io.StringIO()
    call_command("api_token", "secretary_a1", "--rotate", stdout=rotated)
    assert rotated.getvalue().strip() != key
    assert Token.objects.filter(user=world.users["secretary_a1"]).count() == 1


def test_api_token_command_unknown_or_inactive_user(world):
    with pytest.raises(CommandError, match="用户“ghost”不存在"):
        call_command("api_token", "ghost")
    world.users["nobody"].is_active = False
    world.users["nobody"].save()
    with pytest.raises(CommandError, match="已停用"):
        call_command("api_token", "nobody")


def test_malformed_json_is_a_chinese_400(world, api):
    response = api("township_a_admin").generic(
        "POST", "/api/orgs/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400 and response.json() == {"detail": "请求内容格式错误，无法解析"}


def test_unexpected_error_is_a_chinese_500_without_trace(world, api, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(org_services, "organization_update", broken)
    response = api("township_a_admin").patch("/api/orgs/TA01/", {"name": "新名"}, format="json")
    assert response.status_code == 500
    assert response.json() == {"detail": "系统暂时出错，已记录。请稍后重试，或联系管理员。"}
    assert "secret internals" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert "secret internals" in caplog.text


def test_method_not_allowed_is_chinese(world, api):
    response = api("county_admin").delete("/api/orgs/TA02/")
    assert response.status_code == 405 and "不被允许" in response.json()["detail"]


def test_validation_detail_puts_non_field_errors_and_renamed_fields():
    error = DjangoValidationError({"__all__": ["整体有误"], "on": ["日期不对"], "name": ["缺少姓名"]})
    assert validation_detail(error, {"on": "date"}) == {
        "non_field_errors": ["整体有误"],
        "date": ["日期不对"],
        "name": ["缺少姓名"],
    }
    assert validation_detail(DjangoValidationError("只有一句")) == {"non_field_errors": ["只有一句"]}
