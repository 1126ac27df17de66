"""Background tasks of the digital collection (django-tasks): tiling images.

Imports run as core import jobs (``rathaus.core.jobs.imports``, ADR 0022).
"""

from __future__ import annotations

from django_tasks import task

from .models import ObjectImage


@task()
def tile_image(image_pk: int) -> str:
    """Build the tile pyramid of one uploaded image (pyvips)."""
    from . import services

    image = ObjectImage.objects.filter(pk=image_pk).first()
    if image is None:
        return "gone"
    services.tile(image)
    return "ready"
