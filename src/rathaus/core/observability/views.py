"""GET /metrics for the operator's Prometheus: bearer token or an allowed network."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from rathaus.core.accounts.permissions import operator_required

from . import metrics


@operator_required
@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(metrics.render(), content_type=CONTENT_TYPE_LATEST)
