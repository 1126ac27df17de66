from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rathaus.core import uploads
from rathaus.core.tenancy.models import Municipality

from . import analysis, gtfs, queries, services
from .models import FeedVersion

DAY_TYPE_CHOICES = [
    ("werktag", _("Werktag (Di–Do)")),
    ("samstag", _("Samstag")),
    ("sonntag", _("Sonntag")),
    ("datum", _("Bestimmtes Datum")),
]


_UNKNOWN: Any = object()  # "not looked up yet" (None means: there is no published version)


class WindowForm(forms.Form):
    """Feed version, day type or date, time window (GET; works without JavaScript)."""

    fahrplan = forms.ModelChoiceField(
        queryset=FeedVersion.objects.none(), label=_("Fahrplanstand"), empty_label=None
    )
    tagestyp = forms.ChoiceField(choices=DAY_TYPE_CHOICES, label=_("Tagestyp"), initial="werktag")
    datum = forms.DateField(
        label=_("Datum"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Nur bei „Bestimmtes Datum“."),
    )
    von = forms.CharField(label=_("Von"), initial="06:00", max_length=5, help_text=_("SS:MM, einschließlich"))
    bis = forms.CharField(
        label=_("Bis"),
        initial="20:00",
        max_length=5,
        help_text=_("SS:MM, ausschließlich; bis 48:00 für Fahrten nach Mitternacht"),
    )

    def __init__(
        self, municipality: Municipality, *args: Any, current: Any = _UNKNOWN, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        qs = queries.public_feeds(municipality)  # drafts are never offered publicly
        self.fields["fahrplan"].queryset = qs  # type: ignore[attr-defined]
        # The select is rendered from one evaluated list (a ModelChoiceIterator queries again on
        # every pass over it); validation still checks the chosen id against the queryset.
        field = self.fields["fahrplan"]
        field.widget.choices = list(iter(field.choices))  # type: ignore[attr-defined]  # iter(): no COUNT query
        # ``current``: the published version when the caller has looked it up already.
        first = queries.current_feed(municipality) if current is _UNKNOWN else current
        if first is not None:
            self.fields["fahrplan"].initial = first.pk

    def _hhmm(self, field: str) -> int:
        try:
            return gtfs.parse_hhmm(self.cleaned_data.get(field) or "")
        except ValueError:
            raise forms.ValidationError(
                _("Bitte eine Uhrzeit im Format SS:MM angeben (z. B. 06:00).")
            ) from None

    def clean_von(self) -> int:
        return self._hhmm("von")

    def clean_bis(self) -> int:
        return self._hhmm("bis")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            isinstance(data.get("von"), int)
            and isinstance(data.get("bis"), int)
            and data["bis"] <= data["von"]
        ):
            self.add_error("bis", _("Das Ende muss nach dem Beginn liegen."))
        if data.get("tagestyp") == "datum" and not data.get("datum"):
            self.add_error("datum", _("Bitte ein Datum angeben."))
        return data

    def window(self) -> tuple[FeedVersion, analysis.Window] | None:
        """The chosen feed and window; None (with a form error) when the feed has no such day."""
        d = self.cleaned_data
        feed: FeedVersion = d["fahrplan"]
        day: date | None = (
            d.get("datum") if d["tagestyp"] == "datum" else queries.representative_date(feed, d["tagestyp"])
        )
        if day is None:
            self.add_error("tagestyp", _("Für diesen Tagestyp gibt es im Fahrplanstand keinen Verkehrstag."))
            return None
        return feed, analysis.Window(day, d["von"], d["bis"])


def initial_data(municipality: Municipality, current: Any = _UNKNOWN) -> dict[str, Any]:
    feed = queries.current_feed(municipality) if current is _UNKNOWN else current
    return {"fahrplan": feed.pk if feed else "", "tagestyp": "werktag", "von": "06:00", "bis": "20:00"}


class FeedUploadForm(forms.Form):
    name = forms.CharField(
        label=_("Name des Fahrplanstands"), max_length=100, help_text=_("z. B. „Fahrplan 2026“")
    )
    file = forms.FileField(
        label=_("GTFS-Feed (ZIP)"), help_text=_("ZIP-Archiv mit den GTFS-Dateien, höchstens 200 MB.")
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > services.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Die Datei ist größer als 200 MB."))
        head = upload.read(4)
        upload.seek(0)
        if not services.is_zip(head):
            raise forms.ValidationError(_("Die Datei ist kein ZIP-Archiv."))
        return upload


class GridUploadForm(forms.Form):
    name = forms.CharField(label=_("Name des Rasters"), max_length=100)
    file = forms.FileField(
        label=_("Rasterdatei (CSV oder Parquet)"),
        help_text=_("Spalten x, y (Zellmittelpunkt) und count oder Einwohner; höchstens 50 MB."),
    )
    crs = forms.CharField(label=_("Koordinatenreferenzsystem"), initial="EPSG:3035", max_length=40)
    source = forms.CharField(label=_("Quelle / Namensnennung"), max_length=500, required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            uploads.check_file(upload, size=upload.size, max_bytes=services.MAX_GRID_UPLOAD_BYTES)
        except uploads.UploadRejected as exc:
            raise forms.ValidationError(exc.message) from exc
        head = uploads.read_head(upload, 512)
        if uploads.sniff(head) is not uploads.PARQUET and (b"\x00" in head or not head.strip()):
            raise forms.ValidationError(_("Die Datei ist weder CSV noch Parquet."))
        return upload


class DistrictForm(forms.Form):
    name = forms.CharField(label=_("Name des Ortsteils"), max_length=100)
    polygon = forms.CharField(
        label=_("Umring (GeoJSON)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("GeoJSON-Polygon oder Liste von [Länge, Breite]-Paaren in WGS84."),
    )

    def clean_polygon(self) -> str:
        text: str = self.cleaned_data["polygon"]
        try:
            services.parse_polygon(text)
        except services.MobilityError as err:
            raise forms.ValidationError(err.message) from None
        return text


class AreaForm(forms.Form):
    polygon = forms.CharField(
        label=_("Umring des Gemeindegebiets (GeoJSON)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "GeoJSON-Polygon oder Liste von [Länge, Breite]-Paaren in WGS84; dient als Grundkarte "
            "und zur Plausibilitätsprüfung hochgeladener Fahrpläne."
        ),
    )
    source = forms.CharField(label=_("Quelle / Namensnennung"), max_length=500, required=False)

    def clean_polygon(self) -> str:
        text: str = self.cleaned_data["polygon"]
        try:
            services.parse_polygon(text)
        except services.MobilityError as err:
            raise forms.ValidationError(err.message) from None
        return text
