"""Site-wide search: German stemming, synonyms, tenants, kinds, rebuild, hostile input.

Runs against SQLite FTS5 and PostgreSQL full-text alike (DATABASE_URL selects the backend).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rathaus.core.search import services as search
from rathaus.core.search.models import SearchDocument
from rathaus.core.ui.models import LegalPage, Notice
from tests.conftest import HOST_A, HOST_B, client_for

HUNDESTEUER = search.Doc(
    "notice",
    "1",
    "Hundesteuer 2027",
    "Die Hundesteuer für das Jahr 2027 ist bis zum 15. Februar zu zahlen.",
    "/aktuelles/1/",
)
BEKANNTMACHUNG = search.Doc(
    "legal",
    "2",
    "Öffentliche Bekanntmachung",
    "Bekanntmachung über die Auslegung des Bebauungsplans Nr. 12.",
    "/rechtliches/x/",
)
SPERRMUELL = search.Doc(
    "notice",
    "3",
    "Abholung von Sperrmüll",
    "Sperrmüll wird zweimal im Jahr abgeholt.",
    "/aktuelles/3/",
    keywords="Entrümpelung Möbel Müllabfuhr",
)


@pytest.fixture
def indexed(muni_a, muni_b):
    for doc in (HUNDESTEUER, BEKANNTMACHUNG, SPERRMUELL):
        search.index(muni_a, doc)
    search.index(muni_b, search.Doc("notice", "1", "Hundeschule Musterstadt", "Nur in B.", "/aktuelles/1/"))
    return muni_a


def titles(muni, query, **kwargs) -> list[str]:
    return [h.title for h in search.search(muni, query, **kwargs)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Hunde", "Hundesteuer 2027"),
        ("hund", "Hundesteuer 2027"),
        ("HUNDESTEUER", "Hundesteuer 2027"),
        ("Hundesteuern", "Hundesteuer 2027"),
        ("Bekanntmachungen", "Öffentliche Bekanntmachung"),
        ("bekanntmachung", "Öffentliche Bekanntmachung"),
        ("öffentlichen", "Öffentliche Bekanntmachung"),
        ("Bebauungspläne", "Öffentliche Bekanntmachung"),
        ("Sperrmüll abgeholt", "Abholung von Sperrmüll"),
    ],
)
def test_german_stemming(indexed, query, expected):
    assert titles(indexed, query) == [expected]


def test_all_terms_must_match(indexed):
    assert titles(indexed, "Hundesteuer Bebauungsplan") == []
    assert titles(indexed, "Hundesteuer Februar") == ["Hundesteuer 2027"]


def test_synonyms_via_keywords(indexed):
    assert titles(indexed, "Entrümpelung") == ["Abholung von Sperrmüll"]
    assert titles(indexed, "Möbel") == ["Abholung von Sperrmüll"]
    assert titles(indexed, "Müllabfuhr") == ["Abholung von Sperrmüll"]


def test_title_ranks_above_body(muni_a):
    search.index(muni_a, search.Doc("notice", "10", "Allgemeines", "Etwas über Parkausweise.", "/a/"))
    search.index(muni_a, search.Doc("notice", "11", "Parkausweis beantragen", "Formular.", "/b/"))
    assert titles(muni_a, "Parkausweis") == ["Parkausweis beantragen", "Allgemeines"]


def test_hit_fields_and_snippet(indexed):
    [hit] = search.search(indexed, "Februar")
    assert hit.kind == "notice"
    assert hit.url == "/aktuelles/1/"
    assert "15. Februar" in hit.snippet
    assert str(hit.kind_label) in {"Aktuelles", "News"}


def test_tenant_separation(indexed, muni_b):
    assert titles(indexed, "Hundeschule") == []
    assert titles(muni_b, "Hunde") == ["Hundeschule Musterstadt"]
    assert titles(muni_b, "Bekanntmachung") == []


def test_same_object_id_in_two_municipalities_is_two_documents(indexed, muni_b):
    assert SearchDocument.objects.filter(kind="notice", object_id="1").count() == 2
    search.remove(muni_b, "notice", "1")
    assert titles(indexed, "Hundesteuer") == ["Hundesteuer 2027"]
    assert titles(muni_b, "Hundeschule") == []


def test_kinds_filter(indexed):
    assert titles(indexed, "Jahr", kinds=["notice"]) == titles(indexed, "Jahr")
    assert set(titles(indexed, "Jahr")) == {"Hundesteuer 2027", "Abholung von Sperrmüll"}
    assert titles(indexed, "Bekanntmachung", kinds=["notice"]) == []
    assert titles(indexed, "Bekanntmachung", kinds=["legal", "notice"]) == ["Öffentliche Bekanntmachung"]
    assert titles(indexed, "Bekanntmachung", kinds=[]) == []


def test_limit(muni_a):
    for i in range(8):
        search.index(muni_a, search.Doc("notice", str(i), f"Markt {i}", "Wochenmarkt", f"/{i}/"))
    assert len(search.search(muni_a, "Wochenmarkt", limit=5)) == 5
    assert len(search.search(muni_a, "Wochenmarkt")) == 8


def test_reindex_replaces_text(indexed):
    search.index(indexed, search.Doc("notice", "1", "Grundsteuer 2027", "Neu.", "/aktuelles/1/"))
    assert titles(indexed, "Hundesteuer") == []
    assert titles(indexed, "Grundsteuer") == ["Grundsteuer 2027"]
    assert SearchDocument.objects.filter(municipality=indexed, kind="notice", object_id="1").count() == 1


def test_index_unchanged_document_writes_nothing(indexed):
    before = _snapshot()
    with CaptureQueriesContext(connection) as ctx:
        search.index(indexed, HUNDESTEUER)
    assert _snapshot() == before
    assert not [q for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]


def test_remove(indexed):
    search.remove(indexed, "notice", "1")
    assert titles(indexed, "Hundesteuer") == []
    assert not SearchDocument.objects.filter(municipality=indexed, kind="notice", object_id="1").exists()
    search.remove(indexed, "notice", "does-not-exist")  # no error
    assert titles(indexed, "Sperrmüll") == ["Abholung von Sperrmüll"]


# --- rebuild --------------------------------------------------------------------------------------


@pytest.fixture
def portal_content(muni_a, muni_b):
    now = timezone.now()
    Notice.objects.create(municipality=muni_a, title="Hundesteuer fällig", teaser="Bitte zahlen.")
    Notice.objects.create(municipality=muni_a, title="Stadtfest", teaser="Musik.", body="Bühne am Markt")
    Notice.objects.create(
        municipality=muni_a, title="Geheimer Plan", teaser="Später.", published_at=now + timedelta(days=3)
    )
    LegalPage.objects.create(municipality=muni_a, kind="impressum", body_de="Anbieter ist die Stadt.")
    Notice.objects.create(municipality=muni_b, title="Musterstädter Hundesteuer", teaser="B.")


def _snapshot():
    return sorted(
        SearchDocument.objects.values_list(
            "id", "municipality_id", "kind", "object_id", "title", "body", "url", "updated_at"
        )
    )


def test_rebuild_indexes_published_content(portal_content, muni_a, muni_b):
    SearchDocument.objects.all().delete()
    assert search.rebuild(muni_a) == 3
    assert titles(muni_a, "Hundesteuer") == ["Hundesteuer fällig"]
    assert titles(muni_a, "Bühne") == ["Stadtfest"]
    assert titles(muni_a, "Anbieter") == ["Impressum"]
    assert titles(muni_a, "Geheimer") == []  # scheduled, not yet public
    assert titles(muni_b, "Hundesteuer") == []  # B not rebuilt yet
    search.rebuild(muni_b)
    assert titles(muni_b, "Hundesteuer") == ["Musterstädter Hundesteuer"]


def test_rebuild_is_idempotent(portal_content, muni_a, muni_b):
    search.rebuild(muni_a)
    search.rebuild(muni_b)
    before = _snapshot()
    with CaptureQueriesContext(connection) as ctx:
        search.rebuild(muni_a)
        search.rebuild(muni_b)
    assert _snapshot() == before
    writes = [
        q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
    ]
    assert writes == []
    assert titles(muni_a, "Hundesteuer") == ["Hundesteuer fällig"]


def test_rebuild_drops_stale_and_updates_changed(portal_content, muni_a):
    search.rebuild(muni_a)
    search.index(muni_a, search.Doc("notice", "999999", "Verwaist", "Alt", "/x/"))
    Notice.objects.filter(title="Stadtfest").update(body="Feuerwerk")
    search.rebuild(muni_a, kinds=["notice"])
    assert titles(muni_a, "Verwaist") == []
    assert titles(muni_a, "Feuerwerk") == ["Stadtfest"]
    assert titles(muni_a, "Bühne") == []
    assert titles(muni_a, "Anbieter") == ["Impressum"]  # other kinds untouched


def test_rebuild_command(portal_content, muni_a, muni_b):
    from io import StringIO

    from django.core.management.base import CommandError

    SearchDocument.objects.all().delete()
    out = StringIO()
    call_command("rebuild_search_index", "--municipality", "zeitz", stdout=out)
    assert "zeitz: 3" in out.getvalue()
    assert SearchDocument.objects.filter(municipality=muni_b).count() == 0
    call_command("rebuild_search_index", stdout=StringIO())
    assert SearchDocument.objects.filter(municipality=muni_b).count() == 1
    with pytest.raises(CommandError):
        call_command("rebuild_search_index", "--municipality", "gibtsnicht")


# --- hostile input --------------------------------------------------------------------------------

HOSTILE = [
    '"',
    '"Hunde',
    "Hunde\"'",
    "*",
    "Hund*",
    "**",
    "NEAR",
    "NEAR(Hunde Steuer)",
    "Hunde NEAR Steuer",
    "Hunde AND",
    "OR",
    "NOT Hunde",
    "(",
    ")",
    "((Hunde))",
    "title:Hunde",
    "content:x",
    "^Hunde",
    "Hunde & Steuer | !x",
    "hund:* & !",
    "'; DROP TABLE search_searchdocument; --",
    "_",
    "___ hunde",
    "der die das",
    "\x00",
    "😀 Hunde",
    "ß",
    "-",
    "Hunde-Steuer",
    "{}[]<>",
    "a" * 10_000,
    "Hunde " * 2_000,
    " ".join(f"w{i}" for i in range(500)),
    "",
    "   ",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_fail(indexed, query):
    hits = search.search(indexed, query)
    assert all(h.url for h in hits)


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_on_search_page(indexed, query):
    response = client_for(HOST_A).get("/suche/", {"q": query})
    assert response.status_code == 200


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_on_api(indexed, query):
    response = client_for(HOST_A).get("/api/v1/search", {"q": query})
    assert response.status_code in (200, 422)
    if response.status_code == 200:
        assert isinstance(response.json(), list)


def test_quoted_query_still_finds(indexed):
    assert titles(indexed, '"Hunde"') == ["Hundesteuer 2027"]
    assert titles(indexed, "(Hunde)") == ["Hundesteuer 2027"]
    assert titles(indexed, "Hund*") == ["Hundesteuer 2027"]


def test_search_page_shows_grouped_hits_of_own_municipality(indexed, muni_b):
    response = client_for(HOST_A).get("/suche/", {"q": "Hunde"})
    html = response.content.decode()
    assert "Hundesteuer 2027" in html
    assert "Hundeschule" not in html
    assert response.context["count"] == 1
    response = client_for(HOST_B).get("/suche/", {"q": "Hunde"})
    assert "Hundeschule Musterstadt" in response.content.decode()
    assert "Hundesteuer 2027" not in response.content.decode()


def test_search_page_escapes_query(indexed):
    response = client_for(HOST_A).get("/suche/", {"q": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content


def test_search_page_without_query(indexed):
    response = client_for(HOST_A).get("/suche/")
    assert response.status_code == 200
    assert response.context["count"] == 0
