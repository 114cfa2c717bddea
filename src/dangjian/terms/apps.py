from django.apps import AppConfig


class TermsConfig(AppConfig):
    name = "dangjian.terms"
    label = "terms"
    verbose_name = "换届选举"
