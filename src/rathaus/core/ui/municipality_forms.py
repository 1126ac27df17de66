from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from rathaus.core.tenancy.models import Municipality

ALLOWED_LOGO_FORMATS = {"PNG", "JPEG", "WEBP"}


class MunicipalitySettingsForm(forms.ModelForm[Municipality]):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Municipality
        fields = [
            "official_name",
            "address",
            "phone",
            "email",
            "website",
            "opening_hours",
            "accessibility_contact_email",
            "brand_colour",
            "logo",
            "logo_alt",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "opening_hours": forms.Textarea(attrs={"rows": 4}),
            "logo": forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
        }

    def clean_logo(self) -> object:
        logo = self.cleaned_data.get("logo")
        if not logo or logo == self.instance.logo:
            return logo
        if logo.size > settings.RATHAUS_MAX_LOGO_BYTES:
            raise forms.ValidationError(
                _("Das Logo ist zu groß (höchstens %(kb)d KB)."),
                params={"kb": settings.RATHAUS_MAX_LOGO_BYTES // 1024},
            )
        # Checked by content, not by file name: Pillow must recognise an allowed raster format.
        try:
            with Image.open(logo) as img:
                img.verify()
                fmt = img.format
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise forms.ValidationError(_("Die Datei ist kein gültiges Bild (PNG, JPEG oder WebP).")) from exc
        if fmt not in ALLOWED_LOGO_FORMATS:
            raise forms.ValidationError(_("Erlaubt sind PNG, JPEG und WebP."))
        logo.seek(0)
        return logo
