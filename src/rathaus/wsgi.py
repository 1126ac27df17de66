import os

from rathaus.core.routing import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rathaus.settings")
application = get_wsgi_application()

# Remember the migrations of the code this process runs (readiness compares them, not the disk).
from rathaus import health  # noqa: E402

health.warm()
