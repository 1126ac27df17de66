"""The project's URLs plus /media/ served by django.views.static.serve from MEDIA_ROOT, as
RATHAUS_SERVE_MEDIA=1 (or a proxy's ``location /media/``) does; MEDIA_ROOT is read per request."""

from typing import Any

from django.conf import settings
from django.urls import path
from django.views.static import serve

from rathaus.urls import urlpatterns as project


def media(request: Any, path: str) -> Any:
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [*project, path("media/<path:path>", media)]
