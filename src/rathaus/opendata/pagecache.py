"""Page cache declaration of the open data portal (ADR 0017), DCAT-AP.de included."""

from rathaus.core.pagecache.registry import register

from .models import CatalogSettings, Dataset, DatasetKeyword, DatasetTheme, Distribution

register(
    "opendata",
    models=[Dataset, DatasetTheme, DatasetKeyword, Distribution, CatalogSettings],
    pages=[
        "opendata:index",
        "opendata:dataset",
        "dcat_catalog_ttl",
        "dcat_catalog_rdf",
        "dcat_catalog_jsonld",
    ],
)
