"""WSGI entry point of the benchmark server: ``granian --interface wsgi bench.wsgi:application``."""

import os

from rathaus.core.routing import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
application = get_wsgi_application()
