"""Password rules. Two policies, chosen by PASSWORD_POLICY:

- `dengbao` (default): what 等保 2.0 (GB/T 22239-2019) assessors ask of an application —
  at least 8 characters from at least three of the four classes (upper case, lower case,
  digits, symbols), not like the user's name, not a common password.
- `asvs`: OWASP ASVS 5.0 — at least 15 characters and not a common password, with no
  composition rules (ASVS advises against them).

The validators sit in AUTH_PASSWORD_VALIDATORS, so every path that sets a password through
Django (`user_create`, the admin, `changepassword`, password forms) enforces the same rules."""

import string

from django.core.exceptions import ImproperlyConfigured, ValidationError

CHARACTER_CLASSES = {
    "大写字母": set(string.ascii_uppercase),
    "小写字母": set(string.ascii_lowercase),
    "数字": set(string.digits),
}


def character_classes(password: str) -> set[str]:
    found = {label for label, members in CHARACTER_CLASSES.items() if set(password) & members}
    if any(not (ch.isascii() and ch.isalnum()) for ch in password):
        found.add("符号")
    return found


class CharacterClassesValidator:
    """At least `min_classes` of upper case, lower case, digits and symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: object = None) -> None:
        if len(character_classes(password)) < self.min_classes:
            raise ValidationError(
                f"密码须包含大写字母、小写字母、数字、符号中的至少{self.min_classes}类。",
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return f"密码须包含大写字母、小写字母、数字、符号中的至少{self.min_classes}类。"


_DJANGO = "django.contrib.auth.password_validation."


def password_validators(policy: str) -> list[dict]:
    if policy == "dengbao":
        return [
            {"NAME": _DJANGO + "UserAttributeSimilarityValidator"},
            {"NAME": _DJANGO + "MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
            {"NAME": _DJANGO + "CommonPasswordValidator"},
            {"NAME": "dangjian.access.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
        ]
    if policy == "asvs":
        return [
            {"NAME": _DJANGO + "MinimumLengthValidator", "OPTIONS": {"min_length": 15}},
            {"NAME": _DJANGO + "CommonPasswordValidator"},
        ]
    raise ImproperlyConfigured(f"PASSWORD_POLICY 只能是 dengbao 或 asvs，而不是“{policy}”")
