"""Digital strategy: Handlungsfelder → Ziele → Maßnahmen (with fact sheets) and Indikatoren (KPIs)."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from rathaus.core.accounts.models import Department
from rathaus.core.tenancy.models import TenantOwned
from rathaus.core.ui.vocabulary import register_terms, term


class Strategy(TenantOwned):
    title = models.CharField(_("Titel"), max_length=200)
    summary = models.TextField(_("Kurzbeschreibung"), blank=True)
    is_published = models.BooleanField(_("öffentlich"), default=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Strategie")
        verbose_name_plural = _("Strategien")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.title


# Bodies that adopt a strategy, as the platform names them (the field's default and common values):
# shown in English in English mode; any other body staff write stays as written.
ADOPTING_BODIES = register_terms(
    gettext_noop("Stadtrat"),
    gettext_noop("Gemeinderat"),
    gettext_noop("Ortschaftsrat"),
    gettext_noop("Hauptausschuss"),
    gettext_noop("Kreistag"),
)


class StrategyVersion(TenantOwned):
    """A version of the strategy as adopted by the council (Stadtratsbeschluss)."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(_("Version"), max_length=40)
    adopted_on = models.DateField(_("beschlossen am"))
    adopted_by = models.CharField(_("beschlossen durch"), max_length=200, default="Stadtrat")
    decision_number = models.CharField(_("Beschlussnummer"), max_length=80, blank=True)
    notes = models.TextField(_("Änderungen"), blank=True)

    class Meta:
        verbose_name = _("Fassung")
        verbose_name_plural = _("Fassungen")
        ordering = ["-adopted_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "version"], name="strategy_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.version} ({self.adopted_on:%d.%m.%Y})"

    @property
    def adopted_by_display(self) -> str:
        """Who adopted it, in the active language when the platform names the body (Stadtrat)."""
        return term(self.adopted_by)


class FieldOfAction(TenantOwned):
    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="fields")
    title = models.CharField(_("Titel"), max_length=200)
    description = models.TextField(_("Beschreibung"), blank=True)
    order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=100)

    class Meta:
        verbose_name = _("Handlungsfeld")
        verbose_name_plural = _("Handlungsfelder")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("strategy:field", args=[self.pk])


class Goal(TenantOwned):
    field = models.ForeignKey(FieldOfAction, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(_("Titel"), max_length=250)
    description = models.TextField(_("Beschreibung"), blank=True)
    order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=100)

    class Meta:
        verbose_name = _("Ziel")
        verbose_name_plural = _("Ziele")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title


class MeasureStatus(models.TextChoices):
    PLANNED = "geplant", _("geplant")
    IN_PROGRESS = "umsetzung", _("in Umsetzung")
    DONE = "abgeschlossen", _("abgeschlossen")
    DEFERRED = "zurueckgestellt", _("zurückgestellt")


class Priority(models.TextChoices):
    HIGH = "hoch", _("hoch")
    MEDIUM = "mittel", _("mittel")
    LOW = "niedrig", _("niedrig")


class Measure(TenantOwned):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="measures")
    code = models.CharField(_("Kennung"), max_length=20, blank=True, help_text=_("z. B. M 1.2"))
    title = models.CharField(_("Titel"), max_length=250)
    description = models.TextField(_("Beschreibung"))
    lead_department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("federführender Fachbereich"),
    )
    partners = models.TextField(_("Partner"), blank=True)
    budget_planned = models.DecimalField(
        _("Budget geplant (EUR)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    budget_spent = models.DecimalField(
        _("Budget verausgabt (EUR)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    priority = models.CharField(
        _("Priorität"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM
    )
    start = models.DateField(_("Beginn"), null=True, blank=True)
    end = models.DateField(_("Ende"), null=True, blank=True)
    status = models.CharField(
        _("Status"),
        max_length=20,
        choices=MeasureStatus.choices,
        default=MeasureStatus.PLANNED,
        db_index=True,
    )
    progress = models.PositiveSmallIntegerField(_("Fortschritt (%)"), default=0)
    order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=100)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Maßnahme")
        verbose_name_plural = _("Maßnahmen")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="strategy_progress_max_100"),
            models.CheckConstraint(
                condition=models.Q(end__isnull=True)
                | models.Q(start__isnull=True)
                | models.Q(end__gte=models.F("start")),
                name="strategy_measure_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()

    def get_absolute_url(self) -> str:
        return reverse("strategy:measure", args=[self.pk])


class Milestone(TenantOwned):
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="milestones")
    date = models.DateField(_("Datum"))
    title = models.CharField(_("Meilenstein"), max_length=250)
    done = models.BooleanField(_("erreicht"), default=False)

    class Meta:
        verbose_name = _("Meilenstein")
        verbose_name_plural = _("Meilensteine")
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return self.title


class LinkKind(models.TextChoices):
    PAGE = "page", _("Seite dieses Portals")
    DATASET = "dataset", _("Offener Datensatz (Modul)")
    INDICATOR = "indicator", _("Kennzahl (Modul)")


class MeasureLink(TenantOwned):
    """A link from a measure to a page of another module (by URL path) or a figures key."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(_("Art"), max_length=10, choices=LinkKind.choices, default=LinkKind.PAGE)
    module = models.CharField(_("Modul"), max_length=40, blank=True)
    title = models.CharField(_("Titel"), max_length=200)
    target = models.CharField(
        _("Ziel"),
        max_length=300,
        help_text=_(
            "Pfad auf diesem Portal (z. B. /leistungen/) oder Schlüssel der Kennzahl bzw. des Datensatzes"
        ),
    )

    class Meta:
        verbose_name = _("Verknüpfung")
        verbose_name_plural = _("Verknüpfungen")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title


class Indicator(TenantOwned):
    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="indicators")
    field = models.ForeignKey(
        FieldOfAction,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name=_("Handlungsfeld"),
    )
    title = models.CharField(_("Titel"), max_length=200)
    description = models.TextField(_("Beschreibung"), blank=True)
    unit = models.CharField(_("Einheit"), max_length=30, blank=True)
    baseline_value = models.DecimalField(
        _("Ausgangswert"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    baseline_year = models.PositiveSmallIntegerField(_("Ausgangsjahr"), null=True, blank=True)
    target_value = models.DecimalField(_("Zielwert"), max_digits=14, decimal_places=2, null=True, blank=True)
    target_year = models.PositiveSmallIntegerField(_("Zieljahr"), null=True, blank=True)
    figures_key = models.CharField(
        _("berechnet aus Kennzahl"),
        max_length=120,
        blank=True,
        help_text=_("Leer: Werte werden von Hand erfasst."),
    )
    method = models.TextField(_("Berechnung / Quelle"), blank=True)
    order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=100)

    class Meta:
        verbose_name = _("Indikator")
        verbose_name_plural = _("Indikatoren")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("strategy:indicator", args=[self.pk])

    @property
    def is_computed(self) -> bool:
        return bool(self.figures_key)


class IndicatorValue(TenantOwned):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    date = models.DateField(_("Stichtag"))
    value = models.DecimalField(_("Wert"), max_digits=14, decimal_places=2)
    computed = models.BooleanField(_("berechnet"), default=False)

    class Meta:
        verbose_name = _("Messwert")
        verbose_name_plural = _("Messwerte")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "date"], name="strategy_value_one_per_date")
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.value}"
