"""The platform's own endpoints: municipality, notices, search, token check."""

from __future__ import annotations

from ninja import Query, Router, Schema
from ninja.pagination import paginate

from rathaus.core.search import services as search
from rathaus.core.tenancy.types import RathausRequest
from rathaus.core.ui.models import Notice

from .auth import ApiTokenAuth, TokenRequest
from .schemas import BoundedPagination, ClientOut, MunicipalityOut, NoticeOut, SearchHitOut

router = Router(tags=["Plattform"])


@router.get("/municipality", response=MunicipalityOut, summary="Die Kommune dieses Hosts")
def municipality(request: RathausRequest) -> object:
    return request.municipality


@router.get("/notices", response=list[NoticeOut], summary="Veröffentlichte Meldungen")
@paginate(BoundedPagination)
def notices(request: RathausRequest) -> object:
    return Notice.objects.for_tenant(request).published()


class SearchParams(Schema):
    q: str
    kind: str | None = None


@router.get("/search", response=list[SearchHitOut], summary="Volltextsuche über alle Module")
def search_view(request: RathausRequest, params: Query[SearchParams]) -> object:
    kinds = [params.kind] if params.kind else None
    return [
        {"kind": h.kind, "title": h.title, "url": h.url, "snippet": h.snippet}
        for h in search.search(request.municipality, params.q[:200], kinds=kinds, limit=50)
    ]


@router.get("/me", response=ClientOut, auth=ApiTokenAuth(), summary="Prüft ein API-Token")
def me(request: TokenRequest) -> object:
    token = request.auth
    return {"token_name": token.name, "municipality": token.municipality.slug}
