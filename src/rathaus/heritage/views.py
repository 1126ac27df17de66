"""Pages and endpoints of the digital collection. Views are thin: parse input, call a service, render."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from lxml import etree

from rathaus.core import exports
from rathaus.core.accounts.permissions import manages_module, module_required, public
from rathaus.core.context import ServiceContext
from rathaus.core.jobs import imports
from rathaus.core.tenancy.services import primary_host, tenant_object_or_404
from rathaus.core.tenancy.types import RathausRequest

from . import iiif, importers, lido, media, oai, queries, services
from .forms import CollectionForm, ImageForm, ImportForm, ObjectForm
from .models import (
    RIGHTS_LABEL,
    Collection,
    HeritageObject,
    ImageStatus,
    ObjectImage,
    Status,
)

MODULE = "heritage"
R = TypeVar("R", bound=HttpResponseBase)


def _site(request: RathausRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _institution(request: RathausRequest) -> str:
    muni = request.municipality
    return str(muni.official_name or muni.name)


def _ctx(request: RathausRequest, obj: HeritageObject) -> lido.Context:
    images = [i for i in obj.images.all() if i.status == ImageStatus.READY]
    collections = [c for c in obj.collections.all() if c.is_public]
    return lido.Context(
        base=_site(request), institution=_institution(request), images=images, collections=collections
    )


# --- Public pages ------------------------------------------------------------------------------


@public
def index(request: RathausRequest) -> HttpResponse:
    params = queries.Params.from_query(request.GET)
    result = queries.search(request.municipality, params)
    return render(
        request,
        "heritage/index.html",
        {
            "result": result,
            "params": params,
            "query": params.query(),
            "sorts": [
                ("titel", _("Titel")),
                ("datum", _("Datierung aufsteigend")),
                ("datum_ab", _("Datierung absteigend")),
                ("neu", _("zuletzt veröffentlicht")),
                ("inventar", _("Inventarnummer")),
            ],
            "facet_groups": [
                (key, title, result.facets[key])
                for key, title in [
                    ("typ", _("Objektart")),
                    ("jahrhundert", _("Zeitraum")),
                    ("ort", _("Ort")),
                    ("person", _("Person / Körperschaft")),
                    ("material", _("Material")),
                    ("sammlung", _("Sammlung")),
                    ("lizenz", _("Lizenz")),
                ]
                if result.facets.get(key)
            ],
            "rights_label": RIGHTS_LABEL,
        },
    )


def _visible_object(request: RathausRequest, public_id: str) -> HeritageObject:
    qs = HeritageObject.objects.prefetch_related("images", "collections")
    obj: HeritageObject = tenant_object_or_404(qs, request, public_id=public_id)
    if obj.status != Status.PUBLISHED and not manages_module(request, MODULE):
        raise Http404
    return obj


def _json_ld(request: RathausRequest, obj: HeritageObject, images: list[ObjectImage]) -> str:
    url = _site(request) + obj.get_absolute_url()
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "VisualArtwork"
        if obj.object_type in ("painting", "graphic", "sculpture", "photograph")
        else "CreativeWork",
        "@id": url,
        "url": url,
        "name": obj.title_de,
        "identifier": obj.inventory_number,
        "description": obj.description[:2000],
        "dateCreated": obj.dating or None,
        "creator": [
            {"@type": "Person", "name": a["name"], **({"sameAs": a["gnd"]} if a.get("gnd") else {})}
            for a in obj.actors or []
        ],
        "locationCreated": [
            {"@type": "Place", "name": p["label"], **({"sameAs": p["uri"]} if p.get("uri") else {})}
            for p in obj.places or []
        ],
        "material": [m["label"] for m in obj.materials or []],
        "keywords": [s["label"] for s in obj.subjects or []],
        "license": obj.image_rights,
        "isPartOf": [
            {"@type": "Collection", "name": c.title_de, "url": _site(request) + c.get_absolute_url()}
            for c in obj.collections.all()
            if c.is_public
        ],
        "holdingArchive" if obj.object_type == "document" else "sourceOrganization": {
            "@type": "Organization",
            "name": obj.institution or _institution(request),
        },
        "image": [f"{_site(request)}/iiif/{i.image_id}/full/max/0/default.jpg" for i in images],
        "subjectOf": {
            "@type": "CreativeWork",
            "url": f"{_site(request)}/iiif/manifest/{obj.public_id}",
            "encodingFormat": "application/ld+json",
        },
    }
    data = {k: v for k, v in data.items() if v not in (None, "", [])}
    # Escape "<" so the JSON can never close the script element.
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


@public
def object_detail(request: RathausRequest, public_id: str) -> HttpResponse:
    obj = _visible_object(request, public_id)
    images = [i for i in obj.images.all() if i.status == ImageStatus.READY]
    return render(
        request,
        "heritage/object.html",
        {
            "obj": obj,
            "images": images,
            "first_image": images[0] if images else None,
            "collections": [c for c in obj.collections.all() if c.is_public],
            "permalink": _site(request) + obj.get_absolute_url(),
            "json_ld": _json_ld(request, obj, images),
            "rights_label": RIGHTS_LABEL,
            "can_edit": manages_module(request, MODULE),
        },
    )


def _xml_response(root: etree._Element, filename: str | None = None) -> HttpResponse:
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    response = HttpResponse(body, content_type="application/xml; charset=utf-8")
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@public
def object_lido(request: RathausRequest, public_id: str) -> HttpResponse:
    obj = _visible_object(request, public_id)
    return _xml_response(lido.lido_wrap([lido.lido_record(obj, _ctx(request, obj))]))


@public
def object_dc(request: RathausRequest, public_id: str) -> HttpResponse:
    obj = _visible_object(request, public_id)
    return _xml_response(lido.dc_record(obj, _ctx(request, obj)))


@public
def collections(request: RathausRequest) -> HttpResponse:
    return render(
        request, "heritage/collections.html", {"collections": queries.collection_tree(request.municipality)}
    )


def _public_collection(request: RathausRequest, spec: str) -> Collection:
    coll: Collection = tenant_object_or_404(Collection.objects.filter(is_public=True), request, set_spec=spec)
    return coll


@public
def collection(request: RathausRequest, spec: str) -> HttpResponse:
    coll = _public_collection(request, spec)
    params = queries.Params(sammlung=coll.set_spec, page=queries._int(request.GET.get("seite")) or 1)
    result = queries.search(request.municipality, params)
    return render(
        request,
        "heritage/collection.html",
        {
            "collection": coll,
            "children": coll.children.filter(is_public=True),
            "result": result,
            "query": "",
        },
    )


_STREAM_CHUNK = 200


def _stream_lido(request: RathausRequest, qs: Any) -> Iterator[bytes]:
    yield (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<lido:lidoWrap xmlns:lido="http://www.lido-schema.org" '
        b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        b'xsi:schemaLocation="http://www.lido-schema.org '
        b'http://www.lido-schema.org/schema/v1.0/lido-v1.0.xsd">\n'
    )
    last = 0
    while True:
        chunk = list(
            qs.filter(pk__gt=last).order_by("pk").prefetch_related("images", "collections")[:_STREAM_CHUNK]
        )
        if not chunk:
            break
        for obj in chunk:
            yield lido.lido_bytes(obj, _ctx(request, obj)) + b"\n"
        last = chunk[-1].pk
    yield b"</lido:lidoWrap>\n"


@public
def collection_lido(request: RathausRequest, spec: str) -> StreamingHttpResponse:
    coll = _public_collection(request, spec)
    qs = queries.filtered(request.municipality, queries.Params(sammlung=coll.set_spec))
    response = StreamingHttpResponse(_stream_lido(request, qs), content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="lido-{coll.set_spec.replace(":", "-")}.xml"'
    return response


@public
def export_lido(request: RathausRequest) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        _stream_lido(request, queries.published(request.municipality)),
        content_type="application/xml; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="sammlung-lido.xml"'
    return response


CSV_HEADER = [
    "public_id",
    "url",
    "inventarnummer",
    "objektart",
    "titel",
    "titel_en",
    "personen",
    "datierung",
    "fruehestes_jahr",
    "spaetestes_jahr",
    "orte",
    "material",
    "technik",
    "schlagworte",
    "institution",
    "rechte_metadaten",
    "rechte_abbildungen",
    "sammlungen",
    "mit_abbildung",
    "datestamp",
]


def _csv_rows(request: RathausRequest, qs: Any) -> Iterator[list[Any]]:
    yield CSV_HEADER
    site = _site(request)
    last = 0
    while True:
        chunk = list(qs.filter(pk__gt=last).order_by("pk").prefetch_related("collections")[:1000])
        if not chunk:
            break
        for o in chunk:
            yield [
                o.public_id,
                site + o.get_absolute_url(),
                o.inventory_number,
                o.object_type,
                o.title_de,
                o.title_en,
                " | ".join(
                    f"{a['name']} ({a.get('role', '')})" + (f" <{a['gnd']}>" if a.get("gnd") else "")
                    for a in o.actors or []
                ),
                o.dating,
                o.date_earliest if o.date_earliest is not None else "",
                o.date_latest if o.date_latest is not None else "",
                " | ".join(t["label"] + (f" <{t['uri']}>" if t.get("uri") else "") for t in o.places or []),
                " | ".join(t["label"] for t in o.materials or []),
                " | ".join(t["label"] for t in o.techniques or []),
                " | ".join(t["label"] + (f" <{t['uri']}>" if t.get("uri") else "") for t in o.subjects or []),
                o.institution,
                o.metadata_rights,
                o.image_rights,
                " | ".join(c.set_spec for c in o.collections.all() if c.is_public),
                "ja" if o.has_image else "nein",
                o.datestamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
            ]
        last = chunk[-1].pk


@public
def export_csv(request: RathausRequest) -> StreamingHttpResponse:
    return exports.csv_response(
        _csv_rows(request, queries.published(request.municipality)), "sammlung-objekte.csv"
    )


@public
def export_figures(request: RathausRequest) -> JsonResponse:
    from .figures import figures_of

    return JsonResponse(figures_of(request.municipality))


# --- OAI-PMH -----------------------------------------------------------------------------------


@csrf_exempt
@require_http_methods(["GET", "POST"])
@public
def oai_endpoint(request: RathausRequest) -> HttpResponse:
    muni = request.municipality
    if muni is None:
        raise Http404
    source = request.POST if request.method == "POST" else request.GET
    query = {k: source.getlist(k) for k in source}
    repo = oai.Repo(
        municipality=muni,
        base_url=_site(request) + "/oai",
        site=_site(request),
        host=primary_host(muni),
        institution=_institution(request),
    )
    body, status = oai.handle(repo, query)
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


# --- IIIF --------------------------------------------------------------------------------------


def _cors(response: R) -> R:
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _iiif_image(request: RathausRequest, image_id: str) -> ObjectImage:
    qs = ObjectImage.objects.select_related("object").filter(status=ImageStatus.READY)
    image: ObjectImage = tenant_object_or_404(qs, request, image_id=image_id)
    if image.object.status != Status.PUBLISHED and not manages_module(request, MODULE):
        raise Http404
    return image


def _iiif_error(status: int, message: str) -> HttpResponse:
    return _cors(HttpResponse(message, status=status, content_type="text/plain; charset=utf-8"))


@public
def iiif_base(request: RathausRequest, image_id: str) -> HttpResponse:
    _iiif_image(request, image_id)
    return _cors(HttpResponseRedirect(f"/iiif/{image_id}/info.json", status=303))


@public
def iiif_info(request: RathausRequest, image_id: str) -> HttpResponse:
    image = _iiif_image(request, image_id)
    data = iiif.info_json(f"{_site(request)}/iiif/{image.image_id}", image.width, image.height, image.rights)
    wants_ld = "application/ld+json" in request.headers.get("Accept", "")
    ctype = (
        'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'
        if wants_ld
        else "application/json"
    )
    response = HttpResponse(json.dumps(data), content_type=ctype)
    response["Link"] = f'<{iiif.PROFILE_URI}>;rel="profile"'
    response["Cache-Control"] = "public, max-age=3600"
    return _cors(response)


@public
def iiif_image(
    request: RathausRequest, image_id: str, region: str, size: str, rotation: str, quality: str, fmt: str
) -> HttpResponseBase:
    image = _iiif_image(request, image_id)
    try:
        out, ctype = iiif.render(
            image.municipality_id,
            image.image_id,
            image.width,
            image.height,
            region,
            size,
            rotation,
            quality,
            fmt,
        )
    except iiif.IiifError as exc:
        return _iiif_error(exc.status, exc.message)
    response: HttpResponseBase
    if isinstance(out, iiif.StoredTile):
        response = FileResponse(out.stream, content_type=ctype)
        if out.size is not None:
            response["Content-Length"] = str(out.size)
    elif isinstance(out, Path):
        try:
            handle = out.open("rb")
        except OSError as exc:  # tile removed or unreadable after the check
            error = iiif.missing_master(out, exc)
            return _iiif_error(error.status, error.message)
        response = FileResponse(handle, content_type=ctype)
    else:
        response = HttpResponse(out, content_type=ctype)
    response["Link"] = f'<{iiif.PROFILE_URI}>;rel="profile"'
    response["Cache-Control"] = "public, max-age=86400"
    return _cors(response)


@public
def iiif_manifest(request: RathausRequest, public_id: str) -> HttpResponse:
    obj = _visible_object(request, public_id)
    images = [i for i in obj.images.all() if i.status == ImageStatus.READY]
    data = iiif.manifest(
        obj,
        images,
        _site(request),
        _site(request) + obj.get_absolute_url(),
        obj.institution or _institution(request),
    )
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False),
        content_type='application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"',
    )
    return _cors(response)


@public
def iiif_collection(request: RathausRequest, spec: str) -> HttpResponse:
    coll = _public_collection(request, spec)
    objects = list(
        queries.filtered(request.municipality, queries.Params(sammlung=coll.set_spec))
        .only("public_id", "title_de", "title_en")
        .order_by("title_de", "pk")
    )
    children = list(coll.children.filter(is_public=True))
    data = iiif.collection(coll, children, objects, _site(request), _institution(request))
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False),
        content_type='application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"',
    )
    return _cors(response)


# --- Cataloguing (staff) -----------------------------------------------------------------------


@module_required(MODULE)
def manage(request: RathausRequest) -> HttpResponse:
    qs = HeritageObject.objects.for_tenant(request).order_by("inventory_number", "pk")
    status = request.GET.get("status", "")
    if status in Status.values:
        qs = qs.filter(status=status)
    q = (request.GET.get("q") or "").strip().lower()
    if q:
        for term in q.split()[:8]:
            qs = qs.filter(search_text__contains=term)
    page = Paginator(
        qs.only(
            "pk",
            "public_id",
            "inventory_number",
            "title_de",
            "status",
            "object_type",
            "has_image",
            "datestamp",
        ),
        50,
    ).get_page(request.GET.get("seite"))
    jobs = importers.recent_jobs(request.municipality)
    return render(
        request,
        "heritage/staff/manage.html",
        {
            "page": page,
            "status": status,
            "q": q,
            "statuses": Status.choices,
            "jobs": jobs,
            "query": f"status={status}&q={q}" if (status or q) else "",
        },
    )


def _object_form_page(request: RathausRequest, obj: HeritageObject | None) -> HttpResponse:
    muni = request.municipality
    if request.method == "POST":
        form = ObjectForm(request.POST, municipality=muni)
        if form.is_valid():
            try:
                saved = services.save_object(
                    muni,
                    form.metadata(),
                    obj=obj,
                    collections=form.cleaned_data["collections"],
                    ctx=ServiceContext.from_request(request),
                )
            except services.ObjectError as exc:
                for field, message in exc.errors.items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("Das Objekt wurde gespeichert."))
                return redirect("heritage:object_edit", saved.pk)
    else:
        form = ObjectForm(
            initial=ObjectForm.initial_for(obj)
            if obj
            else {
                "metadata_rights": "http://creativecommons.org/publicdomain/zero/1.0/",
                "image_rights": "http://creativecommons.org/licenses/by/4.0/",
                "institution": _institution(request),
            },
            municipality=muni,
        )
    transitions = []
    if obj is not None:
        for to in sorted(services.TRANSITIONS.get(obj.status, set())):
            transitions.append((to, services.TRANSITION_ACTIONS[(obj.status, to)]))
    return render(
        request,
        "heritage/staff/object_form.html",
        {
            "form": form,
            "obj": obj,
            "transitions": transitions,
            "images": obj.images.all() if obj else [],
        },
    )


@module_required(MODULE)
def object_create(request: RathausRequest) -> HttpResponse:
    return _object_form_page(request, None)


@module_required(MODULE)
def object_edit(request: RathausRequest, pk: int) -> HttpResponse:
    return _object_form_page(request, tenant_object_or_404(HeritageObject, request, pk=pk))


@require_POST
@module_required(MODULE)
def object_transition(request: RathausRequest, pk: int) -> HttpResponse:
    obj = tenant_object_or_404(HeritageObject, request, pk=pk)
    try:
        services.transition(obj, request.POST.get("to", ""), ctx=ServiceContext.from_request(request))
    except services.ObjectError as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    else:
        messages.success(request, _("Der Status wurde geändert."))
    return redirect("heritage:object_edit", obj.pk)


@require_POST
@module_required(MODULE)
def object_delete(request: RathausRequest, pk: int) -> HttpResponse:
    obj = tenant_object_or_404(HeritageObject, request, pk=pk)
    services.delete_object(obj, ctx=ServiceContext.from_request(request))
    messages.success(request, _("Das Objekt wurde gelöscht."))
    return redirect("heritage:manage")


@module_required(MODULE)
def object_history(request: RathausRequest, pk: int) -> HttpResponse:
    obj = tenant_object_or_404(HeritageObject, request, pk=pk)
    versions = obj.history.select_related("history_user").order_by("-history_date", "-history_id")[:200]
    return render(request, "heritage/staff/history.html", {"obj": obj, "versions": versions})


@require_http_methods(["GET", "POST"])
@module_required(MODULE)
def object_version(request: RathausRequest, pk: int, history_id: int) -> HttpResponse:
    obj = tenant_object_or_404(HeritageObject, request, pk=pk)
    version = obj.history.filter(history_id=history_id).first()
    if version is None:
        raise Http404
    if request.method == "POST":
        try:
            services.restore_version(obj, history_id, ctx=ServiceContext.from_request(request))
        except services.ObjectError as exc:
            messages.error(request, "; ".join(exc.errors.values()))
        else:
            messages.success(request, _("Die Version wurde wiederhergestellt."))
        return redirect("heritage:object_history", obj.pk)
    return render(
        request,
        "heritage/staff/version.html",
        {
            "obj": obj,
            "version": version,
            "changes": services.version_diff(obj, history_id),
        },
    )


@module_required(MODULE)
def object_images(request: RathausRequest, pk: int) -> HttpResponse:
    obj = tenant_object_or_404(HeritageObject, request, pk=pk)
    if request.method == "POST":
        form = ImageForm(request.POST, request.FILES)
        if form.is_valid():
            f = form.cleaned_data["image"]
            try:
                services.add_image(
                    obj,
                    f,
                    size=f.size,
                    name=f.name,
                    alt_text=form.cleaned_data["alt_text"],
                    caption=form.cleaned_data["caption"],
                    rights=form.cleaned_data["rights"],
                    photographer=form.cleaned_data["photographer"],
                    ctx=ServiceContext.from_request(request),
                )
            except media.MediaError as exc:
                form.add_error("image", exc.message)
            else:
                messages.success(
                    request, _("Das Bild wurde hochgeladen; die Kacheln werden im Hintergrund erzeugt.")
                )
                return redirect("heritage:object_images", obj.pk)
    else:
        form = ImageForm(initial={"rights": obj.image_rights})
    return render(
        request, "heritage/staff/images.html", {"obj": obj, "form": form, "images": obj.images.all()}
    )


@require_POST
@module_required(MODULE)
def image_delete(request: RathausRequest, pk: int) -> HttpResponse:
    image = tenant_object_or_404(ObjectImage.objects.select_related("object"), request, pk=pk)
    obj_pk = image.object_id
    services.delete_image(image, ctx=ServiceContext.from_request(request))
    messages.success(request, _("Das Bild wurde gelöscht."))
    return redirect("heritage:object_images", obj_pk)


@module_required(MODULE)
def collection_list(request: RathausRequest) -> HttpResponse:
    items = Collection.objects.for_tenant(request).select_related("parent").order_by("set_spec")
    return render(request, "heritage/staff/collections.html", {"collections": items})


def _collection_form_page(request: RathausRequest, coll: Collection | None) -> HttpResponse:
    muni = request.municipality
    form = CollectionForm(request.POST or None, instance=coll, municipality=muni)
    if request.method == "POST" and form.is_valid():
        services.save_collection(muni, form.cleaned_data, coll=coll, ctx=ServiceContext.from_request(request))
        messages.success(request, _("Die Sammlung wurde gespeichert."))
        return redirect("heritage:collection_list")
    return render(request, "heritage/staff/collection_form.html", {"form": form, "coll": coll})


@module_required(MODULE)
def collection_create(request: RathausRequest) -> HttpResponse:
    return _collection_form_page(request, None)


@module_required(MODULE)
def collection_edit(request: RathausRequest, pk: int) -> HttpResponse:
    return _collection_form_page(request, tenant_object_or_404(Collection, request, pk=pk))


@module_required(MODULE)
def import_start(request: RathausRequest) -> HttpResponse:
    """Upload a CSV or LIDO file: cheap checks here (the form answers at once), the rows in a core
    import job (ADR 0022); the user goes on to the shared job page."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > importers.MAX_IMPORT_BYTES:
            form.add_error("file", _("Die Datei ist zu groß (höchstens 20 MB)."))
        else:
            try:
                job, started = importers.start_job(
                    ServiceContext.from_request(request),
                    form.cleaned_data["kind"],
                    upload.name or "upload",
                    upload.read(),
                    dry_run=form.cleaned_data["dry_run"],
                )
            except imports.ImportFailed as exc:
                form.add_error("file", exc.message)
            else:
                if not started:
                    messages.info(
                        request, _("Diese Datei wird schon importiert oder wurde gerade importiert.")
                    )
                return redirect(imports.job_url(job))
    status = 400 if form.errors else 200
    return render(
        request, "heritage/staff/import.html", {"form": form, "columns": importers.COLUMNS}, status=status
    )


@module_required(MODULE)
def import_job_moved(request: RathausRequest, pk: int) -> HttpResponse:
    """The old job page of the collection: a job moved to the core's job page keeps its old number
    in ``params["heritage_job"]`` (migration 0005); its old address redirects there, any other is
    a 404 (also another municipality's job)."""
    job = (
        importers.recent_jobs_queryset(request.municipality)
        .filter(params__heritage_job=pk)
        .only("pk")
        .first()
    )
    if job is None:
        raise Http404
    return HttpResponseRedirect(imports.job_url(job))


def manifest_url(obj: HeritageObject) -> str:
    return reverse("heritage_iiif_manifest", args=[obj.public_id])
