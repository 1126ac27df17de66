"""Service catalog (Leistungskatalog): the administrative services a municipality offers.

Invariants kept by the database: the OZG maturity level (Reifegrad) is 0–4, a LeiKa key is unique
per municipality (when set) and has 14 characters starting with "99", life situations are unique per
municipality. The full pattern of the key (``^99\\d{12}$``) is checked by the validator on every
write path (forms, CSV import, API).
"""

from __future__ import annotations

import unicodedata
from typing import Any, Self, TypeVar

from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from simple_history.models import HistoricalRecords

from rathaus.core.tenancy.models import TenantOwned, TenantQuerySet
from rathaus.core.ui.vocabulary import register_terms, term

LEIKA_PATTERN = r"^99\d{12}$"
leika_validator = RegexValidator(
    LEIKA_PATTERN,
    _("Der Leistungsschlüssel (LeiKa) besteht aus 14 Ziffern und beginnt mit 99."),
    code="leika",
)


class Themenfeld(models.TextChoices):
    """The 14 Themenfelder of the OZG-Umsetzungskatalog."""

    ARBEIT = "arbeit-ruhestand", _("Arbeit & Ruhestand")
    BAUEN = "bauen-wohnen", _("Bauen & Wohnen")
    BILDUNG = "bildung", _("Bildung")
    EINWANDERUNG = "ein-auswanderung", _("Ein- & Auswanderung")
    ENGAGEMENT = "engagement-hobby", _("Engagement & Hobby")
    FAMILIE = "familie-kind", _("Familie & Kind")
    FORSCHUNG = "forschung-foerderung", _("Forschung & Förderung")
    GESUNDHEIT = "gesundheit", _("Gesundheit")
    MOBILITAET = "mobilitaet-reisen", _("Mobilität & Reisen")
    QUERSCHNITT = "querschnittsleistungen", _("Querschnittsleistungen")
    RECHT = "recht-ordnung", _("Recht & Ordnung")
    STEUERN = "steuern-zoll", _("Steuern & Zoll")
    UMWELT = "umwelt", _("Umwelt")
    UNTERNEHMEN = "unternehmensfuehrung", _("Unternehmensführung & -entwicklung")


class Reifegrad(models.IntegerChoices):
    """OZG maturity model: how far a service can be done online."""

    OFFLINE = 0, _("0 – nicht online")
    INFORMATION = 1, _("1 – Information online")
    FORMULAR = 2, _("2 – Formular online")
    ONLINE = 3, _("3 – Antrag vollständig online")
    TRANSAKTION = 4, _("4 – Bescheid und Nachweise online (Once Only)")


# The FIM description modules (Leistungsbeschreibung) in the order the detail page shows them.
MODULE_FIELDS = (
    "volltext",
    "voraussetzungen",
    "unterlagen",
    "kosten",
    "fristen",
    "bearbeitungsdauer",
    "rechtsgrundlagen",
    "hinweise",
)


def initial_letter(name: str) -> str:
    """The A–Z letter of a name: umlauts fold to their base letter, anything else is "#"."""
    first = unicodedata.normalize("NFKD", (name or "").strip()[:1]).encode("ascii", "ignore").decode()
    letter = first[:1].upper()
    return letter if "A" <= letter <= "Z" else "#"


# Lebenslagen the platform ships (demo data, a starting set): shown in English in English mode.
# Names staff create stay as written (core/ui/vocabulary.py).
STANDARD_LIFE_SITUATIONS = register_terms(
    gettext_noop("Umzug"),
    gettext_noop("Geburt"),
    gettext_noop("Heirat"),
    gettext_noop("Unternehmen gründen"),
    gettext_noop("Haustier"),
    gettext_noop("Bauen"),
    gettext_noop("Todesfall"),
    gettext_noop("Auto und Verkehr"),
)


