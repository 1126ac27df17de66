"""Digital collection entries for the tenant-isolation test (see tests/isolation.py for the how-to)."""

from __future__ import annotations

import io
import tempfile
from typing import Any

from django.conf import settings

from rathaus.core.jobs.models import ImportJob
from rathaus.heritage import services
from rathaus.heritage.models import ImageStatus, ObjectImage, Status
from tests import isolation
from tests.isolation import Tenant


def _jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 60, 30)).save(buf, "JPEG")
    return buf.getvalue()


@isolation.seeder
def seed_heritage(t: Tenant) -> None:
    if not getattr(settings, "RATHAUS_HERITAGE_MEDIA_ROOT", ""):
        # The isolation test runs outside tests/heritage (whose fixture sets a temporary dir).
        settings.RATHAUS_HERITAGE_MEDIA_ROOT = tempfile.mkdtemp(prefix="heritage-isolation-")
    muni = t.municipality
    coll = services.save_collection(
        muni,
        {
            "slug": f"bestand-{t.key.lower()}",
            "title_de": t.marker("HERITAGE-SET"),
            "title_en": "",
            "level": "fonds",
            "description": "",
            "is_public": True,
            "parent": None,
        },
    )
    data: dict[str, Any] = {
        "inventory_number": t.marker("HERITAGE-INV"),
        "object_type": "painting",
        "title_de": t.marker("HERITAGE-TITLE"),
        "description": t.marker("HERITAGE-DESC"),
        "dating": "1800",
        "actors": [{"name": t.marker("HERITAGE-ACTOR"), "role": "Maler"}],
    }
    obj = services.save_object(muni, data, collections=[coll])
    services.transition(obj, Status.REVIEW)
    services.transition(obj, Status.PUBLISHED)
    raw = _jpeg()
    image = services.add_image(
        obj, io.BytesIO(raw), size=len(raw), name="a.jpg", alt_text=t.marker("HERITAGE-ALT")
    )
    services.tile(image)
    spare_image = ObjectImage.objects.create(
        municipality=muni,
        object=obj,
        original="x",
        width=10,
        height=10,
        alt_text=t.marker("HERITAGE-SPARE"),
        status=ImageStatus.READY,
    )
    doomed = services.save_object(
        muni,
        {
            **data,
            "inventory_number": t.marker("HERITAGE-DOOMED"),
            "title_de": t.marker("HERITAGE-DOOMED-TITLE"),
        },
    )
    # an import job of the collection (a core import job, ADR 0022) that was moved from the old
    # heritage job table: its old number in params["heritage_job"] (the old address redirects)
    job = ImportJob.objects.create(
        municipality=muni,
        kind="heritage.csv",
        file_name=t.marker("HERITAGE-FILE"),
        checksum="0" * 64,
        status=ImportJob.DONE,
        message=t.marker("HERITAGE-JOB-MESSAGE"),
    )
    job.params = {"dry_run": False, "heritage_job": 500 + job.pk}
    job.save(update_fields=["params"])
    t.add("heritage.object", obj)
    t.add("heritage.doomed", doomed)
    t.add("heritage.collection", coll)
    t.add("heritage.image", image)
    t.add("heritage.spare_image", spare_image)
    t.add("heritage.job", job)


def nothing(t: Tenant, obj: Any) -> dict[str, Any]:
    return {}


def object_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {
        "inventory_number": obj.inventory_number,
        "object_type": "painting",
        "title_de": "Geänderter Titel",
        "title_en": "",
        "description": "",
        "actors": "",
        "dating": "1801",
        "places": "",
        "materials": "",
        "techniques": "",
        "dimensions": "",
        "subjects": "",
        "institution": "",
        "institution_isil": "",
        "provenance": "",
        "credit_line": "",
        "metadata_rights": "http://creativecommons.org/publicdomain/zero/1.0/",
        "image_rights": "http://creativecommons.org/licenses/by/4.0/",
    }


