from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Domain, Municipality
from .services import forget_host_cache


@receiver([post_save, post_delete], sender=Domain)
def _domain_changed(sender: Any, instance: Domain, **kwargs: Any) -> None:
    forget_host_cache(instance.host)


@receiver(post_save, sender=Municipality)
def _municipality_changed(sender: Any, instance: Municipality, **kwargs: Any) -> None:
    forget_host_cache(*instance.domains.values_list("host", flat=True))
