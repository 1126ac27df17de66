"""Page cache declaration of the forms (ADR 0017). Only the public list is cached: the form pages
carry a CSRF token and are never shared."""

from rathaus.core.pagecache.registry import register

from .models import FormDefinition, FormVersion

register("fim", models=[FormDefinition, FormVersion], pages=["fim:index"], depends=["catalog"])
