"""Page cache declaration of the service catalogue (ADR 0017). A service page shows parts of other
modules (forms, online application, appointments, fees), so its pages depend on every generation."""

from rathaus.core.pagecache.registry import ALL, register

from .models import LifeSituation, Service

register(
    "catalog",
    models=[Service, LifeSituation],
    pages=["catalog:list", "catalog:detail", "api:catalog_services", "api:catalog_service"],
    depends=ALL,
)
