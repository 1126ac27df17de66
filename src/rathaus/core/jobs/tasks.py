"""The background task of import jobs (``rathaus.core.jobs.imports``)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import_job(job_pk: int) -> str:
    """Run the importer of one queued import job; progress and outcome are written to the job."""
    from . import imports

    return imports.run(job_pk)
