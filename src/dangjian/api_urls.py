"""Every app registers its API views on one router, so /api/ lists them all."""

from rest_framework.routers import DefaultRouter

from dangjian.members.api import MemberViewSet
from dangjian.orgs.api import OrganizationViewSet

router = DefaultRouter()
router.register("orgs", OrganizationViewSet, basename="api-org")
router.register("members", MemberViewSet, basename="api-member")

urlpatterns = router.urls
