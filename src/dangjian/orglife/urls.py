from django.urls import path

from . import views

app_name = "orglife"

urlpatterns = [
    path("", views.home, name="home"),
    path("branch/<str:code>/", views.branch_calendar, name="calendar"),
    path("branch/<str:code>/new/", views.record_create, name="record-create"),
    path("branch/<str:code>/minutes/", views.minute_book, name="minute-book"),
    path("branch/<str:code>/minutes.xlsx", views.minute_book_export, name="minute-book-export"),
    path("branch/<str:code>/minutes.pdf", views.minute_book_pdf_export, name="minute-book-pdf"),
    path("record/<int:pk>/", views.record_detail, name="record"),
    path("record/<int:pk>/edit/", views.record_edit, name="record-edit"),
    path("record/<int:pk>/submit/", views.record_submit, name="record-submit"),
    path("record/<int:pk>/correct/", views.record_correct, name="record-correct"),
    path("record/<int:pk>/attachments/", views.attachment_add, name="attachment-add"),
    path("attachment/<int:pk>/", views.attachment_download, name="attachment"),
    path("compliance/<str:code>/", views.compliance_dashboard, name="compliance"),
    path("compliance/<str:code>/export.xlsx", views.compliance_export, name="compliance-export"),
]
