import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.test import override_settings

from dangjian.access.services import user_create
from dangjian.access.validators import password_validators
from dangjian.demo.logins import DEMO_PASSWORD, demo_logins

User = get_user_model()

DENGBAO = [
    ("Huangsh8", True),  # upper, lower, digit; 8 long
    ("abcdef1!", True),  # lower, digit, symbol
    ("Abcdef1", False),  # 7 long
    ("abcdefg1", False),  # two classes
    ("ABCDEFGH", False),  # one class
    ("Password1", False),  # common (compared in lower case)
    ("Zhangsan-2026", False),  # like the user name
    ("党建平台Xx-99", True),  # Chinese characters count as symbols
]

ASVS = [
    ("correct horse battery", True),  # 21 long, no composition rules
    ("Abcdefg1!xyz", False),  # 12 long
    ("abcdefghijklmno", True),  # 15 long, one class is fine under ASVS
]


def check(password: str, username: str = "zhangsan") -> bool:
    try:
        validate_password(password, User(username=username))
    except ValidationError:
        return False
    return True


@pytest.mark.django_db
@pytest.mark.parametrize(("password", "accepted"), DENGBAO)
def test_dengbao_policy(password, accepted):
    with override_settings(AUTH_PASSWORD_VALIDATORS=password_validators("dengbao")):
        assert check(password) is accepted


@pytest.mark.django_db
@pytest.mark.parametrize(("password", "accepted"), ASVS)
def test_asvs_policy(password, accepted):
    with override_settings(AUTH_PASSWORD_VALIDATORS=password_validators("asvs")):
        assert check(password) is accepted


def test_an_unknown_policy_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="PASSWORD_POLICY"):
        password_validators("strong")


@pytest.mark.django_db
def test_user_create_refuses_a_weak_password_and_writes_nothing():
    with pytest.raises(ValidationError) as error:
        user_create(actor=None, username="wangwu", password="abcdefg1")
    assert "至少3类" in " ".join(error.value.messages)
    assert not User.objects.filter(username="wangwu").exists()


@pytest.mark.django_db
def test_the_demo_password_meets_the_default_policy_for_every_demo_login():
    for login in demo_logins(None, None, None):
        assert check(DEMO_PASSWORD, login.username), login.username
