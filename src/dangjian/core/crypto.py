"""Encryption at rest for personal data (公民身份号码, 联系电话) and keyed digests to find it again.

A stored value reads ``enc1:<key id>:<base64 of nonce | ciphertext | tag>``: AES-256-GCM with
the column's name as associated data, so a ciphertext copied into another column does not
decrypt. Equality look-ups and uniqueness go through a keyed digest, ``<key id>$<hex>`` of
HMAC-SHA256, because the ciphertext of one value differs on every write.

Keys come from the environment, each list written ``id:base64-of-32-bytes`` and comma-separated,
the first entry current (it encrypts and digests); the others only read, until
``dangjian rotate-keys`` has rewritten every row with the current one:

    DANGJIAN_DATA_KEYS   keys for encryption
    DANGJIAN_HASH_KEYS   keys for the look-up digests (a separate secret)

Without them (demo, tests) both fall back to keys derived from a public label, which
``settings.prod`` refuses to start with.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass, field
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

TOKEN_PREFIX = "enc1"
DIGEST_SEPARATOR = "$"
KEY_BYTES = 32
NONCE_BYTES = 12
DEV_KEY_ID = "dev"
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
# Public on purpose: anyone holding the source can derive these, so they only protect demo data.
_DEV_LABELS = {
    "DANGJIAN_DATA_KEYS": b"dangjian dev-only data key - never for production",
    "DANGJIAN_HASH_KEYS": b"dangjian dev-only hash key - never for production",
}


class CryptoError(Exception):
    """A stored value cannot be read or written; the message, in Chinese, says what to fix."""


class MissingKeyError(CryptoError):
    pass


class DecryptionError(CryptoError):
    pass


@dataclass(frozen=True)
class KeyRing:
    setting: str
    keys: tuple[tuple[str, bytes], ...]  # (id, key), current first
    _ciphers: dict[str, AESGCM] = field(default_factory=dict, compare=False, repr=False)

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    @property
    def current(self) -> bytes:
        return self.keys[0][1]

    def get(self, key_id: str) -> bytes:
        for known_id, key in self.keys:
            if known_id == key_id:
                return key
        raise self.missing(key_id)

    def cipher(self, key_id: str) -> AESGCM:
        # One AESGCM per key, built once: setting up the key schedule costs more than a short
        # encryption does.
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            cipher = self._ciphers[key_id] = AESGCM(self.get(key_id))
        return cipher

    def missing(self, key_id: str) -> MissingKeyError:
        return MissingKeyError(
            f"密钥“{key_id}”未配置：数据由它加密，但环境变量 {self.setting} 中没有它；"
            f"请把它加回 {self.setting}（放在当前密钥之后），运行 dangjian rotate-keys 后再移除"
        )


def parse_keys(setting: str, value: str) -> KeyRing:
    """`id:base64,...` into a key ring, or ImproperlyConfigured naming the bad entry."""
    entries = [entry.strip() for entry in value.split(",") if entry.strip()]
    if not entries:
        raise ImproperlyConfigured(f"环境变量 {setting} 为空：至少需要一个“编号:Base64密钥”")
    keys: list[tuple[str, bytes]] = []
    for position, entry in enumerate(entries, start=1):
        key_id, _, encoded = entry.partition(":")
        if not _KEY_ID.match(key_id):
            raise ImproperlyConfigured(
                f"环境变量 {setting} 第{position}项：密钥编号应为 1—16 位字母、数字、- 或 _，格式为“编号:Base64密钥”"
            )
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != KEY_BYTES:
            raise ImproperlyConfigured(
                f"环境变量 {setting} 第{position}项（{key_id}）：密钥应为 {KEY_BYTES} 字节的 Base64 编码"
            )
        if any(key_id == known for known, _ in keys):
            raise ImproperlyConfigured(f"环境变量 {setting} 中密钥编号“{key_id}”重复")
        keys.append((key_id, key))
    return KeyRing(setting, tuple(keys))


def dev_key_entry(setting: str) -> str:
    key = hashlib.sha256(_DEV_LABELS[setting]).digest()
    return f"{DEV_KEY_ID}:{base64.b64encode(key).decode()}"


def generate_key_entry(key_id: str) -> str:
    """A fresh `id:base64` entry for DANGJIAN_DATA_KEYS or DANGJIAN_HASH_KEYS."""
    if not _KEY_ID.match(key_id):
        raise ValueError("密钥编号应为 1—16 位字母、数字、- 或 _")
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


@lru_cache(maxsize=8)
def _ring(setting: str, value: str) -> KeyRing:
    return parse_keys(setting, value or dev_key_entry(setting))


def data_keys() -> KeyRing:
    # Keyed on the setting's text, so override_settings in tests takes effect at once.
    return _ring("DANGJIAN_DATA_KEYS", getattr(settings, "DANGJIAN_DATA_KEYS", ""))


def hash_keys() -> KeyRing:
    return _ring("DANGJIAN_HASH_KEYS", getattr(settings, "DANGJIAN_HASH_KEYS", ""))


def is_token(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX + ":")


def token_key_id(token: str) -> str:
    return token.split(":", 2)[1]


def encrypt(plaintext: str, *, context: str) -> str:
    ring = data_keys()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.cipher(ring.current_id).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{TOKEN_PREFIX}:{ring.current_id}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, context: str) -> str:
    prefix, key_id, encoded = [*token.split(":", 2), "", ""][:3]
    if prefix != TOKEN_PREFIX or not encoded:
        raise DecryptionError(f"{context}：存储的值不是密文（未加密的旧数据？请运行 dangjian migrate）")
    cipher = data_keys().cipher(key_id)
    try:
        raw = base64.b64decode(encoded, validate=True)
        return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise DecryptionError(
            f"{context}：用密钥“{key_id}”解密失败——DANGJIAN_DATA_KEYS 中该编号的密钥与加密时所用的不同，或数据已损坏"
        ) from exc


def _digest_with(key_id: str, key: bytes, value: str, purpose: str) -> str:
    # hmac.digest is OpenSSL's one-shot HMAC, several times faster than hmac.new for short values.
    mac = hmac.digest(key, f"{purpose}\x00{value}".encode(), "sha256").hex()
    return f"{key_id}{DIGEST_SEPARATOR}{mac}"


def digest(value: str, *, purpose: str) -> str:
    """The look-up digest of a value under the current hash key."""
    ring = hash_keys()
    return _digest_with(ring.current_id, ring.current, value, purpose)


def digests(value: str, *, purpose: str) -> list[str]:
    """The digests under every configured hash key, current first: look-ups still find rows that
    `rotate-keys` has not reached yet."""
    return [_digest_with(key_id, key, value, purpose) for key_id, key in hash_keys().keys]


DIGEST_MAX_LENGTH = 16 + len(DIGEST_SEPARATOR) + 64