def collection_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {
        "title_de": "Geänderter Bestand",
        "title_en": "",
        "slug": obj.slug,
        "parent": "",
        "level": "fonds",
        "description": "",
        "is_public": "on",
    }


def _public(o: Any) -> dict[str, Any]:
    return {"public_id": o.public_id}


def _spec(c: Any) -> dict[str, Any]:
    return {"spec": c.set_spec}


def _image(i: Any) -> dict[str, Any]:
    return {"image_id": i.image_id}


def _version(o: Any) -> dict[str, Any]:
    return {"pk": o.pk, "history_id": o.history.order_by("-history_id").first().history_id}


# Public pages and data.
isolation.object_url(
    "heritage:object", "heritage.object", kwargs=_public, shows=["HERITAGE-TITLE", "HERITAGE-SET"]
)
isolation.object_url("heritage:object_lido", "heritage.object", kwargs=_public, shows=["HERITAGE-TITLE"])
isolation.object_url("heritage:object_dc", "heritage.object", kwargs=_public, shows=["HERITAGE-TITLE"])
isolation.object_url(
    "heritage:collection", "heritage.collection", kwargs=_spec, shows=["HERITAGE-SET", "HERITAGE-TITLE"]
)
isolation.object_url(
    "heritage:collection_lido", "heritage.collection", kwargs=_spec, shows=["HERITAGE-TITLE"]
)
isolation.object_url("heritage_iiif_manifest", "heritage.object", kwargs=_public, shows=["HERITAGE-TITLE"])
isolation.object_url("heritage_iiif_collection", "heritage.collection", kwargs=_spec, shows=["HERITAGE-SET"])
isolation.object_url("heritage_iiif_info", "heritage.image", kwargs=_image)
isolation.object_url(
    "heritage_iiif_image",
    "heritage.image",
    kwargs=lambda i: {
        "image_id": i.image_id,
        "region": "full",
        "size": "max",
        "rotation": "0",
        "quality": "default",
        "fmt": "jpg",
    },
)
# The base URL redirects to info.json (303), so it is checked by B's id only.
isolation.object_url("heritage_iiif_base", "heritage.image", kwargs=_image, get=False, post=None)
# Cataloguing.
isolation.object_url("heritage:object_edit", "heritage.object", post=object_form, shows=["HERITAGE-TITLE"])
isolation.object_url("heritage:object_history", "heritage.object", shows=["HERITAGE-INV"])
isolation.object_url(
    "heritage:object_version", "heritage.object", kwargs=_version, post=nothing, shows=["HERITAGE-TITLE"]
)
isolation.object_url("heritage:object_images", "heritage.object", shows=["HERITAGE-ALT"])
isolation.object_url(
    "heritage:object_transition", "heritage.object", get=False, post=lambda t, o: {"to": "draft"}
)
isolation.object_url("heritage:object_delete", "heritage.doomed", get=False, post=nothing)
isolation.object_url("heritage:image_delete", "heritage.spare_image", get=False, post=nothing)
isolation.object_url(
    "heritage:collection_edit", "heritage.collection", post=collection_form, shows=["HERITAGE-SET"]
)
# The old job page only redirects a moved job to the shared job page (jobs:import_job, registered
# by the catalogue's cases); another municipality's old number is a 404.
isolation.object_url(
    "heritage:import_job", "heritage.job", kwargs=lambda j: {"pk": j.params["heritage_job"]}, own_status=302
)

isolation.page("heritage:index", shows=["HERITAGE-TITLE", "HERITAGE-ACTOR", "HERITAGE-SET"])
isolation.page("heritage:collections", shows=["HERITAGE-SET"])
isolation.page("heritage:manage", shows=["HERITAGE-TITLE", "HERITAGE-FILE"])
isolation.page("heritage:collection_list", shows=["HERITAGE-SET"])
isolation.page("heritage:export_csv", shows=["HERITAGE-TITLE"])
isolation.page("heritage:export_lido", shows=["HERITAGE-TITLE"])
isolation.page("heritage_oai", query="verb=ListRecords&metadataPrefix=oai_dc", shows=["HERITAGE-TITLE"])
