"""Page cache declaration of the cases (ADR 0017): the OZG dashboard counts across modules."""

from rathaus.core.pagecache.registry import ALL, register

from .models import Application, ServiceSetting, StatusEvent

register(
    "cases",
    models=[Application, StatusEvent, ServiceSetting],
    pages=["ozg_dashboard", "ozg_dashboard_csv"],
    depends=ALL,
)
