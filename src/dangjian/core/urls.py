from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.audit, name="audit"),
    path("export/", views.audit_export, name="audit-export"),
    path("export/", views.audit_export, name="audit-export"),
]
