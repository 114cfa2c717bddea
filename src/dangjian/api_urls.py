"""Every app registers its API views on one router, so /api/ lists them all."""

from rest_framework.routers import DefaultRouter

from dangjian.assessment.api import AssessmentViewSet, ChecklistTemplateViewSet, WeakOrganizationViewSet
from dangjian.dues.api import ArrearsViewSet, DuesMonthViewSet, ExemptionViewSet
from dangjian.ledger.api import (
    DispatchRecipientViewSet,
    DispatchSheetViewSet,
    LedgerItemViewSet,
    TargetViewSet,
)
from dangjian.members.api import MemberViewSet
from dangjian.orglife.api import ComplianceViewSet, RecordViewSet
from dangjian.orgs.api import OrganizationViewSet
from dangjian.recruitment.api import CandidateViewSet, PlanViewSet
from dangjian.terms.api import ElectionViewSet, TermCalendarViewSet

router = DefaultRouter()
router.register("orgs", OrganizationViewSet, basename="api-org")
router.register("members", MemberViewSet, basename="api-member")
router.register("orglife/records", RecordViewSet, basename="api-orglife-record")
router.register("orglife/compliance", ComplianceViewSet, basename="api-orglife-compliance")
router.register("recruitment/candidates", CandidateViewSet, basename="api-recruitment-candidate")
router.register("recruitment/plans", PlanViewSet, basename="api-recruitment-plan")
router.register("dues/months", DuesMonthViewSet, basename="api-dues-month")
router.register("dues/arrears", ArrearsViewSet, basename="api-dues-arrears")
router.register("dues/exemptions", ExemptionViewSet, basename="api-dues-exemption")
router.register("assessment/templates", ChecklistTemplateViewSet, basename="api-assessment-template")
router.register("assessment/assessments", AssessmentViewSet, basename="api-assessment")
router.register("assessment/weak", WeakOrganizationViewSet, basename="api-assessment-weak")
router.register("ledger/items", LedgerItemViewSet, basename="api-ledger-item")
router.register("ledger/dispatch", DispatchRecipientViewSet, basename="api-ledger-dispatch")
router.register("ledger/targets", TargetViewSet, basename="api-ledger-target")
router.register("ledger/dispatch-sheets", DispatchSheetViewSet, basename="api-ledger-dispatch-sheet")
router.register("terms/elections", ElectionViewSet, basename="api-terms-election")
router.register("terms/calendar", TermCalendarViewSet, basename="api-terms-calendar")

urlpatterns = router.urls
