"""Page cache declaration of import jobs (ADR 0017): the job page is a private page of the module's
managers (``private.private_page``); every write to a job (status, progress, report) bumps "jobs"."""

from rathaus.core.pagecache.registry import register

from .models import ImportJob

register("jobs", models=[ImportJob], private=True)
