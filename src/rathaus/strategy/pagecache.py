"""Page cache declaration of the digital strategy (ADR 0017). The Digitalbarometer counts across all
modules, so the pages depend on every generation."""

from rathaus.core.pagecache.registry import ALL, register

from .models import (
    FieldOfAction,
    Goal,
    Indicator,
    IndicatorValue,
    Measure,
    MeasureLink,
    Milestone,
    Strategy,
    StrategyVersion,
)

register(
    "strategy",
    models=[
        Strategy,
        StrategyVersion,
        FieldOfAction,
        Goal,
        Measure,
        Milestone,
        MeasureLink,
        Indicator,
        IndicatorValue,
    ],
    pages=[
        "strategy:index",
        "strategy:field",
        "strategy:measure",
        "strategy:indicator",
        "strategy:report_csv",
        "barometer",
        "barometer_csv",
        "barometer_json",
    ],
    depends=ALL,
)
