"""Digital collection (Digitale Sammlung): cultural objects, collections, images, OAI tombstones.

Structured metadata that repeats (actors, places, materials, subjects, dimensions) is kept as JSON
lists on the object — that is what LIDO and Dublin Core export and what the form edits — and is
copied into ``FacetValue`` rows on every save: one row per (object, facet value), from which the
public search builds its in-memory facet index (``search_index``).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from rathaus.core.tenancy.models import TenantOwned

_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o/1/l: readable when cited


def new_public_id() -> str:
    """A short, random, permanent id for citable URLs (independent of the inventory number)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))


class ObjectType(models.TextChoices):
    PAINTING = "painting", _("Gemälde")
    GRAPHIC = "graphic", _("Grafik")
    PHOTOGRAPH = "photograph", _("Fotografie")
    DOCUMENT = "document", _("Urkunde / Schriftgut")
    MAP = "map", _("Karte / Plan")
    SCULPTURE = "sculpture", _("Skulptur")
    TECHNICAL = "technical", _("Technisches Objekt")
    EVERYDAY = "everyday", _("Alltagsgegenstand")
    TEXTILE = "textile", _("Textil")
    BOOK = "book", _("Buch / Druckschrift")
    COIN = "coin", _("Münze / Medaille")
    ARCHAEOLOGY = "archaeology", _("Archäologischer Fund")


