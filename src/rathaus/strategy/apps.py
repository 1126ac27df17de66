from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from rathaus.core.modules import PortalEntry, RathausModule, StaffEntry


class StrategyConfig(AppConfig):
    name = "rathaus.strategy"
    label = "strategy"
    verbose_name = "Digitalstrategie"
    rathaus_module = RathausModule(
        portal=(
            PortalEntry(
                key="strategy",
                title=_("Digitalstrategie"),
                description=_("Handlungsfelder, Maßnahmen und Umsetzungsstand"),
                url_name="strategy:index",
                order=70,
            ),
            PortalEntry(
                key="barometer",
                title=_("Digitalbarometer"),
                description=_("Wo die Stadt bei der Digitalisierung steht – in Zahlen"),
                url_name="barometer",
                order=75,
            ),
        ),
        staff=(
            StaffEntry("strategy", _("Digitalstrategie: Maßnahmen und Indikatoren"), "strategy:manage", 70),
        ),
        search_providers=("rathaus.strategy.search_provider.PROVIDER",),
        figures=("rathaus.strategy.figures.declarations",),
        schedule=("rathaus.strategy.schedule.jobs",),
    )
