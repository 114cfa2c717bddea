from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/reveal-id/", views.reveal_id, name="reveal-id"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/convert/", views.convert, name="convert"),
    path("<int:pk>/transfer/", views.transfer, name="transfer"),
    path("<int:pk>/exit/", views.exit_roll, name="exit"),
    path("<int:pk>/roles/new/", views.role_assign, name="role-assign"),
    path("<int:pk>/roles/<int:role_pk>/end/", views.role_end, name="role-end"),
]