class LifeSituation(TenantOwned):
    """A Lebenslage (e.g. Umzug, Geburt) grouping services citizens need together."""

    name = models.CharField(_("Name"), max_length=100)
    slug = models.SlugField(_("Kurzname"), max_length=100)
    order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=100)

    class Meta:
        verbose_name = _("Lebenslage")
        verbose_name_plural = _("Lebenslagen")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "slug"], name="catalog_lifesituation_unique_slug"
            ),
            models.UniqueConstraint(
                fields=["municipality", "name"], name="catalog_lifesituation_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the active language (a platform-defined Lebenslage in English, others as written)."""
        return term(self.name)


_S = TypeVar("_S", bound=TenantOwned, covariant=True)


class ServiceQuerySet(TenantQuerySet[_S]):
    """Generic like TenantQuerySet, so ``values()`` and ``annotate()`` rows keep their types."""

    def published(self) -> Self:
        return self.filter(is_published=True)


class Service(TenantOwned):
    leika = models.CharField(
        _("Leistungsschlüssel (LeiKa)"),
        max_length=14,
        blank=True,
        validators=[leika_validator],
        help_text=_("14 Ziffern, beginnt mit 99. Leer lassen, wenn kein Schlüssel bekannt ist."),
    )
    name = models.CharField(_("Bezeichnung"), max_length=200)
    summary = models.CharField(_("Kurzbeschreibung"), max_length=400)
    themenfeld = models.CharField(_("OZG-Themenfeld"), max_length=30, choices=Themenfeld.choices)
    life_situations = models.ManyToManyField(
        LifeSituation, blank=True, related_name="services", verbose_name=_("Lebenslagen")
    )
    synonyms = models.TextField(
        _("Suchbegriffe (Synonyme)"),
        blank=True,
        help_text=_("Weitere Wörter, unter denen man die Leistung sucht, durch Komma getrennt."),
    )
    volltext = models.TextField(_("Volltext"), blank=True, help_text=_("Markdown"))
    voraussetzungen = models.TextField(_("Voraussetzungen"), blank=True, help_text=_("Markdown"))
    unterlagen = models.TextField(_("Erforderliche Unterlagen"), blank=True, help_text=_("Markdown"))
    kosten = models.TextField(_("Kosten"), blank=True, help_text=_("Markdown"))
    fristen = models.TextField(_("Fristen"), blank=True, help_text=_("Markdown"))
    bearbeitungsdauer = models.TextField(_("Bearbeitungsdauer"), blank=True, help_text=_("Markdown"))
    rechtsgrundlagen = models.TextField(_("Rechtsgrundlagen"), blank=True, help_text=_("Markdown"))
    hinweise = models.TextField(_("Hinweise"), blank=True, help_text=_("Markdown"))
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("Zuständiger Fachbereich"),
    )
    contact = models.TextField(
        _("Ansprechperson / Kontakt"),
        blank=True,
        help_text=_("Leer: die Kontaktdaten des Fachbereichs werden gezeigt."),
    )
    opening_hours = models.TextField(
        _("Öffnungszeiten"), blank=True, help_text=_("Leer: die Öffnungszeiten des Fachbereichs.")
    )
    online_available = models.BooleanField(_("online verfügbar"), default=False)
    reifegrad = models.PositiveSmallIntegerField(
        _("OZG-Reifegrad"),
        choices=Reifegrad.choices,
        default=Reifegrad.OFFLINE,
        validators=[MaxValueValidator(4)],
    )
    online_url = models.URLField(_("Link zum Online-Antrag"), blank=True, max_length=500)
    is_published = models.BooleanField(_("veröffentlicht"), default=True)
    letter = models.CharField(max_length=1, editable=False, default="#")
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[life_situations], excluded_fields=["letter", "updated_at"])
    _change_reason: str  # read by simple-history when the next save writes a history row
    objects = ServiceQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("Leistung")
        verbose_name_plural = _("Leistungen")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reifegrad__gte=0) & Q(reifegrad__lte=4), name="catalog_service_reifegrad_0_4"
            ),
            models.CheckConstraint(
                condition=Q(leika="") | (Q(leika__startswith="99") & Exact(Length("leika"), 14)),  # type: ignore[call-overload]
                name="catalog_service_leika_shape",
            ),
            models.UniqueConstraint(
                fields=["municipality", "leika"],
                condition=~Q(leika=""),
                name="catalog_service_unique_leika",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "themenfeld"], name="catalog_svc_themenfeld"),
            models.Index(fields=["municipality", "letter", "name"], name="catalog_svc_letter"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.letter = initial_letter(self.name)
        super().save(*args, **kwargs)

    @property
    def synonym_list(self) -> list[str]:
        return [s.strip() for s in self.synonyms.replace("\n", ",").split(",") if s.strip()]
