from __future__ import annotations

from itertools import groupby

from django.http import HttpResponse
from django.shortcuts import render

from rathaus.core.accounts.permissions import public
from rathaus.core.tenancy.types import RathausRequest
from rathaus.core.ui.forms import SearchForm

from . import services


@public
def search(request: RathausRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    hits = services.search(request.municipality, query) if query else []
    ordered = sorted(hits, key=lambda h: str(h.kind_label))
    groups = [(label, list(items)) for label, items in groupby(ordered, key=lambda h: str(h.kind_label))]
    return render(
        request, "search/search.html", {"form": form, "query": query, "groups": groups, "count": len(hits)}
    )
