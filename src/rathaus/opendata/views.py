"""Open-data portal (/daten/), staff pages and the DCAT-AP.de catalog (/dcat/catalog.ttl|rdf|jsonld)."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rathaus.core import storage
from rathaus.core.accounts.permissions import module_required, public
from rathaus.core.context import ServiceContext
from rathaus.core.tenancy.services import tenant_object_or_404
from rathaus.core.tenancy.types import RathausRequest

from . import dcat, queries, services, vocab
from .forms import DatasetForm, FileForm, LinkForm, SettingsForm
from .models import CatalogSettings, Dataset, DatasetStatus, Distribution
from .preview import SAMPLE_BYTES, csv_preview

# --- Public portal ----------------------------------------------------------------------------------


@public
def index(request: RathausRequest) -> HttpResponse:
    services.ensure_synced(request.municipality)  # module datasets current (at most every 10 minutes)
    facets = queries.Facets.from_params(request.GET)
    qs = queries.filtered(request.municipality, facets)
    counts = queries.facet_counts(qs)
    paginator = Paginator(qs.prefetch_related("theme_rows", "distributions").order_by("title", "pk"), 20)
    page = paginator.get_page(request.GET.get("seite"))
    for ds in page:
        labels = [str(vocab.THEME_NAMES.get(t.code, t.code)) for t in ds.theme_rows.all()]
        setattr(ds, "theme_labels", labels)  # noqa: B010 - display-only attribute for the template
    params = {
        k: v
        for k, v in (
            ("kategorie", facets.theme),
            ("format", facets.format),
            ("lizenz", facets.licence),
            ("schlagwort", facets.keyword),
        )
        if v
    }
    return render(
        request,
        "opendata/index.html",
        {
            "page": page,
            "facets": facets,
            "counts": counts,
            "query": urlencode(params),
        },
    )


@public
def dataset(request: RathausRequest, pk: int) -> HttpResponse:
    ds = tenant_object_or_404(
        Dataset.objects.filter(status=DatasetStatus.PUBLISHED).prefetch_related(
            "theme_rows", "keyword_rows", "distributions"
        ),
        request,
        pk=pk,
    )
    dists = list(ds.distributions.all())
    preview = None
    preview_of = next((d for d in dists if d.format == "CSV" and (d.file or d.url.startswith("/"))), None)
    if preview_of is not None:
        preview = _preview(request, preview_of)
    return render(
        request,
        "opendata/dataset.html",
        {
            "dataset": ds,
            "distributions": dists,
            "preview": preview,
            "preview_of": preview_of,
            "themes": [vocab.THEME_NAMES.get(t.code, t.code) for t in ds.theme_rows.all()],
            "frequency": dict(vocab.FREQUENCIES).get(ds.accrual_periodicity, ""),
            "format_labels": {k: v[1] for k, v in vocab.FILE_TYPES.items()},
            "licence_names": vocab.LICENCE_NAMES,
        },
    )


def _preview(request: RathausRequest, dist: Distribution) -> Any:
    """CSV preview of an uploaded file, or of a module's own CSV view on this site (called in-process)."""
    try:
        if dist.file:
            with dist.file.open("rb") as fh:
                return csv_preview(fh)
        match = resolve(dist.url.split("?", 1)[0])
        response = match.func(request, *match.args, **match.kwargs)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/csv"):
            return None
        if getattr(response, "streaming", False):
            head = b""
            for chunk in response.streaming_content:
                head += bytes(chunk)
                if len(head) > SAMPLE_BYTES:
                    break
        else:
            head = response.content
        return csv_preview(io.BytesIO(head))
    except (OSError, Resolver404, ValueError):
        return None


@public
def download(request: RathausRequest, pk: int, dist_pk: int) -> HttpResponseBase:
    ds = tenant_object_or_404(Dataset.objects.filter(status=DatasetStatus.PUBLISHED), request, pk=pk)
    dist = tenant_object_or_404(Distribution.objects.filter(dataset=ds).exclude(file=""), request, pk=dist_pk)
    name = dist.file.name.rsplit("/", 1)[-1]
    return storage.file_response(
        dist.file.storage, dist.file.name, filename=name, content_type=dist.media_type or None
    )


def _catalog(request: RathausRequest, ext: str) -> HttpResponse:
    muni = request.municipality
    services.ensure_synced(muni)
    raw = request.GET.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        return HttpResponse(
            _("Ungültige Seite. / Invalid page."), status=400, content_type="text/plain; charset=utf-8"
        )
    page = int(raw)
    total = dcat.public_datasets(muni).count()
    if page > dcat.page_count(total):
        raise Http404
    base = request.build_absolute_uri("/").rstrip("/")
    data = dcat.render_cached(muni, base, page, ext)
    response = HttpResponse(data, content_type=dcat.CONTENT_TYPES[ext])
    response["Cache-Control"] = "public, max-age=300"
    return response


@public
def catalog_ttl(request: RathausRequest) -> HttpResponse:
    return _catalog(request, "ttl")


@public
def catalog_rdf(request: RathausRequest) -> HttpResponse:
    return _catalog(request, "rdf")


@public
def catalog_jsonld(request: RathausRequest) -> HttpResponse:
    return _catalog(request, "jsonld")


# --- Staff -----------------------------------------------------------------------------------------


@module_required("opendata")
def manage(request: RathausRequest) -> HttpResponse:
    datasets = (
        Dataset.objects.for_tenant(request)
        .prefetch_related("distributions")
        .order_by("status", "title", "pk")
    )
    return render(request, "opendata/staff/manage.html", {"datasets": datasets})


