"""Page cache declaration of the payments (ADR 0017): no cached page of its own, but the catalogue
service page and its JSON-LD show the fee, so a fee or provider change bumps "payments" (the
catalogue pages depend on every generation)."""

from rathaus.core.pagecache.registry import register

from .models import FeeRule, ProviderConfig

register("payments", models=[FeeRule, ProviderConfig])
