from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from rathaus.core import exports
from rathaus.core.accounts.permissions import admin_required
from rathaus.core.tenancy.types import RathausRequest

from . import queries
from .forms import AuditFilterForm


class _Echo:
    def write(self, value: str) -> str:
        return value


def _filters(request: RathausRequest) -> tuple[AuditFilterForm, dict[str, Any]]:
    form = AuditFilterForm(request.GET or None)
    return form, (form.cleaned_data if form.is_valid() else {})


@admin_required
def audit_list(request: RathausRequest) -> HttpResponse:
    form, filters = _filters(request)
    qs = queries.filtered_events(request.municipality, filters)
    page = Paginator(qs, settings.RATHAUS_AUDIT_PAGE_SIZE).get_page(request.GET.get("seite"))
    query = request.GET.copy()
    query.pop("seite", None)
    return render(
        request,
        "audit/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "actions": queries.action_names(request.municipality),
        },
    )


@admin_required
def audit_csv(request: RathausRequest) -> StreamingHttpResponse:
    from .services import iter_csv_rows

    _form, filters = _filters(request)
    qs = queries.filtered_events(request.municipality, filters)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return exports.csv_response(iter_csv_rows(qs), f"protokoll-{stamp}.csv")
