import pytest
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from dangjian.core.models import AccessLog, AuditEvent
from dangjian.demo.generator import LoadResult, delete_all, load_demo
from dangjian.demo.logins import ensure_demo_logins


def _wipe() -> None:
    delete_all()
    get_user_model().objects.all().delete()
    # The audit tables refuse deletion; this module committed its rows, so it empties them raw.
    for model in (AuditEvent, AccessLog):
        QuerySet.delete(model.objects.all())


@pytest.fixture(scope="module")
def county_demo(django_db_setup, django_db_blocker) -> LoadResult:
    """The county scale, loaded once for the module and committed (each test's own writes
    still roll back), then removed so that other modules start from an empty database."""
    with django_db_blocker.unblock():
        result = load_demo("county", seed=1, as_of=timezone.localdate())
        ensure_demo_logins(result.county, result.first_township, result.secretary_branch)
    yield result
    with django_db_blocker.unblock():
        _wipe()
