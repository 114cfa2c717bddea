from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dangjian.dashboards"
    label = "dashboards"
    verbose_name = "汇总"
