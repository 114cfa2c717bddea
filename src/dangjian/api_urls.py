"""Every app registers its API views on one router, so /api/ lists them all."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns = router.urls
