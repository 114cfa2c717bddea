from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("dangjian.access.urls")),
    path("", include("dangjian.dashboards.urls")),
    path("orgs/", include("dangjian.orgs.urls")),
    path("members/", include("dangjian.members.urls")),
    path("io/", include("dangjian.io.urls")),
    path("orglife/", include("dangjian.orglife.urls")),
    path("recruitment/", include("dangjian.recruitment.urls")),
    path("dues/", include("dangjian.dues.urls")),
    path("terms/", include("dangjian.terms.urls")),
    path("assessment/", include("dangjian.assessment.urls")),
    path("ledger/", include("dangjian.ledger.urls")),
    path("notifications/", include("dangjian.notifications.urls")),
    path("audit/", include("dangjian.core.urls")),
    path("api/", include("dangjian.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler400 = "dangjian.core.views.bad_request"
handler403 = "dangjian.core.views.permission_denied"
handler404 = "dangjian.core.views.page_not_found"
handler500 = "dangjian.core.views.server_error"
