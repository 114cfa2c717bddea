from django.urls import path

from . import views

app_name = "access"
urlpatterns = [
    path("otp/enrol/", views.otp_enrol, name="otp-enrol"),
    path("otp/verify/", views.otp_verify, name="otp-verify"),
    path("password/", views.password_change, name="password-change"),
]
