from django.urls import path

from . import views

app_name = "ledger"

urlpatterns = [
    path("", views.home, name="home"),
    path("org/<str:code>/", views.ledgers, name="list"),
    path("<int:pk>/", views.ledger, name="ledger"),
    path("item/<int:pk>/note/", views.item_note, name="note"),
    path("item/<int:pk>/close-request/", views.item_close_request, name="close-request"),
    path("item/<int:pk>/approve/", views.item_approve, name="approve"),
    path("item/<int:pk>/return/", views.item_return, name="return"),
    path("dispatch/org/<str:code>/", views.dispatches, name="dispatches"),
    path("dispatch/org/<str:code>/issue/", views.dispatch_issue, name="dispatch-issue"),
    path("dispatch/<int:pk>/", views.sheet, name="sheet"),
    path("dispatch/recipient/<int:pk>/respond/", views.respond, name="respond"),
    path("targets/<str:code>/<int:year>/", views.targets, name="targets"),
    path("targets/<str:code>/<int:year>/new/", views.target_new, name="target-new"),
    path("org/<str:code>/export/", views.ledgers_export, name="list-export"),
    path("dispatch/<int:pk>/export/", views.sheet_export, name="sheet-export"),
    path("targets/<str:code>/<int:year>/export/", views.targets_export, name="targets-export"),
]
