"""Open-data entries for the tenant-isolation test (see tests/isolation.py for the how-to)."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from rathaus.opendata import services
from rathaus.opendata.models import Dataset, DatasetStatus
from tests import isolation
from tests.isolation import Tenant


@isolation.seeder
def seed_opendata(t: Tenant) -> None:
    ds = Dataset(
        municipality=t.municipality,
        title=t.marker("OD-DATASET"),
        description=t.marker("OD-DESCRIPTION"),
        licence="http://dcat-ap.de/def/licenses/dl-by-de/2.0",
    )
    services.save_dataset(ds, themes=["GOVE"], keywords=[t.marker("OD-KEYWORD")])
    services.set_status(ds, DatasetStatus.PUBLISHED)
    dist = services.add_file(
        ds,
        SimpleUploadedFile("daten.csv", f"spalte\n{t.marker('OD-CELL')}\n".encode()),
        title=t.marker("OD-FILE"),
    )
    t.add("opendata.dataset", ds)
    t.add("opendata.distribution", dist)


def dataset_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {
        "title": "Geänderter Datensatz",
        "description": "Neu",
        "licence": "",
        "accrual_periodicity": "IRREG",
        "themes": ["GOVE"],
        "keywords": "",
    }


def link_form(t: Tenant, obj: Any) -> dict[str, Any]:
    return {"title": "Link", "url": "https://daten.example/x.csv", "format": "CSV", "licence": ""}


def nothing(t: Tenant, obj: Any) -> dict[str, Any]:
    return {}


isolation.object_url("opendata:dataset", "opendata.dataset", shows=["OD-DATASET", "OD-CELL", "OD-FILE"])
isolation.object_url(
    "opendata:download", "opendata.distribution", kwargs=lambda d: {"pk": d.dataset_id, "dist_pk": d.pk}
)
isolation.object_url("opendata:edit", "opendata.dataset", post=dataset_form, shows=["OD-DATASET"])
isolation.object_url("opendata:add_link", "opendata.dataset", get=False, post=link_form)
isolation.object_url("opendata:upload", "opendata.dataset", get=False, post=nothing, post_ok={422})
isolation.object_url("opendata:publish", "opendata.dataset", get=False, post=nothing)
isolation.object_url("opendata:delete", "opendata.dataset", get=False, post=nothing)
isolation.object_url("opendata:distribution_delete", "opendata.distribution", get=False, post=nothing)
isolation.page("opendata:index", shows=["OD-DATASET", "OD-KEYWORD"])
isolation.page("opendata:manage", shows=["OD-DATASET"])
isolation.page("dcat_catalog_ttl", shows=["OD-DATASET", "OD-FILE"])
isolation.page("dcat_catalog_rdf", shows=["OD-DATASET"])
isolation.page("dcat_catalog_jsonld", shows=["OD-DATASET"])
