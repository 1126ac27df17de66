"""THE attribute table: SAML attribute names (OIDs) of BundID and Mein Unternehmenskonto → the
meanings Rathaus uses (the prefill meanings of rathaus.fim.prefill and a few of its own).

docs/identity.md prints the same table; change both together.
"""

from __future__ import annotations

AKDB_NS = "https://www.akdb.de/request/2018/09"
CLASSIC_UI_NS = "https://www.akdb.de/request/2018/09/classic-ui/v1"
TRUST_LEVEL_ATTR = f"{{{AKDB_NS}}}TrustLevel"

# OID → (key, German label). ``key`` is a prefill meaning where one exists.
ATTRIBUTES: dict[str, tuple[str, str]] = {
    "urn:oid:1.3.6.1.4.1.25484.494450.3": ("bpk2", "bPK2 (dauerhaftes Pseudonym)"),
    "urn:oid:2.5.4.42": ("given_name", "Vorname"),
    "urn:oid:2.5.4.4": ("family_name", "Familienname"),
    "urn:oid:0.9.2342.19200300.100.1.3": ("email", "E-Mail-Adresse"),
    "urn:oid:1.2.40.0.10.2.1.1.55": ("birth_date", "Geburtsdatum"),
    "urn:oid:1.2.40.0.10.2.1.1.225599": ("birth_name", "Geburtsname"),
    "urn:oid:1.3.6.1.4.1.33592.1.3.5": ("gender", "Geschlecht"),
    "urn:oid:2.5.4.16": ("street_line", "Anschrift (Straße und Hausnummer)"),
    "urn:oid:2.5.4.17": ("postcode", "Postleitzahl"),
    "urn:oid:2.5.4.7": ("city", "Ort"),
    "urn:oid:1.2.40.0.10.2.1.1.225566": ("country", "Land"),
    "urn:oid:1.2.40.0.10.2.1.1.261.94": ("level", "Vertrauensniveau der Anmeldung (gesamt)"),
    "urn:oid:1.3.6.1.4.1.25484.494450.2": ("method", "Anmeldeverfahren"),
    # Mein Unternehmenskonto (X.520 names; the attribute set is agreed per service provider)
    "urn:oid:2.5.4.97": ("organisation_id", "Unternehmenskennung"),
    "urn:oid:2.5.4.10": ("organisation_name", "Name des Unternehmens"),
}
KEYS = {key: oid for oid, (key, _label) in ATTRIBUTES.items()}
BPK2 = KEYS["bpk2"]

# What a BundID login asks for (RequiredAttribute="true" for bPK2 only).
BUNDID_REQUESTED = [
    "bpk2",
    "given_name",
    "family_name",
    "email",
    "birth_date",
    "street_line",
    "postcode",
    "city",
    "country",
]
MUK_REQUESTED = ["organisation_id", "organisation_name", "given_name", "family_name", "email"]

# Trust levels: akdb:TrustLevel of an attribute and the overall level attribute / STORK class.
TRUST_LEVELS = {"UNTERGEORDNET": 1, "NORMAL": 2, "SUBSTANTIELL": 3, "HOCH": 4}
STORK_PREFIX = "STORK-QAA-Level-"
LEVEL_NAMES = {0: "keine", 1: "niedrig", 2: "normal", 3: "substantiell", 4: "hoch"}
# The request asks for at least this STORK class for a required level (basic = level 1).
METHODS = ["Benutzername", "eID", "eIDAS", "Elster", "FINK", "Diia", "Authega"]


def level_of(value: str) -> int:
    """STORK-QAA-Level-3, SUBSTANTIELL, 3, urn:…:STORK-QAA-Level-4 → 3/4; unknown → 0."""
    value = (value or "").strip()
    if value.upper() in TRUST_LEVELS:
        return TRUST_LEVELS[value.upper()]
    tail = value.rsplit(STORK_PREFIX, 1)[-1] if STORK_PREFIX in value else value
    return int(tail) if tail.isdigit() and 1 <= int(tail) <= 4 else 0


def split_street(line: str) -> tuple[str, str]:
    """„Markt 1a“ → („Markt“, „1a“): the BundID sends street and house number in one line."""
    line = (line or "").strip()
    head, _sep, tail = line.rpartition(" ")
    if head and tail[:1].isdigit():
        return head, tail
    return line, ""
