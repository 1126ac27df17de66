"""Page cache declaration of the identity module (ADR 0017): no cached page of its own, but the
catalogue service page can show the identification a service needs, and whether a municipality
has an identity provider decides what pages offer."""

from rathaus.core.pagecache.registry import register

from .models import IdentityProvider, ServiceRequirement

register("identity", models=[IdentityProvider, ServiceRequirement])
