from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Lockouts stay on; see AxesBackendForTestClient for why the first backend differs.
AUTHENTICATION_BACKENDS = [
    "dangjian.access.testing.AxesBackendForTestClient",
    "django.contrib.auth.backends.ModelBackend",
]
# The second factor is switched on by the tests that exercise it (tests/security/test_otp.py);
# the other tests sign in with force_login, which carries no device, to test what they test.
DANGJIAN_OTP_REQUIRED = False
