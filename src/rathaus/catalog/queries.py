"""Read paths of the service catalog (public list, A–Z, detail, staff list)."""

from __future__ import annotations

import string
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Prefetch, QuerySet, When
from django.urls import Resolver404, resolve

from rathaus.core.search import services as search
from rathaus.core.tenancy.models import Municipality

from .models import LifeSituation, Reifegrad, Service
from .search_provider import KIND

PAGE_SIZE = 20
SEARCH_LIMIT = 200
LETTERS = list(string.ascii_uppercase)


@dataclass(frozen=True)
class ServiceFilter:
    q: str = ""
    themenfeld: str = ""
    lebenslage: str = ""
    letter: str = ""


def life_situations(municipality: Municipality) -> QuerySet[LifeSituation]:
    return LifeSituation.objects.for_tenant(municipality)


def letters_in_use(municipality: Municipality) -> set[str]:
    return set(
        Service.objects.for_tenant(municipality).published().values_list("letter", flat=True).distinct()
    )


def _search_ids(municipality: Municipality, q: str) -> list[int]:
    ids = []
    for hit in search.search(municipality, q, kinds=[KIND], limit=SEARCH_LIMIT):
        try:
            match = resolve(hit.url)
        except Resolver404:
            continue
        if match.view_name == "catalog:detail":
            ids.append(int(match.kwargs["pk"]))
    return ids


LIST_FIELDS = ("pk", "name", "summary", "themenfeld", "online_available", "online_url", "reifegrad", "letter")


def public_services(municipality: Municipality, flt: ServiceFilter) -> QuerySet[Service]:
    """Published services matching the filter: ranked by relevance when searching, else by name."""
    qs: QuerySet[Service] = Service.objects.for_tenant(municipality).published().only(*LIST_FIELDS)
    if flt.themenfeld:
        qs = qs.filter(themenfeld=flt.themenfeld)
    if flt.lebenslage:
        qs = qs.filter(life_situations__slug=flt.lebenslage)
    if flt.letter:
        qs = qs.filter(letter=flt.letter)
    if flt.q:
        ids = _search_ids(municipality, flt.q)
        rank = Case(*[When(pk=pk, then=n) for n, pk in enumerate(ids)], output_field=IntegerField())
        qs = qs.filter(pk__in=ids)
        return qs.annotate(rank=rank).order_by("rank", "name") if ids else qs.none()
    return qs.order_by("name", "pk")


def service_detail(municipality: Municipality) -> QuerySet[Service]:
    return (
        Service.objects.for_tenant(municipality)
        .published()
        .select_related("department", "municipality")
        .prefetch_related(
            Prefetch("life_situations", queryset=LifeSituation.objects.order_by("order", "name"))
        )
    )


def staff_services(municipality: Municipality, q: str = "") -> QuerySet[Service]:
    qs = Service.objects.for_tenant(municipality).select_related("department").order_by("name", "pk")
    if q:
        qs = qs.filter(name__icontains=q)
    return qs


def online_form_url(municipality: Municipality, leika: str, service_id: int | None = None) -> str | None:
    """The online form of the service (a designed form linked to it, or the FIM form for its LeiKa
    key), if the form engine has one (optional dependency)."""
    if not leika and not service_id:
        return None
    try:
        from rathaus.fim import queries as fim_queries
    except ImportError:
        return None
    finder = getattr(fim_queries, "form_for_service", None)
    if finder is None:
        return None
    url = finder(municipality, leika, service_id)
    return str(url) if url else None


def shown_reifegrad(service: Service, has_offer: bool) -> Reifegrad:
    """The Reifegrad the portal states: the stored one, but at most 1 (Information online) while there
    is no online offer (e.g. the form was withdrawn after the service was saved)."""
    level = Reifegrad(service.reifegrad)
    if not has_offer and level >= Reifegrad.FORMULAR:
        return Reifegrad.INFORMATION
    return level


def service_for_leika(municipality: Municipality, leika: str) -> Service | None:
    """The municipality's catalogue service with this LeiKa key (other apps use this)."""
    if not leika:
        return None
    return Service.objects.for_tenant(municipality).filter(leika=leika).order_by("pk").first()
