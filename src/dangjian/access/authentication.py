"""API tokens carry no second factor, so the accounts that need one cannot use a token at
all (their work — accounts, grants, logs — is done in the pages), and a token does not get
round a password that must be changed first."""

from typing import Any

from rest_framework import authentication, exceptions

from .policy import otp_required, password_change_due


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if otp_required(user):
            raise exceptions.AuthenticationFailed("该账号须使用动态口令登录，不能使用 API 令牌")
        if password_change_due(user):
            raise exceptions.AuthenticationFailed("该账号须先登录网页修改密码，才能使用 API 令牌")
        return user, token
