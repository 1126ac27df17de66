"""Settings for the benchmark server: the production settings plus the bare comparison view.

Everything else (middleware, caches, templates, DEBUG from RATHAUS_DEBUG) is exactly what
``rathaus.settings`` derives from the environment that ``bench/run.py`` prepares. The only addition
is an outermost middleware that counts the SQL statements of each request (header X-Bench-SQL),
which costs both rows alike.
"""

from rathaus.settings import *  # noqa: F403
from rathaus.settings import MIDDLEWARE

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.sqlcount.SqlCountMiddleware", *MIDDLEWARE]
