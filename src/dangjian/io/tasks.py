"""Background work of the browser import: the check (a dry run) and the confirmed write."""

import logging
from typing import Any

from django.db import transaction
from django_tasks import task

from .models import ImportJob
from .services import members_import, organizations_import

logger = logging.getLogger(__name__)

IMPORTERS = {ImportJob.Kind.ORGANIZATIONS: organizations_import, ImportJob.Kind.MEMBERS: members_import}


def _progress(job_id: int):
    def report(processed: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=processed, total_rows=total)

    return report


def run_job(job_id: int, *, write: bool) -> None:
    """Check (write=False) or import (write=True) the job's file; the outcome lands on the job."""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    importer: Any = IMPORTERS[ImportJob.Kind(job.kind)]
    try:
        with job.file.open("rb") as stream:
            report = importer(
                actor=job.user,
                stream=stream,
                filename=job.original_name,
                dry_run=not write,
                keep_valid=job.keep_valid,
                progress=_progress(job.pk),
            )
    except Exception:
        # People get a sentence, the log gets the traceback.
        logger.exception("import job %s failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            failure="系统处理文件时出错，已记录；请检查文件后重新上传，或联系管理员",
        )
        return
    fields = (
        {"result": report.to_dict(), "status": ImportJob.Status.DONE}
        if write
        else {
            "report": report.to_dict(),
            "status": ImportJob.Status.CHECKED,
        }
    )
    with transaction.atomic():
        ImportJob.objects.filter(pk=job_id).update(
            total_rows=report.total, processed_rows=report.total, **fields
        )
    if write:
        # The roster holds personal data: once written, the uploaded copy has served its purpose.
        job.file.storage.delete(job.file.name)
        ImportJob.objects.filter(pk=job_id).update(file="")


@task()
def check_import_job(job_id: int) -> None:
    ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.CHECKING)
    run_job(job_id, write=False)


@task()
def write_import_job(job_id: int) -> None:
    run_job(job_id, write=True)
