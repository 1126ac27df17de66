"""JSON API of the service catalog: public reads, writes with an API token of the municipality."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from rathaus.api.auth import ApiTokenAuth, TokenRequest
from rathaus.api.schemas import BoundedPagination, DbId, ErrorOut
from rathaus.core.accounts.models import Department
from rathaus.core.context import ServiceContext
from rathaus.core.tenancy.services import tenant_object_or_404
from rathaus.core.tenancy.types import RathausRequest

from . import queries, services
from .models import MODULE_FIELDS, LifeSituation, Service, Themenfeld

router = Router(tags=["Leistungskatalog"])


class ServiceOut(Schema):
    id: int
    leika: str
    name: str
    summary: str
    themenfeld: str
    lebenslagen: list[str]
    synonyms: list[str]
    volltext: str
    voraussetzungen: str
    unterlagen: str
    kosten: str
    fristen: str
    bearbeitungsdauer: str
    rechtsgrundlagen: str
    hinweise: str
    department: str | None
    contact: str
    opening_hours: str
    online_available: bool
    reifegrad: int
    online_url: str
    is_published: bool
    url: str


# The constraints of the model and the service layer, stated in the schema so that the API documents
# exactly what it accepts (a name of blanks is refused, so the schema asks for a visible character).
_VISIBLE = r"\S"


class ServiceIn(Schema):
    leika: str = Field("", pattern=r"^(99\d{12})?$")
    name: str = Field(min_length=1, max_length=200, pattern=_VISIBLE)
    summary: str = Field(min_length=1, max_length=400, pattern=_VISIBLE)
    themenfeld: Themenfeld
    lebenslagen: list[str] = []
    synonyms: list[str] = []
    volltext: str = ""
    voraussetzungen: str = ""
    unterlagen: str = ""
    kosten: str = ""
    fristen: str = ""
    bearbeitungsdauer: str = ""
    rechtsgrundlagen: str = ""
    hinweise: str = ""
    department: str | None = None
    contact: str = ""
    opening_hours: str = ""
    online_available: bool = False
    reifegrad: int = Field(0, ge=0, le=4)
    online_url: str = Field("", max_length=500)
    is_published: bool = True


def _out(request: HttpRequest, s: Service) -> dict[str, Any]:
    return {
        "id": s.pk,
        "leika": s.leika,
        "name": s.name,
        "summary": s.summary,
        "themenfeld": s.themenfeld,
        "lebenslagen": [ls.name for ls in s.life_situations.all()],
        "synonyms": s.synonym_list,
        **{f: getattr(s, f) for f in MODULE_FIELDS},
        "department": s.department.name if s.department else None,
        "contact": s.contact,
        "opening_hours": s.opening_hours,
        "online_available": s.online_available,
        "reifegrad": s.reifegrad,
        "online_url": s.online_url,
        "is_published": s.is_published,
        "url": request.build_absolute_uri(reverse("catalog:detail", args=[s.pk])),
    }


def _base(request: RathausRequest) -> QuerySet[Service]:
    return queries.service_detail(request.municipality)


@router.get("", response=list[ServiceOut], url_name="catalog_services", summary="Veröffentlichte Leistungen")
@paginate(BoundedPagination)
def list_services(request: RathausRequest, themenfeld: str = "", leika: str = "") -> Any:
    qs = _base(request).order_by("name", "pk")
    if themenfeld:
        qs = qs.filter(themenfeld=themenfeld[:30])
    if leika:
        qs = qs.filter(leika=leika[:14])
    return [_out(request, s) for s in qs]


@router.get(
    "/{pk}",
    response={200: ServiceOut, 404: ErrorOut},
    url_name="catalog_service",
    summary="Eine veröffentlichte Leistung",
)
def get_service(request: RathausRequest, pk: DbId) -> Any:
    return _out(request, tenant_object_or_404(_base(request), request, pk=pk))


def _apply(request: TokenRequest, service: Service, data: ServiceIn) -> Service:
    muni = request.municipality
    department = None
    if data.department:
        department = Department.objects.for_tenant(muni).filter(name=data.department).first()
        if department is None:
            raise HttpError(422, f"Unbekannter Fachbereich / unknown department: {data.department}")
    situations = []
    known = {s.name.lower(): s for s in LifeSituation.objects.for_tenant(muni)}
    known.update({s.slug: s for s in list(known.values())})
    for name in data.lebenslagen:
        found = known.get(name.strip().lower())
        if found is None:
            raise HttpError(422, f"Unbekannte Lebenslage / unknown life situation: {name}")
        situations.append(found)
    for attr in (
        "leika",
        "name",
        "summary",
        *MODULE_FIELDS,
        "contact",
        "opening_hours",
        "online_url",
    ):
        setattr(service, attr, getattr(data, attr).strip())
    service.themenfeld = data.themenfeld.value
    service.synonyms = ", ".join(s.strip() for s in data.synonyms if s.strip())
    service.department = department
    service.online_available = data.online_available
    service.reifegrad = data.reifegrad
    service.is_published = data.is_published
    token = request.auth
    try:
        return services.save_service(
            service,
            life_situations=situations,
            actor=getattr(token, "created_by", None),
            ctx=ServiceContext.from_request(request, channel="api"),
            reason=f"API ({token.name})",
        )
    except DjangoValidationError as exc:
        raise HttpError(422, "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None


@router.post(
    "",
    response={201: ServiceOut},
    auth=ApiTokenAuth(),
    url_name="catalog_services",
    summary="Leistung anlegen",
)
def create_service(request: TokenRequest, data: ServiceIn) -> Any:
    service = _apply(request, Service(municipality=request.municipality), data)
    return 201, _out(request, service)


@router.put(
    "/{pk}",
    response={200: ServiceOut, 404: ErrorOut},
    auth=ApiTokenAuth(),
    url_name="catalog_service",
    summary="Leistung ändern",
)
def update_service(request: TokenRequest, pk: DbId, data: ServiceIn) -> Any:
    service = tenant_object_or_404(Service, request, pk=pk)
    return _out(request, _apply(request, service, data))
