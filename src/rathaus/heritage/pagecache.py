"""Page cache declaration of the heritage collection (ADR 0017), OAI-PMH and IIIF included."""

from rathaus.core.pagecache.registry import register

from .models import Collection, FacetValue, HeritageObject, ObjectImage, SearchIndexState, Tombstone

register(
    "heritage",
    models=[Collection, HeritageObject, FacetValue, ObjectImage, Tombstone, SearchIndexState],
    pages=[
        "heritage:index",
        "heritage:object",
        "heritage:object_lido",
        "heritage:object_dc",
        "heritage:collections",
        "heritage:collection",
        "heritage:collection_lido",
        "heritage:export_csv",
        "heritage:export_lido",
        "heritage:export_figures",
        "heritage_oai",
        "heritage_iiif_manifest",
        "heritage_iiif_collection",
        "heritage_iiif_info",
    ],
)
