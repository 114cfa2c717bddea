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
]
