"""Settings for the benchmark server: the production settings plus the bare comparison view.

Everything else (middleware, caches, templates, DEBUG from RATHAUS_DEBUG) is exactly what
``rathaus.settings`` derives from the environment that ``bench/run.py`` prepares.
"""

from rathaus.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
