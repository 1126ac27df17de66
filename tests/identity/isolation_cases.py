"""Identity entries for the tenant-isolation test (see tests/isolation.py for the how-to)."""

from __future__ import annotations

from typing import Any

from rathaus.identity.models import IdentityProvider, ServiceRequirement
from tests import isolation
from tests.isolation import Tenant


def _metadata(t: Tenant) -> str:
    entity = f"https://idp-{t.key.lower()}.example/{t.marker('IDP_ENTITY')}"
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'entityID="{entity}"><md:IDPSSODescriptor '
        'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>'
    )


@isolation.seeder
def seed_identity(t: Tenant) -> None:
    metadata = _metadata(t)
    idp = IdentityProvider.objects.create(
        municipality=t.municipality,
        provider="muk",
        entity_id=metadata.split('entityID="')[1].split('"')[0],
        metadata_xml=metadata,
        enabled=False,
        display_name=t.marker("IDP_NAME"),
    )
    t.add("identity.idp", idp)
    form = t.objects.get("fim.form")
    if form is not None:
        t.add(
            "identity.requirement",
            ServiceRequirement.objects.create(municipality=t.municipality, form=form, level=0),
        )


def _requirement_data(t: Tenant, obj: Any) -> dict[str, str]:
    return {"level": "3", "accept_citizen": "on", "lock_prefilled": "on"}


isolation.value_url("identity:login", {"provider": "bundid"})
isolation.value_url("identity:unlink", {"provider": "bundid"})
isolation.value_url("identity:setup_provider", {"provider": "bundid"})
isolation.object_url(
    "identity:requirement_edit",
    "fim.form",
    kwargs=lambda form: {"form_pk": form.pk},
    post=_requirement_data,
    shows=["FORM"],
)
isolation.page("identity:setup", shows=["IDP_ENTITY"])
isolation.page("identity:requirements", shows=["FORM"])
