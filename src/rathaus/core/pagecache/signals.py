"""The tenant cache (municipality per host) is dropped once more after the commit.

tenancy drops it in post_save, inside the writer's transaction; a request between that and the
commit would put the old municipality back for TENANT_CACHE_SECONDS, and pages rendered with it would
carry the old name or address. Dropping it again after the commit closes that window.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from rathaus.core.tenancy.models import Domain, Municipality
from rathaus.core.tenancy.services import forget_host_cache


@receiver([post_save, post_delete], sender=Domain, dispatch_uid="pagecache-domain")
def _domain_changed(sender: Any, instance: Domain, **kwargs: Any) -> None:
    host = instance.host
    transaction.on_commit(lambda: forget_host_cache(host))


@receiver(post_save, sender=Municipality, dispatch_uid="pagecache-municipality")
def _municipality_changed(sender: Any, instance: Municipality, **kwargs: Any) -> None:
    hosts = list(instance.domains.values_list("host", flat=True))
    transaction.on_commit(lambda: forget_host_cache(*hosts))
