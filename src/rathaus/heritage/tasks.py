"""Background tasks of the digital collection (django-tasks): tiling images, running imports."""

from __future__ import annotations

from django_tasks import task

from .models import ImportJob, ObjectImage


@task()
def tile_image(image_pk: int) -> str:
    """Build the tile pyramid of one uploaded image (pyvips)."""
    from . import services

    image = ObjectImage.objects.filter(pk=image_pk).first()
    if image is None:
        return "gone"
    services.tile(image)
    return "ready"


@task()
def run_import(job_pk: int) -> str:
    """Process one CSV or LIDO import job; progress is written to the job as it runs."""
    from . import importers

    job = ImportJob.objects.filter(pk=job_pk).first()
    if job is None:
        return "gone"
    importers.run(job)
    return job.status
