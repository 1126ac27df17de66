"""The platform's own endpoints: municipality, notices, search, token check."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from rathaus.core.search import services as search
from rathaus.core.ui.models import Notice

from .auth import ApiTokenAuth
from .schemas import BoundedPagination, ClientOut, MunicipalityOut, NoticeOut, SearchHitOut

router = Router(tags=["Plattform"])


@router.get("/municipality", response=MunicipalityOut, summary="Die Kommune dieses Hosts")
def municipality(request: HttpRequest) -> object:
    return request.municipality  # type: ignore[attr-defined]


@router.get("/notices", response=list[NoticeOut], summary="Veröffentlichte Meldungen")
@paginate(BoundedPagination)
def notices(request: HttpRequest) -> object:
    return Notice.objects.for_tenant(request).published()


class SearchParams(Schema):
    q: str
    kind: str | None = None


@router.get("/search", response=list[SearchHitOut], summary="Volltextsuche über alle Module")
def search_view(request: HttpRequest, params: Query[SearchParams]) -> object:
    kinds = [params.kind] if params.kind else None
    return [
        {"kind": h.kind, "title": h.title, "url": h.url, "snippet": h.snippet}
        for h in search.search(request.municipality, params.q[:200], kinds=kinds, limit=50)  # type: ignore[attr-defined]
    ]


@router.get("/me", response=ClientOut, auth=ApiTokenAuth(), summary="Prüft ein API-Token")
def me(request: HttpRequest) -> object:
    token = request.auth  # type: ignore[attr-defined]
    return {"token_name": token.name, "municipality": token.municipality.slug}
