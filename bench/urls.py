"""The project's URLs plus ``/bench/bare``, a view that returns a constant.

The bare view sits in the same URLconf behind the same middleware stack (tenant resolution,
sessions, CSRF, CSP, …), so the difference to the home page is the page's own work: view,
services, context processors and template rendering.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from rathaus.core.accounts.permissions import public
from rathaus.urls import urlpatterns as project_urlpatterns

BARE_BODY = b"bare"


@public
def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BARE_BODY, content_type="text/plain; charset=utf-8")


urlpatterns = [path("bench/bare", bare, name="bench-bare"), *project_urlpatterns]
