from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from rathaus.core import uploads
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
        try:
            uploads.check_file(
                logo,
                size=logo.size,
                max_bytes=settings.RATHAUS_MAX_LOGO_BYTES,
                allowed=[uploads.PNG.media_type, uploads.JPEG.media_type, uploads.WEBP.media_type],
            )
        except uploads.UploadRejected as exc:
            raise forms.ValidationError(exc.message) from exc
        # Then the whole file: Pillow must read it as an allowed raster format.
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
