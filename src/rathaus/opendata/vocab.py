# ruff: noqa: E501  (demo texts and official names are kept on one line each)
"""Controlled vocabularies of DCAT-AP.de 2.0 used by the open-data app, as fixed lists in code.

The licence list is the dcat-ap.de list "open licences", version 2020-07-15
(http://dcat-ap.de/def/licenses/20200715); tests/opendata/test_vocab.py checks these URIs against the
official RDF file in the shared test data. Themes, frequencies and file types are EU authority tables
(publications.europa.eu/resource/authority/…).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

LICENCE_BASE = "http://dcat-ap.de/def/licenses/"

# (URI, German name as in the official list). Order: the licences municipalities use most first.
LICENCES: list[tuple[str, str]] = [
    (LICENCE_BASE + "dl-by-de/2.0", "Datenlizenz Deutschland Namensnennung 2.0"),
    (LICENCE_BASE + "dl-zero-de/2.0", "Datenlizenz Deutschland – Zero – Version 2.0"),
    (LICENCE_BASE + "cc-by/4.0", "Creative Commons Namensnennung – 4.0 International (CC BY 4.0)"),
    (LICENCE_BASE + "cc-zero", "Creative Commons CC Zero License (cc-zero)"),
    (
        LICENCE_BASE + "cc-by-sa/4.0",
        "Creative Commons Namensnennung - Weitergabe unter gleichen Bedingungen 4.0 International (CC-BY-SA 4.0)",
    ),
    (LICENCE_BASE + "odbl", "Open Data Commons Open Database License (ODbL)"),
    (LICENCE_BASE + "officialWork", "Amtliches Werk, lizenzfrei nach §5 Abs. 1 UrhG"),
    (LICENCE_BASE + "dl-by-de/1.0", "Datenlizenz Deutschland Namensnennung 1.0"),
    (LICENCE_BASE + "dl-by-nc-de/1.0", "Datenlizenz Deutschland Namensnennung nicht-kommerziell 1.0"),
    (LICENCE_BASE + "cc-by", "Creative Commons Namensnennung (CC-BY)"),
    (LICENCE_BASE + "cc-by-de/3.0", "Creative Commons Namensnennung 3.0 Deutschland (CC BY 3.0 DE)"),
    (LICENCE_BASE + "cc-by-nc", "Creative Commons Namensnennung - Nicht kommerziell (CC BY-NC)"),
    (
        LICENCE_BASE + "cc-by-nc-de/3.0",
        "Creative Commons Namensnennung-Nicht kommerziell 3.0 Deutschland (CC BY-NC 3.0 DE)",
    ),
    (
        LICENCE_BASE + "cc-by-nc/4.0",
        "Creative Commons Namensnennung - Nicht kommerziell 4.0 International (CC BY-NC 4.0)",
    ),
    (LICENCE_BASE + "cc-by-nd", "Creative Commons Namensnennung - Keine Bearbeitung (CC BY-ND)"),
    (
        LICENCE_BASE + "cc-by-nd/3.0",
        "Creative Commons Namensnennung - Keine Bearbeitung 3.0 Unported (CC BY-ND 3.0)",
    ),
    (
        LICENCE_BASE + "cc-by-nd/4.0",
        "Creative Commons Namensnennung - Keine Bearbeitung 4.0 International (CC BY-ND 4.0)",
    ),
    (
        LICENCE_BASE + "cc-by-sa",
        "Creative Commons Namensnennung - Weitergabe unter gleichen Bedingungen (CC-BY-SA)",
    ),
    (
        LICENCE_BASE + "cc-by-sa-de/3.0",
        "Creative Commons Namensnennung - Weitergabe unter gleichen Bedingungen 3.0 Deutschland (CC BY-SA 3.0 DE)",
    ),
    (LICENCE_BASE + "ccpdm/1.0", "Public Domain Mark 1.0 (PDM)"),
    (LICENCE_BASE + "odby", "Open Data Commons Attribution License (ODC-BY 1.0)"),
    (LICENCE_BASE + "odcpddl", "Open Data Commons Public Domain Dedication and Licence (ODC PDDL)"),
    (
        LICENCE_BASE + "geonutz/20130319",
        "Nutzungsbestimmungen für die Bereitstellung von Geodaten des Bundes",
    ),
    (
        LICENCE_BASE + "geoNutz/20131001",
        "Nutzungsbestimmungen für die Bereitstellung von Geodaten des Landes Berlin",
    ),
    (LICENCE_BASE + "apache", "Freie Softwarelizenz der Apache Software Foundation"),
    (LICENCE_BASE + "bsd", "BSD Lizenz"),
    (LICENCE_BASE + "gfdl", "GNU Free Documentation License (GFDL)"),
    (LICENCE_BASE + "gpl/3.0", "GNU General Public License version 3.0 (GPLv3)"),
    (LICENCE_BASE + "mozilla", "Mozilla Public License 2.0 (MPL)"),
    (LICENCE_BASE + "other-open", "Andere offene Lizenz"),
    (LICENCE_BASE + "other-opensource", "Andere Open Source Lizenz"),
    (LICENCE_BASE + "other-freeware", "Andere Freeware Lizenz"),
    (LICENCE_BASE + "other-commercial", "Andere kommerzielle Lizenz"),
    (LICENCE_BASE + "other-closed", "Andere geschlossene Lizenz"),
]
LICENCE_NAMES = dict(LICENCES)
# Where a person can read the licence text (the dcat-ap.de URI itself otherwise).
LICENCE_TEXT_URLS = {
    LICENCE_BASE + "dl-by-de/2.0": "https://www.govdata.de/dl-de/by-2-0",
    LICENCE_BASE + "dl-zero-de/2.0": "https://www.govdata.de/dl-de/zero-2-0",
    LICENCE_BASE + "cc-by/4.0": "https://creativecommons.org/licenses/by/4.0/deed.de",
    LICENCE_BASE + "cc-zero": "https://creativecommons.org/publicdomain/zero/1.0/deed.de",
    LICENCE_BASE + "cc-by-sa/4.0": "https://creativecommons.org/licenses/by-sa/4.0/deed.de",
    LICENCE_BASE + "odbl": "https://opendatacommons.org/licenses/odbl/",
}
DEFAULT_LICENCE = LICENCE_BASE + "dl-by-de/2.0"


def licence_name(uri: str) -> str:
    return LICENCE_NAMES.get(uri, uri)


def licence_url(uri: str) -> str:
    return LICENCE_TEXT_URLS.get(uri, uri)


THEME_BASE = "http://publications.europa.eu/resource/authority/data-theme/"
THEMES = [
    ("GOVE", _("Regierung und öffentlicher Sektor")),
    ("ECON", _("Wirtschaft und Finanzen")),
    ("EDUC", _("Bildung, Kultur und Sport")),
    ("TRAN", _("Verkehr")),
    ("SOCI", _("Bevölkerung und Gesellschaft")),
    ("TECH", _("Wissenschaft und Technologie")),
    ("ENVI", _("Umwelt")),
    ("REGI", _("Regionen und Städte")),
    ("JUST", _("Justiz, Rechtssystem und öffentliche Sicherheit")),
    ("HEAL", _("Gesundheit")),
    ("AGRI", _("Landwirtschaft, Fischerei, Forstwirtschaft und Nahrungsmittel")),
    ("ENER", _("Energie")),
    ("INTR", _("Internationale Themen")),
]
THEME_NAMES = dict(THEMES)

FREQUENCY_BASE = "http://publications.europa.eu/resource/authority/frequency/"
FREQUENCIES = [
    ("DAILY", _("täglich")),
    ("WEEKLY", _("wöchentlich")),
    ("MONTHLY", _("monatlich")),
    ("QUARTERLY", _("vierteljährlich")),
    ("ANNUAL", _("jährlich")),
    ("IRREG", _("unregelmäßig")),
    ("NEVER", _("nie")),
    ("UNKNOWN", _("unbekannt")),
]

FILE_TYPE_BASE = "http://publications.europa.eu/resource/authority/file-type/"
# EU file-type code -> (media type, label). Uploads are limited to the first six (checked by content).
FILE_TYPES: dict[str, tuple[str, str]] = {
    "CSV": ("text/csv", "CSV"),
    "JSON": ("application/json", "JSON"),
    "GEOJSON": ("application/geo+json", "GeoJSON"),
    "XLSX": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel (XLSX)"),
    "PDF": ("application/pdf", "PDF"),
    "ZIP": ("application/zip", "ZIP"),
    "XML": ("application/xml", "XML"),
    "ICS": ("text/calendar", "iCalendar"),
    "RDF_TURTLE": ("text/turtle", "Turtle"),
    "RDF_XML": ("application/rdf+xml", "RDF/XML"),
    "JSON_LD": ("application/ld+json", "JSON-LD"),
}
FORMAT_CHOICES = [(code, label) for code, (_media, label) in FILE_TYPES.items()]
UPLOAD_FORMATS = ("CSV", "JSON", "GEOJSON", "XLSX", "PDF", "ZIP")

LANGUAGE_DEU = "http://publications.europa.eu/resource/authority/language/DEU"
GEOCODING_MUNICIPALITY = "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/"
GEOCODING_LEVEL_MUNICIPALITY = "http://dcat-ap.de/def/politicalGeocoding/Level/municipality"
HASH_SHA256 = "http://dcat-ap.de/def/hashAlgorithms/sha/256"
