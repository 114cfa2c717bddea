from django.urls import path

from . import views

app_name = "terms"

urlpatterns = [
    path("", views.home, name="home"),
    path("org/<str:code>/", views.calendar, name="calendar"),
    path("org/<str:code>/term/", views.organization_term, name="org"),
    path("org/<str:code>/election/", views.election_create, name="election-create"),
    path("org/<str:code>/postpone/", views.postponement_create, name="postpone"),
]
