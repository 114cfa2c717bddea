from django.urls import path

from . import admin_views, views

app_name = "access"
urlpatterns = [
    path("otp/enrol/", views.otp_enrol, name="otp-enrol"),
    path("otp/verify/", views.otp_verify, name="otp-verify"),
    path("password/", views.password_change, name="password-change"),
    # 系统管理员
    path("users/", admin_views.users, name="users"),
    path("users/new/", admin_views.user_create, name="user-create"),
    path("users/<int:pk>/password/", admin_views.user_password, name="user-password"),
    path("users/<int:pk>/disable/", admin_views.user_disable, name="user-disable"),
    # 安全管理员
    path("security/", admin_views.security, name="security"),
    path("security/grants/<int:pk>/revoke/", admin_views.grant_revoke, name="grant-revoke"),
    path("security/users/<int:pk>/unlock/", admin_views.user_unlock, name="user-unlock"),
    path("security/users/<int:pk>/otp-reset/", admin_views.user_otp_reset, name="user-otp-reset"),
]
