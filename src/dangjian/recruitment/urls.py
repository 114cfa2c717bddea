from django.urls import path

from . import views

app_name = "recruitment"

urlpatterns = [
    path("", views.home, name="home"),
    path("org/<str:code>/", views.candidate_list, name="list"),
    path("org/<str:code>/new/", views.candidate_create, name="candidate-create"),
    path("org/<str:code>/plans/", views.plans, name="plans"),
    path("org/<str:code>/plan/<int:year>/", views.plan_set, name="plan-set"),
    path("candidate/<int:pk>/", views.candidate_detail, name="candidate"),
    path("candidate/<int:pk>/step/", views.step_record, name="step"),
]
