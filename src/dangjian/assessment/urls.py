from django.urls import path

from . import views

app_name = "assessment"

urlpatterns = [
    path("", views.home, name="home"),
    path("branch/<str:code>/<int:year>/", views.branch, name="branch"),
    path("branch/<str:code>/<int:year>/start/", views.start, name="start"),
    path("branch/<str:code>/<int:year>/self-check/", views.self_check, name="self-check"),
    path("branch/<str:code>/<int:year>/assess/", views.assess, name="assess"),
    path("distribution/<str:code>/<int:year>/", views.distribution, name="distribution"),
    path("results/<str:code>/<int:year>/export/", views.results_export, name="results-export"),
    path("report/<str:code>/<int:year>/", views.year_report, name="report"),
    path("distribution/<str:code>/<int:year>/export/", views.distribution_export, name="distribution-export"),
    path("weak/<str:code>/<int:year>/export/", views.weak_export, name="weak-export"),
    path("weak/<str:code>/<int:year>/", views.weak_list, name="weak"),
    path("weak/<str:code>/<int:year>/identify/", views.weak_identify, name="weak-identify"),
    path("weak/record/<int:pk>/recheck/", views.weak_recheck, name="weak-recheck"),
    path("weak/record/<int:pk>/close/", views.weak_close, name="weak-close"),
    path("secretary/<int:pk>/", views.secretary, name="secretary"),
    path("weak-categories/<str:code>/", views.weak_categories, name="weak-categories"),
    path("templates/<str:code>/", views.templates, name="templates"),
    path("templates/<str:code>/install/", views.templates_install, name="templates-install"),
    path("templates/<str:code>/import/", views.templates_import, name="templates-import"),
    path("template/<int:pk>/", views.template, name="template"),
    path("template/<int:pk>/item/<int:number>/", views.template_item, name="template-item"),
    path("template/<int:pk>/copy/", views.template_copy, name="template-copy"),
    path("template/<int:pk>/settings/", views.template_settings, name="template-settings"),
    path("template/<int:pk>/export/", views.template_export, name="template-export"),
]
