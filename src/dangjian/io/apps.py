from django.apps import AppConfig


class IoConfig(AppConfig):
    name = "dangjian.io"
    label = "dataio"
    verbose_name = "导入导出"
