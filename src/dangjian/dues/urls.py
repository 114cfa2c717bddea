from django.urls import path

from . import views

app_name = "dues"

urlpatterns = [
    path("", views.home, name="home"),
    path("branch/<str:code>/", views.ledger, name="ledger"),
    path("branch/<str:code>/open/", views.month_open, name="month-open"),
    path("branch/<str:code>/profiles/", views.profiles, name="profiles"),
    path("branch/<str:code>/ledger-<int:year>.xlsx", views.ledger_export, name="export"),
    path("entry/<int:pk>/pay/", views.pay, name="pay"),
    path("member/<int:pk>/profile/", views.profile_edit, name="profile"),
    path("member/<int:pk>/exemption/", views.exemption_create, name="exemption"),
    path("arrears/<str:code>/", views.arrears, name="arrears"),
    path("totals/<str:code>/", views.totals, name="totals"),
]
