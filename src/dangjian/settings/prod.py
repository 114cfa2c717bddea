import os

from django.core.exceptions import ImproperlyConfigured

from dangjian.core import crypto

from .base import *  # noqa: F403
from .base import SECRET_KEY, env_bool

DEBUG = False
if SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("生产环境必须设置环境变量 SECRET_KEY")


def _required_key_ring(name: str) -> crypto.KeyRing:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"生产环境必须设置环境变量 {name}（格式“编号:Base64密钥”，例如 k1:$(openssl rand -base64 32)）"
        )
    ring = crypto.parse_keys(name, value)
    public = crypto.parse_keys(name, crypto.dev_key_entry(name)).current
    if any(key == public for _, key in ring.keys):
        raise ImproperlyConfigured(f"环境变量 {name} 含开发用的公开密钥，生产环境不能使用")
    return ring


# Personal data at rest (see dangjian.core.crypto): both key lists are required, and distinct,
# so a leaked look-up key does not also open the ciphertexts.
_data_ring = _required_key_ring("DANGJIAN_DATA_KEYS")
_hash_ring = _required_key_ring("DANGJIAN_HASH_KEYS")
if {key for _, key in _data_ring.keys} & {key for _, key in _hash_ring.keys}:
    raise ImproperlyConfigured("DANGJIAN_HASH_KEYS 不能与 DANGJIAN_DATA_KEYS 使用相同的密钥")
DANGJIAN_DATA_KEYS = os.environ["DANGJIAN_DATA_KEYS"]
DANGJIAN_HASH_KEYS = os.environ["DANGJIAN_HASH_KEYS"]

# HTTPS only, behind a proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Cookies: sent over HTTPS only and out of reach of scripts (htmx takes the CSRF token from
# the page's hx-headers, not from the cookie).
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
