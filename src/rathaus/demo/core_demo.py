"""Demo data of the platform itself: Zeitz and Musterstadt, accounts, roles, portal content."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress

from rathaus.core.accounts.mfa import activate_totp
from rathaus.core.accounts.models import (
    Department,
    Membership,
    Organisation,
    OrganisationMembership,
    Role,
    User,
)
from rathaus.core.search import services as search
from rathaus.core.tenancy.models import Domain, Municipality
from rathaus.core.ui.models import LegalPage, Notice

from . import texts
from .registry import demo_step

DEMO_PASSWORD = "Rathaus-Demo-2026"  # noqa: S105 - documented demo credential
# Base32 TOTP secret of every demo staff account, so the demo works with any authenticator app
# (or `python manage.py demo_totp EMAIL`). Never used outside the demo data.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105
BERLIN = ZoneInfo("Europe/Berlin")

MUNICIPALITIES: list[dict[str, Any]] = [
    {
        "slug": "zeitz",
        "name": "Zeitz",
        "official_name": "Stadt Zeitz",
        "ags": "15084590",
        "ars": "150840590590",
        "state": "15",
        "reference_prefix": "ZZ",
        "address": "Stadtverwaltung Zeitz\nAltmarkt 1\n06712 Zeitz",
        "phone": "03441 83-0",
        "email": "info@stadt-zeitz.example",
        "website": "https://www.zeitz.de",
        "opening_hours": "Mo 9–12 Uhr\nDi 9–12 und 13–18 Uhr\nDo 9–12 und 13–16 Uhr\nFr 9–12 Uhr",
        "accessibility_contact_email": "barrierefrei@stadt-zeitz.example",
        "brand_colour": "#1c4f8a",
        "hosts": ["zeitz.localhost", "127.0.0.1", "localhost"],
    },
    {
        "slug": "musterstadt",
        "name": "Musterstadt",
        "official_name": "Stadt Musterstadt",
        "ags": "16099999",
        "ars": "160990000999",
        "state": "16",
        "reference_prefix": "MS",
        "address": "Rathaus Musterstadt\nMarktplatz 1\n99999 Musterstadt",
        "phone": "01234 5678-0",
        "email": "rathaus@musterstadt.example",
        "website": "",
        "opening_hours": "Mo–Fr 8–12 Uhr",
        "accessibility_contact_email": "",
        "brand_colour": "#2f5d3a",
        "hosts": ["musterstadt.localhost"],
    },
]

DEPARTMENTS = {
    "zeitz": [
        ("Bürgerservice und Einwohnermeldeamt", "buergerservice@stadt-zeitz.example", "03441 83-100"),
        ("Ordnungsamt", "ordnungsamt@stadt-zeitz.example", "03441 83-300"),
        ("Bauamt und Stadtplanung", "bauamt@stadt-zeitz.example", "03441 83-600"),
        ("Kämmerei und Steuern", "steuern@stadt-zeitz.example", "03441 83-200"),
        ("Wirtschaftsförderung und Digitalisierung", "digital@stadt-zeitz.example", "03441 83-800"),
        ("Kultur, Museum Schloss Moritzburg und Stadtarchiv", "kultur@stadt-zeitz.example", "03441 83-700"),
    ],
    "musterstadt": [("Bürgerbüro", "buergerbuero@musterstadt.example", "01234 5678-10")],
}

# (email, display name, municipality slug or None, role, modules, departments, superuser)
USERS: list[tuple[str, str, str | None, str | None, list[str], list[str], bool]] = [
    ("plattform@rathaus.example", "Plattform-Administration", None, None, [], [], True),
    ("admin@zeitz.example", "Kommunal-Administration Zeitz", "zeitz", Role.ADMIN, [], [], False),
    (
        "sachbearbeitung@zeitz.example",
        "Sachbearbeitung Bürgerservice",
        "zeitz",
        Role.STAFF,
        [],
        ["Bürgerservice und Einwohnermeldeamt"],
        False,
    ),
    ("redaktion@zeitz.example", "Redaktion Portal", "zeitz", Role.MODULE_MANAGER, ["portal"], [], False),
    (
        "hub@zeitz.example",
        "Betrieb Digital Hub",
        "zeitz",
        Role.MODULE_MANAGER,
        ["hub", "events"],
        ["Wirtschaftsförderung und Digitalisierung"],
        False,
    ),
    (
        "admin@musterstadt.example",
        "Kommunal-Administration Musterstadt",
        "musterstadt",
        Role.ADMIN,
        [],
        [],
        False,
    ),
    ("buerger@zeitz.example", "Kim Beispiel", None, None, [], [], False),
    ("partner@it-partner.example", "Alex Partner (IT-Dienstleister)", None, None, [], [], False),
    ("unternehmen@zeitz.example", "Elstertal Werkzeugbau GmbH", None, None, [], [], False),
]


@demo_step(10)
def municipalities(cmd: Any) -> None:
    for spec in MUNICIPALITIES:
        data = {k: v for k, v in spec.items() if k not in {"slug", "hosts"}}
        muni, _created = Municipality.objects.get_or_create(slug=spec["slug"], defaults=data)
        for i, host in enumerate(spec["hosts"]):
            Domain.objects.get_or_create(host=host, defaults={"municipality": muni, "is_primary": i == 0})
        for name, email, phone in DEPARTMENTS[spec["slug"]]:
            Department.objects.get_or_create(
                municipality=muni,
                name=name,
                defaults={"email": email, "phone": phone, "address": spec["address"]},
            )


@demo_step(20)
def accounts(cmd: Any) -> None:
    partner, _ = Organisation.objects.get_or_create(
        name="IT-Partner des Digital Hubs", defaults={"kind": "public"}
    )
    business, _ = Organisation.objects.get_or_create(
        name="Elstertal Werkzeugbau GmbH", defaults={"kind": "business"}
    )
    for email, name, slug, role, modules, departments, superuser in USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email,
                DEMO_PASSWORD,
                display_name=name,
                is_superuser=superuser,
                is_staff=superuser,
                account_type="business" if email.startswith("unternehmen") else "person",
            )
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if superuser or role:
            activate_totp(user, DEMO_TOTP_SECRET)
        if slug and role:
            muni = Municipality.objects.get(slug=slug)
            membership, created = Membership.objects.get_or_create(
                municipality=muni, user=user, defaults={"role": role, "modules": modules}
            )
            if created and departments:
                membership.departments.set(Department.objects.filter(municipality=muni, name__in=departments))
        if email.startswith("partner@"):
            OrganisationMembership.objects.get_or_create(organisation=partner, user=user)
        if email.startswith("unternehmen@"):
            OrganisationMembership.objects.get_or_create(
                organisation=business, user=user, defaults={"is_representative": True}
            )


@demo_step(30)
def portal_content(cmd: Any) -> None:
    for slug in ("zeitz", "musterstadt"):
        muni = Municipality.objects.get(slug=slug)
        for kind, (body_de, body_en) in texts.legal_pages(muni).items():
            LegalPage.objects.get_or_create(
                municipality=muni, kind=kind, defaults={"body_de": body_de, "body_en": body_en}
            )
        for n in texts.NOTICES.get(slug, []):
            Notice.objects.get_or_create(
                municipality=muni,
                title=n["title"],
                defaults={
                    "title_en": n["title_en"],
                    "teaser": n["teaser"],
                    "teaser_en": n["teaser_en"],
                    "body": n["body"],
                    "is_official": n.get("official", False),
                    "published_at": datetime(n["date"][0], n["date"][1], n["date"][2], 9, 0, tzinfo=BERLIN),
                },
            )


@demo_step(90)
def search_index(cmd: Any) -> None:
    for muni in Municipality.objects.all():
        search.rebuild(muni)