@module_required("opendata")
@require_http_methods(["GET", "POST"])
def settings(request: RathausRequest) -> HttpResponse:
    form = SettingsForm(request.POST or None, instance=CatalogSettings.of(request.municipality))
    if request.method == "POST" and form.is_valid():
        services.save_settings(form.save(commit=False), ctx=ServiceContext.from_request(request))
        messages.success(request, _("Die Einstellungen wurden gespeichert."))
        return redirect("opendata:manage")
    return render(request, "opendata/staff/settings.html", {"form": form})


@module_required("opendata")
@require_POST
def sync(request: RathausRequest) -> HttpResponse:
    n = services.sync_module_datasets(request.municipality)
    messages.success(request, _("%(n)s Datensätze aus den Modulen sind aktuell.") % {"n": n})
    return redirect("opendata:manage")


@module_required("opendata")
@require_http_methods(["GET", "POST"])
def edit(request: RathausRequest, pk: int | None = None) -> HttpResponse:
    ds = tenant_object_or_404(Dataset, request, pk=pk) if pk else Dataset(municipality=request.municipality)
    if ds.is_module:
        messages.info(request, _("Dieser Datensatz wird aus einem Modul erzeugt und dort gepflegt."))
        return redirect("opendata:manage")
    form = DatasetForm(request.POST or None, instance=ds)
    if request.method == "POST" and form.is_valid():
        ds = services.save_dataset(
            form.save(commit=False),
            themes=form.cleaned_data["themes"],
            keywords=form.keyword_list(),
            ctx=ServiceContext.from_request(request),
        )
        messages.success(request, _("Der Datensatz wurde gespeichert."))
        return redirect("opendata:edit", pk=ds.pk)
    return render(
        request,
        "opendata/staff/edit.html",
        {
            "form": form,
            "dataset": ds if ds.pk else None,
            "distributions": list(ds.distributions.all()) if ds.pk else [],
            "file_form": FileForm(),
            "link_form": LinkForm(),
        },
    )


@module_required("opendata")
@require_POST
def upload(request: RathausRequest, pk: int) -> HttpResponse:
    ds = tenant_object_or_404(Dataset.objects.filter(source="manual"), request, pk=pk)
    form = FileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_file(
                ds,
                form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                licence=form.cleaned_data["licence"],
                ctx=ServiceContext.from_request(request),
            )
        except services.UploadError as err:
            form.add_error("file", err.message)
        else:
            messages.success(request, _("Die Datei wurde hinzugefügt."))
            return redirect("opendata:edit", pk=ds.pk)
    return render(
        request,
        "opendata/staff/edit.html",
        {
            "form": DatasetForm(instance=ds),
            "dataset": ds,
            "distributions": list(ds.distributions.all()),
            "file_form": form,
            "link_form": LinkForm(),
        },
        status=422,
    )


@module_required("opendata")
@require_POST
def add_link(request: RathausRequest, pk: int) -> HttpResponse:
    ds = tenant_object_or_404(Dataset.objects.filter(source="manual"), request, pk=pk)
    form = LinkForm(request.POST)
    if form.is_valid():
        services.add_link(ds, ctx=ServiceContext.from_request(request), **form.cleaned_data)
        messages.success(request, _("Der Link wurde hinzugefügt."))
        return redirect("opendata:edit", pk=ds.pk)
    return render(
        request,
        "opendata/staff/edit.html",
        {
            "form": DatasetForm(instance=ds),
            "dataset": ds,
            "distributions": list(ds.distributions.all()),
            "file_form": FileForm(),
            "link_form": form,
        },
        status=422,
    )


@module_required("opendata")
@require_POST
def distribution_delete(request: RathausRequest, pk: int) -> HttpResponse:
    dist = tenant_object_or_404(Distribution.objects.filter(dataset__source="manual"), request, pk=pk)
    ds_pk = dist.dataset_id
    services.delete_distribution(dist, ctx=ServiceContext.from_request(request))
    messages.success(request, _("Die Distribution wurde entfernt."))
    return redirect("opendata:edit", pk=ds_pk)


@module_required("opendata")
@require_POST
def delete(request: RathausRequest, pk: int) -> HttpResponse:
    ds = tenant_object_or_404(Dataset.objects.filter(source="manual"), request, pk=pk)
    services.delete_dataset(ds, ctx=ServiceContext.from_request(request))
    messages.success(request, _("Der Datensatz wurde gelöscht."))
    return redirect("opendata:manage")


@module_required("opendata")
@require_POST
def publish(request: RathausRequest, pk: int) -> HttpResponse:
    ds = tenant_object_or_404(Dataset.objects.filter(source="manual"), request, pk=pk)
    target = DatasetStatus.DRAFT if ds.status == DatasetStatus.PUBLISHED else DatasetStatus.PUBLISHED
    if target == DatasetStatus.PUBLISHED and not ds.licence:
        messages.warning(
            request,
            _(
                "Achtung: Der Datensatz hat keine Lizenz. Er wird "
                "veröffentlicht, aber der DCAT-AP.de-Katalog "
                "meldet ihn als fehlerhaft (Konvention 31), bis Sie eine Lizenz wählen."
            ),
        )
    services.set_status(ds, target, ctx=ServiceContext.from_request(request))
    messages.success(request, _("Der Status wurde geändert."))
    return redirect("opendata:edit", pk=ds.pk)
