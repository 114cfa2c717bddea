from django.urls import path

from . import views

app_name = "io"
urlpatterns = [
    path("", views.index, name="index"),
    path("templates/<str:kind>.xlsx", views.template_download, name="template"),
    path("import/organizations/", views.import_upload, {"kind": "organizations"}, name="import-orgs"),
    path("import/members/", views.import_upload, {"kind": "members"}, name="import-members"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="job-progress"),
    path("jobs/<int:pk>/confirm/", views.job_confirm, name="job-confirm"),
    path("export/members.xlsx", views.export_members, name="export-members"),
]
