"""Import pages (upload → background check with progress → preview → confirm) and the
roster export. Every job belongs to its uploader; every export is scoped and logged."""

import io
import os
import tempfile

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from dangjian.core.restrict import Everything, scope_prefixes
from dangjian.members.filters import MemberFilter

from . import rules
from .forms import ImportUploadForm
from .models import ImportJob
from .report import ImportReport
from .services import common_organization, members_export, members_for_export, write_template_xlsx
from .tasks import check_import_job, write_import_job

COLUMNS = {ImportJob.Kind.ORGANIZATIONS: rules.ORG_COLUMNS, ImportJob.Kind.MEMBERS: rules.MEMBER_COLUMNS}
URL_NAMES = {ImportJob.Kind.ORGANIZATIONS: "io:import-orgs", ImportJob.Kind.MEMBERS: "io:import-members"}
TEMPLATE_FILENAMES = {
    ImportJob.Kind.ORGANIZATIONS: "党组织导入模板.xlsx",
    ImportJob.Kind.MEMBERS: "党员导入模板.xlsx",
}


def _require_scope(user, action: str, message: str) -> None:
    if not scope_prefixes(user, action):
        raise PermissionDenied(message)


def _kind(value: str) -> ImportJob.Kind:
    try:
        return ImportJob.Kind(value)
    except ValueError as exc:
        raise Http404 from exc


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    _require_scope(request.user, "import", "您没有导入数据的权限")
    jobs = ImportJob.objects.filter(user=request.user)[:10]
    imports = [
        {
            "kind": kind,
            "label": kind.label,
            "url": reverse(URL_NAMES[kind]),
            "template_url": reverse("io:template", args=[kind.value]),
            "columns": COLUMNS[kind],
        }
        for kind in ImportJob.Kind
    ]
    return render(request, "io/index.html", {"imports": imports, "jobs": jobs})


@login_required
@require_GET
def template_download(request: HttpRequest, kind: str) -> HttpResponse:
    job_kind = _kind(kind)
    buffer = io.BytesIO()
    write_template_xlsx(buffer, COLUMNS[job_kind])
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=TEMPLATE_FILENAMES[job_kind])


@login_required
def import_upload(request: HttpRequest, kind: str) -> HttpResponse:
    job_kind = _kind(kind)
    _require_scope(request.user, "import", "您没有导入数据的权限")
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = ImportJob.objects.create(
            user=request.user,
            kind=job_kind,
            file=upload,
            original_name=os.path.basename(upload.name)[:255],
            keep_valid=form.cleaned_data["keep_valid"],
        )
        check_import_job.enqueue(job.pk)
        return redirect("io:job", pk=job.pk)
    context = {"form": form, "kind": job_kind, "columns": COLUMNS[job_kind]}
    return render(request, "io/upload.html", context, status=400 if form.errors else 200)


def _own_job(request: HttpRequest, pk: int) -> ImportJob:
    return get_object_or_404(ImportJob, pk=pk, user=request.user)


@login_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    report = ImportReport.from_dict(job.report) if job.report else None
    result = ImportReport.from_dict(job.result) if job.result else None
    can_confirm = (
        job.status == ImportJob.Status.CHECKED
        and report is not None
        and report.valid > 0
        and not report.stopped(job.keep_valid)
    )
    context = {"job": job, "report": report, "result": result, "can_confirm": can_confirm}
    return render(request, "io/job.html", context)


@login_required
@require_GET
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    if not job.running:
        url = reverse("io:job", args=[job.pk])
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return render(request, "io/_progress.html", {"job": job})


@login_required
@require_POST
def job_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    report = ImportReport.from_dict(job.report) if job.report else None
    if report is None or report.valid == 0 or report.stopped(job.keep_valid):
        return redirect("io:job", pk=job.pk)
    with transaction.atomic():
        # Only one confirmation starts the write, however often the button is pressed.
        started = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKED).update(
            status=ImportJob.Status.IMPORTING, processed_rows=0
        )
    if started:
        write_import_job.enqueue(job.pk)
    return redirect("io:job", pk=job.pk)


@login_required
@require_GET
def export_members(request: HttpRequest) -> HttpResponse:
    """The member list's rows (same filters) as .xlsx; full ID numbers only with reveal_id everywhere."""
    user = request.user
    _require_scope(user, "export", "您没有导出党员名册的权限")
    members = MemberFilter(request.GET, queryset=members_for_export(user)).qs
    unmasked = request.GET.get("unmasked") == "1"
    prefixes = scope_prefixes(user, "export")
    log_org = None if isinstance(prefixes, Everything) else common_organization(prefixes)
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="dangjian-export-")
    os.close(handle)
    try:
        members_export(actor=user, queryset=members, target=path, unmasked=unmasked, organization=log_org)
        stream = open(path, "rb")  # noqa: SIM115 - FileResponse closes it after streaming
    finally:
        # The open handle keeps the data readable; the name goes now so nothing is left behind.
        os.unlink(path)
    filename = "党员名册（含完整身份证号）.xlsx" if unmasked else "党员名册.xlsx"
    return FileResponse(stream, as_attachment=True, filename=filename)
