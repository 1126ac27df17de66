"""Page cache declaration of the search (ADR 0017): every module writes its search documents."""

from rathaus.core.pagecache.registry import register

from .models import SearchDocument

register("search", models=[SearchDocument], pages=["search:search", "api:search_view"])
