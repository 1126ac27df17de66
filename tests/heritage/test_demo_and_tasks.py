"""The demo step (idempotent, realistic, images tiled) and the background tasks."""

from __future__ import annotations

import io
from types import SimpleNamespace

from rathaus.core.jobs.models import ImportJob
from rathaus.heritage import demo, services
from rathaus.heritage.models import Collection, HeritageObject, ImageStatus, ObjectImage, Status

from .conftest import jpeg_bytes, make_object


def test_demo_step_is_idempotent(muni_a, client_a):
    cmd = SimpleNamespace(stdout=io.StringIO())
    demo.heritage_demo(cmd)
    objs = HeritageObject.objects.for_tenant(muni_a)
    assert objs.count() == len(demo.OBJECTS) == 30
    assert objs.filter(status=Status.PUBLISHED).count() >= 25
    assert objs.filter(status=Status.DRAFT).exists() and objs.filter(status=Status.REVIEW).exists()
    assert Collection.objects.for_tenant(muni_a).filter(set_spec="museum:kinderwagen").exists()
    assert ObjectImage.objects.filter(status=ImageStatus.READY).count() == 30
    counts = (HeritageObject.history.count(), ObjectImage.objects.count(), Collection.objects.count())
    demo.heritage_demo(cmd)
    assert (HeritageObject.history.count(), ObjectImage.objects.count(), Collection.objects.count()) == counts
    html = client_a.get("/sammlung/?sammlung=museum:kinderwagen").content.decode()
    assert "Korbkinderwagen mit Verdeck" in html and "Prototyp" not in html


def test_tile_task_via_enqueue(muni_a, django_capture_on_commit_callbacks):
    obj = make_object(muni_a)
    data = jpeg_bytes(300, 200)
    with django_capture_on_commit_callbacks(execute=True):
        image = services.add_image(obj, io.BytesIO(data), size=len(data), name="a.jpg", alt_text="Ansicht")
    image.refresh_from_db()
    obj.refresh_from_db()
    assert image.status == ImageStatus.READY and obj.has_image


def test_import_task_via_enqueue(muni_a, django_capture_on_commit_callbacks):
    from rathaus.core.context import ServiceContext
    from rathaus.heritage import importers

    with django_capture_on_commit_callbacks(execute=True):
        job, started = importers.start_job(
            ServiceContext.for_task(muni_a),
            "csv",
            "a.csv",
            b"inventarnummer,objektart,titel\nA-1,Karte,Plan\n",
            dry_run=False,
        )
    job = ImportJob.objects.get(pk=job.pk)
    assert started and job.status == "done" and job.result["created"] == 1 and job.percent == 100
    assert HeritageObject.objects.filter(inventory_number="A-1").exists()
