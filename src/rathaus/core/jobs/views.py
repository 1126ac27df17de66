"""The one job page of import jobs (``rathaus.core.jobs.imports``), shared by every module."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from rathaus.core.accounts.permissions import manages_module, staff_required
from rathaus.core.pagecache.private import private_page
from rathaus.core.tenancy.services import tenant_object_or_404
from rathaus.core.tenancy.types import RathausRequest

from . import imports
from .models import ImportJob


def _counts(job: ImportJob) -> list[tuple[str, int]]:
    """The result counts the page names (``created``, ``updated``, ``failed``), in this order."""
    result = job.result if isinstance(job.result, dict) else {}
    labels = {
        "created": _("würden neu angelegt") if job.dry_run else _("neu angelegt"),
        "updated": _("würden aktualisiert") if job.dry_run else _("aktualisiert"),
        "failed": _("fehlerhaft (nicht übernommen)"),
    }
    return [(label, result[key]) for key, label in labels.items() if isinstance(result.get(key), int)]


def _url(name: str) -> str:
    try:
        return reverse(name) if name else ""
    except NoReverseMatch:
        return ""


def _result_url(job: ImportJob) -> str:
    """The page of what a finished job imported (``result["url"]``, set by the importer); only a
    path on this site is linked."""
    url = job.result.get("url") if job.status == ImportJob.DONE and isinstance(job.result, dict) else None
    if isinstance(url, str) and url.startswith("/") and not url.startswith(("//", "/\\")):
        return url
    return ""


@staff_required
@private_page("jobs")  # the manager's own copy; the module check below runs again on a new role
def import_job(request: RathausRequest, pk: int) -> HttpResponse:
    """Status, progress and messages of one job; only managers of the importer's module see it."""
    job = tenant_object_or_404(ImportJob, request, pk=pk)
    try:
        spec = imports.importer(job.kind)
    except LookupError:
        spec = None
    if spec is None or not manages_module(request, spec.module):
        raise PermissionDenied
    counts = _counts(job)
    # An importer that saves good rows one by one (ADR 0022) may have saved some before it failed.
    saved_some = (
        job.status == ImportJob.FAILED
        and not spec.all_or_nothing
        and not job.dry_run
        and (job.done > 0 or any(v for k, v in (job.result or {}).items() if k in ("created", "updated")))
    )
    return render(
        request,
        "jobs/import_job.html",
        {
            "job": job,
            "back_url": _url(spec.back_url_name),
            "start_url": _url(spec.start_url_name),
            "counts": counts,
            "saved_some": saved_some,
            "result_url": _result_url(job),
            # the stored file was deleted after RATHAUS_IMPORT_FILE_DAYS (imports.purge_files)
            "file_purged": job.status in imports.FINISHED and not job.file_path,
            "file_days": imports.file_days(),
        },
    )