class Status(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    REVIEW = "review", _("In Prüfung")
    PUBLISHED = "published", _("Veröffentlicht")


# Rights exactly as DDB and Europeana accept them (Creative Commons and rightsstatements.org URIs).
RIGHTS: list[tuple[str, str, str]] = [
    ("http://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0", "CC0 1.0"),
    ("http://creativecommons.org/publicdomain/mark/1.0/", "Public Domain Mark 1.0", "Public Domain Mark 1.0"),
    ("http://creativecommons.org/licenses/by/4.0/", "CC BY 4.0", "CC BY 4.0"),
    ("http://creativecommons.org/licenses/by-sa/4.0/", "CC BY-SA 4.0", "CC BY-SA 4.0"),
    ("http://creativecommons.org/licenses/by-nd/4.0/", "CC BY-ND 4.0", "CC BY-ND 4.0"),
    ("http://creativecommons.org/licenses/by-nc/4.0/", "CC BY-NC 4.0", "CC BY-NC 4.0"),
    ("http://creativecommons.org/licenses/by-nc-sa/4.0/", "CC BY-NC-SA 4.0", "CC BY-NC-SA 4.0"),
    ("http://creativecommons.org/licenses/by-nc-nd/4.0/", "CC BY-NC-ND 4.0", "CC BY-NC-ND 4.0"),
    ("http://rightsstatements.org/vocab/InC/1.0/", "Urheberrechtsschutz (InC)", "In Copyright"),
    (
        "http://rightsstatements.org/vocab/InC-EDU/1.0/",
        "Urheberrechtsschutz – Nutzung für Bildungszwecke erlaubt (InC-EDU)",
        "In Copyright - Educational Use Permitted",
    ),
    (
        "http://rightsstatements.org/vocab/InC-OW-EU/1.0/",
        "Urheberrechtsschutz – verwaistes Werk EU (InC-OW-EU)",
        "In Copyright - EU Orphan Work",
    ),
    (
        "http://rightsstatements.org/vocab/NoC-NC/1.0/",
        "Kein Urheberrechtsschutz – nur nicht kommerzielle Nutzung (NoC-NC)",
        "No Copyright - Non-Commercial Use Only",
    ),
    (
        "http://rightsstatements.org/vocab/NoC-OKLR/1.0/",
        "Kein Urheberrechtsschutz – andere rechtliche Beschränkungen (NoC-OKLR)",
        "No Copyright - Other Known Legal Restrictions",
    ),
    (
        "http://rightsstatements.org/vocab/CNE/1.0/",
        "Urheberrechtsschutz nicht bewertet (CNE)",
        "Copyright Not Evaluated",
    ),
]
RIGHTS_URIS = {uri for uri, _de, _en in RIGHTS}
RIGHTS_LABEL = {uri: de for uri, de, _en in RIGHTS}
RIGHTS_LABEL_EN = {uri: en for uri, _de, en in RIGHTS}
RIGHTS_CHOICES = [(uri, de) for uri, de, _en in RIGHTS]
CC0 = RIGHTS[0][0]
CC_BY = RIGHTS[2][0]


class Level(models.TextChoices):
    """Archival hierarchy (Erschließungsebene) of a collection node."""

    COLLECTION = "collection", _("Sammlung")
    FONDS = "fonds", _("Bestand")
    SERIES = "series", _("Serie")
    FILE = "file", _("Akte")
    ITEM = "item", _("Einzelstück")


class TitledInTwoLanguages:
    """Titles follow the page language: German pages show title_de only; English pages title_en,
    or title_de (marked lang="de") where no English title exists."""

    title_de: str
    title_en: str

    @property
    def display_title(self) -> str:
        english = (get_language() or "de").startswith("en")
        return (self.title_en or self.title_de) if english else self.title_de

    @property
    def display_title_lang(self) -> str:
        """The language of display_title ("de" or "en"), for a lang attribute."""
        english = (get_language() or "de").startswith("en")
        return "en" if english and self.title_en else "de"

    @property
    def original_title(self) -> str:
        """The German title where the English page shows the English one (else empty)."""
        return self.title_de if self.display_title_lang == "en" else ""


class Collection(TitledInTwoLanguages, TenantOwned):
    """A collection or set (OAI-PMH set); ``parent`` builds the archival hierarchy."""

    slug = models.SlugField(_("Kurzname"), max_length=60, help_text=_("Teil des OAI-Set-Namens"))
    set_spec = models.CharField(max_length=400, editable=False)
    title_de = models.CharField(_("Titel (deutsch)"), max_length=300)
    title_en = models.CharField(_("Titel (englisch)"), max_length=300, blank=True)
    description = models.TextField(_("Beschreibung"), blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("übergeordnete Einheit"),
    )
    level = models.CharField(_("Ebene"), max_length=12, choices=Level.choices, default=Level.COLLECTION)
    is_public = models.BooleanField(_("öffentlich"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Sammlung")
        verbose_name_plural = _("Sammlungen")
        ordering = ["set_spec"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "set_spec"], name="heritage_collection_spec"),
        ]

    def __str__(self) -> str:
        return self.title_de

    def compute_set_spec(self) -> str:
        parts = [self.slug]
        node = self.parent
        seen = {self.pk}
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            parts.append(node.slug)
            node = node.parent
        return ":".join(reversed(parts))

    def get_absolute_url(self) -> str:
        return reverse("heritage:collection", args=[self.set_spec])


class HeritageObject(TitledInTwoLanguages, TenantOwned):
    """One cultural object (Objekt) of the municipality's collection."""

    public_id = models.CharField(max_length=20, unique=True, default=new_public_id, editable=False)
    inventory_number = models.CharField(_("Inventarnummer"), max_length=100)
    object_type = models.CharField(_("Objektart"), max_length=20, choices=ObjectType.choices)
    title_de = models.CharField(_("Titel (deutsch)"), max_length=500)
    title_en = models.CharField(_("Titel (englisch)"), max_length=500, blank=True)
    description = models.TextField(_("Beschreibung"), blank=True)
    # [{"name": "...", "role": "Hersteller", "gnd": "https://d-nb.info/gnd/..."}]
    actors = models.JSONField(_("Personen und Körperschaften"), default=list, blank=True)
    dating = models.CharField(
        _("Datierung"),
        max_length=100,
        blank=True,
        help_text=_("EDTF oder z. B. „um 1600“, „1890er“, „16. Jh.“"),
    )
    date_earliest = models.IntegerField(_("frühestes Jahr"), null=True, blank=True)
    date_latest = models.IntegerField(_("spätestes Jahr"), null=True, blank=True)
    places = models.JSONField(_("Orte"), default=list, blank=True)  # [{"label": ..., "uri": ...}]
    materials = models.JSONField(_("Material"), default=list, blank=True)  # [{"label", "uri"}]
    techniques = models.JSONField(_("Technik"), default=list, blank=True)  # [{"label", "uri"}]
    dimensions = models.JSONField(_("Maße"), default=list, blank=True)  # [{"type", "value", "unit"}]
    subjects = models.JSONField(_("Schlagworte"), default=list, blank=True)  # [{"label", "uri"}]
    institution = models.CharField(_("Besitzende Institution"), max_length=300, blank=True)
    institution_isil = models.CharField(_("ISIL der Institution"), max_length=40, blank=True)
    provenance = models.TextField(_("Provenienz"), blank=True)
    credit_line = models.CharField(_("Nachweis (Credit Line)"), max_length=300, blank=True)
    metadata_rights = models.URLField(
        _("Rechte an den Metadaten"), max_length=200, choices=RIGHTS_CHOICES, default=CC0
    )
    image_rights = models.URLField(
        _("Rechte an den Abbildungen"), max_length=200, choices=RIGHTS_CHOICES, default=CC_BY
    )
    collections = models.ManyToManyField(
        Collection, blank=True, related_name="heritage_objects", verbose_name=_("Sammlungen")
    )
    status = models.CharField(_("Status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    has_image = models.BooleanField(_("mit Abbildung"), default=False, editable=False)
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # The OAI-PMH datestamp: set by the services on every change of what is harvested.
    datestamp = models.DateTimeField(default=timezone.now, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["search_text", "has_image", "datestamp", "published_at"])

    class Meta:
        verbose_name = _("Objekt")
        verbose_name_plural = _("Objekte")
        ordering = ["inventory_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "inventory_number"], name="heritage_inventory_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(date_earliest__isnull=True)
                | models.Q(date_latest__isnull=True)
                | models.Q(date_earliest__lte=models.F("date_latest")),
                name="heritage_date_order",
            ),
        ]
        indexes = [
            models.Index(
                fields=["municipality", "status", "datestamp", "public_id"], name="heritage_oai_idx"
            ),
            models.Index(fields=["municipality", "status", "object_type"], name="heritage_type_idx"),
            models.Index(fields=["municipality", "status", "image_rights"], name="heritage_rights_idx"),
            models.Index(fields=["municipality", "status", "date_earliest"], name="heritage_earliest_idx"),
            models.Index(fields=["municipality", "status", "date_latest"], name="heritage_latest_idx"),
            models.Index(fields=["municipality", "status", "title_de"], name="heritage_title_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.inventory_number} {self.title_de}"

    def get_absolute_url(self) -> str:
        return reverse("heritage:object", args=[self.public_id])

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    def title(self, lang: str = "de") -> str:
        return (self.title_en or self.title_de) if lang == "en" else self.title_de

    def rights_label(self) -> str:
        return RIGHTS_LABEL.get(self.image_rights, self.image_rights)

    def creators(self) -> list[dict[str, Any]]:
        return [a for a in self.actors or [] if a.get("name")]


class FacetKind(models.TextChoices):
    TYPE = "type", _("Objektart")
    LICENCE = "licence", _("Lizenz")
    CENTURY = "century", _("Zeitraum")
    COLLECTION = "collection", _("Sammlung")
    CREATOR = "creator", _("Person / Körperschaft")
    PLACE = "place", _("Ort")
    MATERIAL = "material", _("Material")
    TECHNIQUE = "technique", _("Technik")
    SUBJECT = "subject", _("Schlagwort")


class FacetValue(models.Model):
    """Denormalised facet value of an object (rebuilt by the services on every save)."""

    object = models.ForeignKey(HeritageObject, on_delete=models.CASCADE, related_name="facet_values")
    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    published = models.BooleanField(default=False)
    facet = models.CharField(max_length=12, choices=FacetKind.choices)
    value = models.CharField(max_length=300)  # authority URI, else the label
    label = models.CharField(max_length=300)

    class Meta:
        indexes = [
            # Filters by value and the index build (counts per value, ids in value order) read
            # only this index.
            models.Index(
                fields=["municipality", "published", "facet", "value", "object"],
                name="heritage_facet_ids_idx",
            ),
            models.Index(fields=["object", "facet"], name="heritage_facet_obj_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.facet}: {self.label}"


class SearchIndexState(models.Model):
    """Version of what the public search of a municipality sees.

    Raised in the transaction of every change of a published object, of its facets or images, so
    that each web process knows when its in-memory facet index (``search_index``) is stale."""

    municipality = models.OneToOneField(
        "tenancy.Municipality", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.municipality_id}: {self.version}"


class ImageStatus(models.TextChoices):
    PENDING = "pending", _("wird verarbeitet")
    READY = "ready", _("bereit")
    FAILED = "failed", _("fehlgeschlagen")


class ObjectImage(TenantOwned):
    """An image of an object. The original and its tiles live in the private heritage media dir."""

    object = models.ForeignKey(HeritageObject, on_delete=models.CASCADE, related_name="images")
    image_id = models.CharField(max_length=20, unique=True, default=new_public_id, editable=False)
    original = models.CharField(max_length=300, editable=False)  # path relative to the media dir
    original_name = models.CharField(max_length=300, blank=True)
    mime_type = models.CharField(max_length=40, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    alt_text = models.CharField(_("Alternativtext"), max_length=500)
    caption = models.CharField(_("Bildunterschrift"), max_length=500, blank=True)
    rights = models.URLField(
        _("Rechte an der Abbildung"), max_length=200, choices=RIGHTS_CHOICES, default=CC_BY
    )
    photographer = models.CharField(_("Fotografin / Fotograf"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("Reihenfolge"), default=0)
    status = models.CharField(max_length=10, choices=ImageStatus.choices, default=ImageStatus.PENDING)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Abbildung")
        verbose_name_plural = _("Abbildungen")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.alt_text

    def preview_url(self, box: int = 800) -> str:
        """A IIIF URL of the whole image fitting into box × box (never upscaled)."""
        size = "max" if self.width <= box and self.height <= box else f"!{box},{box}"
        return f"/iiif/{self.image_id}/full/{size}/0/default.jpg"

    @property
    def thumbnail_url(self) -> str:
        return self.preview_url(240)

    @property
    def info_url(self) -> str:
        return f"/iiif/{self.image_id}/info.json"


class Tombstone(TenantOwned):
    """A record that was published and is no longer: reported as deleted by OAI-PMH (persistent)."""

    public_id = models.CharField(max_length=20)
    inventory_number = models.CharField(max_length=100, blank=True)
    datestamp = models.DateTimeField(default=timezone.now)
    set_specs = models.TextField(blank=True, help_text="|spec|spec|")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "public_id"], name="heritage_tomb_unique")
        ]
        indexes = [models.Index(fields=["municipality", "datestamp", "public_id"], name="heritage_tomb_idx")]

    def __str__(self) -> str:
        return f"{self.public_id} (gelöscht)"
