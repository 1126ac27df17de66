"""schema.org GovernmentService as JSON-LD for the detail page."""

from __future__ import annotations

import json
from typing import Any

from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from .models import Service

# Inside <script> only "<", ">" and "&" can end the element or start markup (cf. json_script).
_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def service_data(
    service: Service, url: str, form_url: str | None = None, offers: dict[str, Any] | None = None
) -> dict[str, Any]:
    muni = service.municipality
    with translation.override("de"):
        category = str(service.get_themenfeld_display())
    provider: dict[str, Any] = {"@type": "GovernmentOrganization", "name": muni.name}
    dept = service.department
    channel: dict[str, Any] = {"@type": "ServiceChannel", "availableLanguage": "de"}
    online = form_url or service.online_url
    if online:
        channel["serviceUrl"] = online
    if dept is not None:
        provider["department"] = {"@type": "GovernmentOrganization", "name": dept.name}
        if dept.email:
            provider["department"]["email"] = dept.email
        if dept.phone:
            provider["department"]["telephone"] = dept.phone
            channel["servicePhone"] = {"@type": "ContactPoint", "telephone": dept.phone}
        if dept.address:
            channel["serviceLocation"] = {
                "@type": "Place",
                "name": dept.name,
                "address": {"@type": "PostalAddress", "streetAddress": dept.address, "addressCountry": "DE"},
            }
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "GovernmentService",
        "name": service.name,
        "description": service.summary,
        "url": url,
        "category": category,
        "serviceType": category,
        "provider": provider,
        "serviceOperator": {"@type": "GovernmentOrganization", "name": muni.name},
        "areaServed": {"@type": "City", "name": muni.name},
        "availableChannel": channel,
        "inLanguage": "de",
    }
    if service.leika:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "LeiKa", "value": service.leika}
    if service.synonym_list:
        data["alternateName"] = service.synonym_list
    if offers:
        data["offers"] = offers  # the fee (rathaus.payments.queries.offer_for_service)
    return data


def script_tag(data: dict[str, Any]) -> SafeString:
    payload = json.dumps(data, ensure_ascii=False).translate(_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # noqa: S308 - escaped above
