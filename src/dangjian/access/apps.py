from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "dangjian.access"
    label = "access"
    verbose_name = "权限"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the login audit receivers)
