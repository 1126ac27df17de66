from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from django.views.static import serve

from rathaus.api.api import api
from rathaus.core.accounts.admin_site import require_mfa_for_admin
from rathaus.core.observability.views import metrics_view

from . import health

require_mfa_for_admin(admin.site)

urlpatterns = [
    path("health", health.live, name="health"),
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("metrics", metrics_view, name="metrics"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("konto/", include("allauth.urls")),
    path("api/", api.urls),
    path("django-admin/", admin.site.urls),
    path("", include("rathaus.core.ui.urls")),
    path("", include("rathaus.core.search.urls")),
    path("", include("rathaus.core.audit.urls")),
    path("", include("rathaus.core.jobs.urls")),
    path("leistungen/", include("rathaus.catalog.urls")),
    path("formulare/", include("rathaus.fim.urls")),
    path("identitaet/", include("rathaus.identity.urls")),
    path("veranstaltungen/", include("rathaus.events.urls")),
    path("digital-hub/", include("rathaus.hub.urls")),
    path("beratung/", include("rathaus.consulting.urls")),
    path("termine/", include("rathaus.appointments.urls")),
    path("antraege/", include("rathaus.cases.urls")),
    path("zahlung/", include("rathaus.payments.urls")),
    path("umfragen/", include("rathaus.surveys.urls")),
    path("sammlung/", include("rathaus.heritage.urls")),
    path("mobilitaet/", include("rathaus.mobility.urls")),
    path("digitalstrategie/", include("rathaus.strategy.urls")),
    path("daten/", include("rathaus.opendata.urls")),
    path("", include("rathaus.events.root_urls")),
    path("", include("rathaus.cases.root_urls")),
    path("", include("rathaus.heritage.root_urls")),
    path("", include("rathaus.strategy.root_urls")),
    path("", include("rathaus.opendata.root_urls")),
]

if settings.DEBUG or settings.SERVE_MEDIA:
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
