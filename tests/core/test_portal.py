"""Portal pages: home, legal pages, accessibility feedback, notices, settings, language."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from rathaus.core.audit.models import AuditEvent
from rathaus.core.search import services as search
from rathaus.core.tenancy.models import Municipality
from rathaus.core.ui.models import AccessibilityFeedback, LegalPage, Notice
from tests.conftest import HOST_A, HOST_B, client_for

# --- Home page ----------------------------------------------------------------------------------


def test_home_shows_own_published_notices_only(muni_a, muni_b):
    now = timezone.now()
    Notice.objects.create(municipality=muni_a, title="Stadtfest Zeitz", teaser="Am Altmarkt.")
    Notice.objects.create(
        municipality=muni_a, title="Amtliche Sache", teaser="Bekanntmachung.", is_official=True
    )
    Notice.objects.create(
        municipality=muni_a, title="Noch geheim", teaser="Später.", published_at=now + timedelta(hours=1)
    )
    Notice.objects.create(municipality=muni_b, title="Musterfest", teaser="In B.")
    html = client_for(HOST_A).get("/").content.decode()
    assert "Stadtfest Zeitz" in html
    assert "Amtliche Sache" in html
    assert "Amtliche Bekanntmachung" in html  # badge
    assert "Noch geheim" not in html
    assert "Musterfest" not in html
    html_b = client_for(HOST_B).get("/").content.decode()
    assert "Musterfest" in html_b
    assert "Stadtfest Zeitz" not in html_b


def test_home_shows_latest_five_newest_first(muni_a):
    now = timezone.now()
    for i in range(7):
        Notice.objects.create(
            municipality=muni_a, title=f"Meldung Nummer {i}", teaser="x", published_at=now - timedelta(days=i)
        )
    html = client_for(HOST_A).get("/").content.decode()
    shown = re.findall(r"Meldung Nummer (\d)", html)
    assert shown == ["0", "1", "2", "3", "4"]


def test_home_shows_contact_details(muni_a):
    muni_a.phone = "03441 83-0"
    muni_a.opening_hours = "Mo 9–12 Uhr"
    muni_a.save()
    html = client_for(HOST_A).get("/").content.decode()
    assert "03441 83-0" in html
    assert "Mo 9–12 Uhr" in html
    assert "info@zeitz.example" in html


def _home_queries(muni, count: int) -> tuple[int, int]:
    Notice.objects.filter(municipality=muni).delete()
    for i in range(count):
        Notice.objects.create(municipality=muni, title=f"N{i}", teaser="t")
    cache.clear()
    c = client_for(HOST_A)
    with CaptureQueriesContext(connection) as cold:
        assert c.get("/").status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert c.get("/").status_code == 200
    return len(cold), len(warm)


def test_home_query_count_is_constant(muni_a):
    cold_3, warm_3 = _home_queries(muni_a, 3)
    cold_20, warm_20 = _home_queries(muni_a, 20)
    assert cold_3 == cold_20
    assert warm_3 == warm_20
    assert warm_20 <= cold_20
    assert warm_20 <= 2  # warm cache: tenant and notices come from the cache


def test_home_query_count_logged_in_is_constant(muni_a, citizen, django_assert_max_num_queries):
    for i in range(20):
        Notice.objects.create(municipality=muni_a, title=f"N{i}", teaser="t")
    c = client_for(HOST_A, citizen)
    c.get("/")  # warm the cache
    with django_assert_max_num_queries(6):
        assert c.get("/").status_code == 200


def test_home_cache_is_dropped_when_a_notice_is_saved(editor_a, muni_a):
    c = client_for(HOST_A)
    assert "Neue Meldung" not in c.get("/").content.decode()
    client_for(HOST_A, editor_a).post(
        "/verwaltung/aktuelles/neu/", _notice_data(title="Neue Meldung"), follow=False
    )
    assert "Neue Meldung" in c.get("/").content.decode()


def test_notice_detail(muni_a, muni_b):
    n = Notice.objects.create(municipality=muni_a, title="Stadtfest", teaser="t", body="**Musik** live")
    future = Notice.objects.create(
        municipality=muni_a, title="Später", teaser="t", published_at=timezone.now() + timedelta(days=1)
    )
    other = Notice.objects.create(municipality=muni_b, title="B", teaser="t")
    c = client_for(HOST_A)
    response = c.get(f"/aktuelles/{n.pk}/")
    assert response.status_code == 200
    assert "<strong>Musik</strong>" in response.content.decode()
    assert c.get(f"/aktuelles/{future.pk}/").status_code == 404
    assert c.get(f"/aktuelles/{other.pk}/").status_code == 404


# --- Legal pages --------------------------------------------------------------------------------

LEGAL_KINDS = ["impressum", "datenschutz", "barrierefreiheit", "leichte-sprache", "gebaerdensprache"]


@pytest.mark.parametrize("kind", LEGAL_KINDS)
def test_legal_pages_render_and_are_linked_in_footer(muni_a, kind):
    response = client_for(HOST_A).get(f"/rechtliches/{kind}/")
    assert response.status_code == 200
    home = client_for(HOST_A).get("/").content.decode()
    assert f'href="/rechtliches/{kind}/"' in home


def test_legal_page_unknown_kind_is_404(muni_a, editor_a):
    assert client_for(HOST_A).get("/rechtliches/agb/").status_code == 404
    assert client_for(HOST_A, editor_a).get("/verwaltung/rechtliches/agb/").status_code == 404
    response = client_for(HOST_A, editor_a).post("/verwaltung/rechtliches/agb/", {"body_de": "x"})
    assert response.status_code == 404
    assert not LegalPage.objects.exists()


def test_legal_page_renders_markdown_safely(muni_a):
    LegalPage.objects.create(
        municipality=muni_a,
        kind="impressum",
        body_de="## Anbieter\n\n**Stadt** Zeitz\n\n<script>alert('x')</script>\n\n"
        "<img src=x onerror=alert(1)>\n\n[Klick](javascript:alert(1))",
    )
    html = client_for(HOST_A).get("/rechtliches/impressum/").content.decode()
    assert "<h2>Anbieter</h2>" in html
    assert "<strong>Stadt</strong>" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(" in html
    assert "<img src=x" not in html
    assert 'href="javascript:' not in html


def test_legal_page_english_falls_back_to_german(muni_a):
    LegalPage.objects.create(municipality=muni_a, kind="datenschutz", body_de="Nur deutsch", body_en="")
    LegalPage.objects.create(municipality=muni_a, kind="impressum", body_de="Deutsch", body_en="English text")
    c = client_for(HOST_A)
    c.cookies["django_language"] = "en"
    assert "Nur deutsch" in c.get("/rechtliches/datenschutz/").content.decode()
    html = c.get("/rechtliches/impressum/").content.decode()
    assert "English text" in html and "Deutsch</p>" not in html


def test_sign_language_page_has_placeholder_and_text(muni_a):
    LegalPage.objects.create(municipality=muni_a, kind="gebaerdensprache", body_de="Textfassung")
    html = client_for(HOST_A).get("/rechtliches/gebaerdensprache/").content.decode()
    assert "data-video-placeholder" in html
    assert "Textfassung" in html


def test_legal_page_of_b_not_shown_on_a(muni_a, muni_b):
    LegalPage.objects.create(municipality=muni_b, kind="impressum", body_de="Impressum von Musterstadt")
    assert (
        "Impressum von Musterstadt" not in client_for(HOST_A).get("/rechtliches/impressum/").content.decode()
    )


def test_editor_edits_legal_page(editor_a, muni_a, muni_b):
    c = client_for(HOST_A, editor_a)
    assert c.get("/verwaltung/rechtliches/impressum/").status_code == 200
    response = c.post(
        "/verwaltung/rechtliches/impressum/",
        {"body_de": "Verantwortlich: Pressestelle Moritzburg", "body_en": "Press office", "video_url": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == "/rechtliches/impressum/"
    page = LegalPage.objects.get(municipality=muni_a, kind="impressum")
    assert page.body_de == "Verantwortlich: Pressestelle Moritzburg"
    assert page.updated_by == editor_a
    assert not LegalPage.objects.filter(municipality=muni_b).exists()
    ev = AuditEvent.objects.get(action="legal_page.saved")
    assert ev.actor == editor_a and ev.municipality == muni_a
    assert ev.changes["body_de"][1] == "Verantwortlich: Pressestelle Moritzburg"
    assert [h.url for h in search.search(muni_a, "Pressestelle")] == ["/rechtliches/impressum/"]
    assert search.search(muni_b, "Pressestelle") == []
    assert "Pressestelle Moritzburg" in client_for(HOST_A).get("/rechtliches/impressum/").content.decode()
    # A second save updates the same row and the index.
    c.post("/verwaltung/rechtliches/impressum/", {"body_de": "Neuer Text Schlossgarten", "body_en": ""})
    assert LegalPage.objects.filter(municipality=muni_a, kind="impressum").count() == 1
    assert search.search(muni_a, "Pressestelle") == []
    assert len(search.search(muni_a, "Schlossgarten")) == 1
    assert AuditEvent.objects.filter(action="legal_page.saved").count() == 2


def test_legal_page_indexed_in_german_whatever_the_editors_language(editor_a, muni_a):
    c = client_for(HOST_A, editor_a)
    c.cookies["django_language"] = "en"
    c.post("/verwaltung/rechtliches/impressum/", {"body_de": "Anbieter ist die Stadt", "body_en": "x"})
    assert [h.title for h in search.search(muni_a, "Anbieter")] == ["Impressum"]


def test_legal_edit_link_only_for_editors(editor_a, citizen):
    assert "/verwaltung/rechtliches/impressum/" in (
        client_for(HOST_A, editor_a).get("/rechtliches/impressum/").content.decode()
    )
    assert "/verwaltung/rechtliches/impressum/" not in (
        client_for(HOST_A, citizen).get("/rechtliches/impressum/").content.decode()
    )


def test_editor_invalid_legal_page_is_not_saved(editor_a, muni_a):
    response = client_for(HOST_A, editor_a).post("/verwaltung/rechtliches/impressum/", {"body_de": ""})
    assert response.status_code == 200
    assert 'href="#id_body_de"' in response.content.decode()
    assert not LegalPage.objects.exists()
    assert not AuditEvent.objects.filter(action="legal_page.saved").exists()


@pytest.mark.parametrize("who", ["citizen", "staff_a", "admin_b"])
def test_others_cannot_edit_legal_pages(request, muni_a, who):
    c = client_for(HOST_A, request.getfixturevalue(who))
    response = c.post("/verwaltung/rechtliches/impressum/", {"body_de": "Gehackt"})
    assert response.status_code == 403
    assert not LegalPage.objects.exists()


# --- Accessibility feedback ---------------------------------------------------------------------


def test_accessibility_feedback_valid(muni_a, django_capture_on_commit_callbacks):
    muni_a.accessibility_contact_email = "barrierefrei@zeitz.example"
    muni_a.save()
    c = client_for(HOST_A)
    assert c.get("/barriere-melden/?seite=/rechtliches/impressum/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(
            "/barriere-melden/",
            {"page_url": "/suche/", "message": "Der Kontrast ist zu gering.", "email": "", "website": ""},
        )
    assert response.status_code == 302
    assert response["Location"] == "/rechtliches/barrierefreiheit/"
    fb = AccessibilityFeedback.objects.get()
    assert fb.municipality == muni_a
    assert fb.message == "Der Kontrast ist zu gering."
    assert fb.page_url == "/suche/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["barrierefrei@zeitz.example"]
    assert "Der Kontrast ist zu gering." in mail.outbox[0].body
    ev = AuditEvent.objects.get(action="accessibility_feedback.submitted")
    assert ev.municipality == muni_a and ev.object_id == str(fb.pk)
    assert ev.actor_label == "Gast"


def test_accessibility_feedback_falls_back_to_municipality_email(muni_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(HOST_A).post("/barriere-melden/", {"message": "Bild ohne Alternativtext"})
    assert [m.to for m in mail.outbox] == [["info@zeitz.example"]]


def test_accessibility_feedback_invalid_shows_error_summary(muni_a):
    response = client_for(HOST_A).post("/barriere-melden/", {"page_url": "/x/", "message": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-error-summary" in html
    assert 'href="#id_message"' in html
    assert 'id="id_message"' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_message-error"' in html
    assert not AccessibilityFeedback.objects.exists()
    assert mail.outbox == []


def test_accessibility_feedback_invalid_email(muni_a):
    response = client_for(HOST_A).post("/barriere-melden/", {"message": "x", "email": "keine-adresse"})
    assert response.status_code == 200
    assert 'href="#id_email"' in response.content.decode()
    assert not AccessibilityFeedback.objects.exists()


def test_accessibility_feedback_honeypot(muni_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(HOST_A).post(
            "/barriere-melden/", {"message": "Kaufen Sie jetzt!", "website": "http://spam.example"}
        )
    assert response.status_code == 302  # the bot sees success
    assert not AccessibilityFeedback.objects.exists()
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="accessibility_feedback.submitted").exists()


def test_accessibility_feedback_rate_limited(muni_a, muni_b):
    c = client_for(HOST_A)
    for i in range(5):
        assert c.post("/barriere-melden/", {"message": f"Meldung {i}"}).status_code == 302
    response = c.post("/barriere-melden/", {"message": "Meldung 6"})
    assert response.status_code == 429
    assert AccessibilityFeedback.objects.count() == 5
    # Another municipality counts separately.
    assert client_for(HOST_B).post("/barriere-melden/", {"message": "B"}).status_code == 302


def test_feedback_list_for_editor_only_own(editor_a, muni_a, muni_b):
    AccessibilityFeedback.objects.create(municipality=muni_a, message="Barriere in A")
    AccessibilityFeedback.objects.create(municipality=muni_b, message="Barriere in B")
    html = client_for(HOST_A, editor_a).get("/verwaltung/barriere-meldungen/").content.decode()
    assert "Barriere in A" in html
    assert "Barriere in B" not in html


# --- Notice CRUD --------------------------------------------------------------------------------


def _notice_data(**overrides) -> dict[str, str]:
    data = {
        "title": "Wochenmarkt fällt aus",
        "title_en": "",
        "teaser": "Am Samstag findet kein Wochenmarkt statt.",
        "teaser_en": "",
        "body": "Wegen des Stadtfests.",
        "published_at": (timezone.localtime() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
    }
    data.update(overrides)
    return data


def test_notice_create_edit_delete(editor_a, muni_a):
    c = client_for(HOST_A, editor_a)
    assert c.get("/verwaltung/aktuelles/neu/").status_code == 200
    response = c.post("/verwaltung/aktuelles/neu/", _notice_data())
    assert response.status_code == 302
    n = Notice.objects.get()
    assert n.municipality == muni_a
    assert n.created_by == editor_a
    assert AuditEvent.objects.filter(action="notice.created", object_id=str(n.pk)).exists()
    assert [h.title for h in search.search(muni_a, "Wochenmarkt")] == ["Wochenmarkt fällt aus"]
    assert "Wochenmarkt fällt aus" in c.get("/verwaltung/aktuelles/").content.decode()

    response = c.post(f"/verwaltung/aktuelles/{n.pk}/", _notice_data(title="Wochenmarkt verschoben"))
    assert response.status_code == 302
    n.refresh_from_db()
    assert n.title == "Wochenmarkt verschoben"
    ev = AuditEvent.objects.get(action="notice.updated")
    assert ev.changes["title"] == ["Wochenmarkt fällt aus", "Wochenmarkt verschoben"]
    assert [h.title for h in search.search(muni_a, "verschoben")] == ["Wochenmarkt verschoben"]

    response = c.post(f"/verwaltung/aktuelles/{n.pk}/loeschen/")
    assert response.status_code == 302
    assert not Notice.objects.exists()
    assert AuditEvent.objects.filter(action="notice.deleted", object_id=str(n.pk)).exists()
    assert search.search(muni_a, "Wochenmarkt") == []


def test_notice_scheduled_is_not_searchable(editor_a, muni_a):
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    client_for(HOST_A, editor_a).post("/verwaltung/aktuelles/neu/", _notice_data(published_at=future))
    assert Notice.objects.count() == 1
    assert search.search(muni_a, "Wochenmarkt") == []
    assert "Wochenmarkt" not in client_for(HOST_A).get("/").content.decode()


def test_notice_invalid_is_not_saved(editor_a):
    response = client_for(HOST_A, editor_a).post("/verwaltung/aktuelles/neu/", _notice_data(title=""))
    assert response.status_code == 200
    assert 'href="#id_title"' in response.content.decode()
    assert not Notice.objects.exists()


def test_notice_of_b_cannot_be_touched_from_a(editor_a, muni_b):
    other = Notice.objects.create(municipality=muni_b, title="Musterstadt intern", teaser="t")
    c = client_for(HOST_A, editor_a)
    assert c.get(f"/verwaltung/aktuelles/{other.pk}/").status_code == 404
    assert c.post(f"/verwaltung/aktuelles/{other.pk}/", _notice_data(title="Gehackt")).status_code == 404
    assert c.post(f"/verwaltung/aktuelles/{other.pk}/loeschen/").status_code == 404
    other.refresh_from_db()
    assert other.title == "Musterstadt intern"
    assert "Musterstadt intern" not in c.get("/verwaltung/aktuelles/").content.decode()


def test_notice_municipality_cannot_be_forged(editor_a, muni_a, muni_b):
    c = client_for(HOST_A, editor_a)
    c.post("/verwaltung/aktuelles/neu/", {**_notice_data(), "municipality": str(muni_b.pk)})
    assert Notice.objects.get().municipality == muni_a


def test_notice_delete_needs_post(editor_a, muni_a):
    n = Notice.objects.create(municipality=muni_a, title="Bleibt", teaser="t")
    assert client_for(HOST_A, editor_a).get(f"/verwaltung/aktuelles/{n.pk}/loeschen/").status_code == 405
    assert Notice.objects.filter(pk=n.pk).exists()


@pytest.mark.parametrize("who", ["citizen", "staff_a"])
def test_notice_crud_refused_for_non_editors(request, muni_a, who):
    n = Notice.objects.create(municipality=muni_a, title="Bleibt", teaser="t")
    c = client_for(HOST_A, request.getfixturevalue(who))
    assert c.post("/verwaltung/aktuelles/neu/", _notice_data()).status_code == 403
    assert c.post(f"/verwaltung/aktuelles/{n.pk}/", _notice_data(title="X")).status_code == 403
    assert c.post(f"/verwaltung/aktuelles/{n.pk}/loeschen/").status_code == 403
    assert list(Notice.objects.values_list("title", flat=True)) == ["Bleibt"]


# --- Municipality settings ----------------------------------------------------------------------


def _png_bytes(size: tuple[int, int] = (32, 32)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (28, 79, 138)).save(buf, format="PNG")
    return buf.getvalue()


def _settings_data(muni: Municipality, **overrides) -> dict:
    data = {
        "official_name": "Stadt Zeitz",
        "address": muni.address,
        "phone": "03441 83-0",
        "email": "info@zeitz.example",
        "website": "https://www.zeitz.de",
        "opening_hours": "Mo 9–12 Uhr",
        "accessibility_contact_email": "",
        "brand_colour": "#1c4f8a",
        "logo_alt": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_settings_admin_only(muni_a, request):
    for who in ("citizen", "staff_a", "editor_a", "admin_b"):
        c = client_for(HOST_A, request.getfixturevalue(who))
        assert c.get("/verwaltung/einstellungen/").status_code == 403, who
        assert c.post("/verwaltung/einstellungen/", _settings_data(muni_a, phone="1")).status_code == 403
    muni_a.refresh_from_db()
    assert muni_a.phone != "1"


def test_settings_saved_and_audited(admin_a, muni_a):
    c = client_for(HOST_A, admin_a)
    assert c.get("/verwaltung/einstellungen/").status_code == 200
    response = c.post("/verwaltung/einstellungen/", _settings_data(muni_a, brand_colour="#000080"))
    assert response.status_code == 302
    muni_a.refresh_from_db()
    assert muni_a.brand_colour == "#000080"
    assert muni_a.phone == "03441 83-0"
    ev = AuditEvent.objects.get(action="municipality.settings_saved")
    assert ev.changes["brand_colour"] == ["#1c4f8a", "#000080"]
    assert "#000080" in client_for(HOST_A).get("/theme.css").content.decode()


def test_settings_refuse_poor_contrast(admin_a, muni_a):
    response = client_for(HOST_A, admin_a).post(
        "/verwaltung/einstellungen/", _settings_data(muni_a, brand_colour="#ffff00")
    )
    assert response.status_code == 200
    assert 'href="#id_brand_colour"' in response.content.decode()
    muni_a.refresh_from_db()
    assert muni_a.brand_colour == "#1c4f8a"


def test_settings_cannot_change_keys(admin_a, muni_a):
    client_for(HOST_A, admin_a).post(
        "/verwaltung/einstellungen/", {**_settings_data(muni_a), "ags": "16099999", "slug": "x"}
    )
    muni_a.refresh_from_db()
    assert (muni_a.ags, muni_a.slug) == ("15084590", "zeitz")


def test_logo_valid_png_accepted(admin_a, muni_a, media):
    logo = SimpleUploadedFile("wappen.png", _png_bytes(), content_type="image/png")
    response = client_for(HOST_A, admin_a).post(
        "/verwaltung/einstellungen/",
        {**_settings_data(muni_a, logo_alt="Wappen der Stadt Zeitz"), "logo": logo},
    )
    assert response.status_code == 302
    muni_a.refresh_from_db()
    assert muni_a.logo.name.startswith("logos/")
    assert (media / muni_a.logo.name).read_bytes() == _png_bytes()
    html = client_for(HOST_A).get("/").content.decode()
    assert 'alt="Wappen der Stadt Zeitz"' in html


def test_logo_needs_alt_text(admin_a, muni_a, media):
    logo = SimpleUploadedFile("wappen.png", _png_bytes(), content_type="image/png")
    response = client_for(HOST_A, admin_a).post(
        "/verwaltung/einstellungen/", {**_settings_data(muni_a), "logo": logo}
    )
    assert response.status_code == 200
    muni_a.refresh_from_db()
    assert not muni_a.logo


@pytest.mark.parametrize(
    "upload",
    [
        ("wappen.png", b"Das ist kein Bild, nur Text.", "image/png"),
        (
            "wappen.png",
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
            "image/png",
        ),
        ("wappen.png", _png_bytes()[:40], "image/png"),  # truncated
    ],
)
def test_logo_checked_by_content(admin_a, muni_a, media, upload):
    name, content, ctype = upload
    logo = SimpleUploadedFile(name, content, content_type=ctype)
    response = client_for(HOST_A, admin_a).post(
        "/verwaltung/einstellungen/", {**_settings_data(muni_a, logo_alt="Wappen"), "logo": logo}
    )
    assert response.status_code == 200
    assert 'href="#id_logo"' in response.content.decode()
    muni_a.refresh_from_db()
    assert not muni_a.logo
    assert list(media.rglob("*.png")) == []


def test_logo_gif_refused(admin_a, muni_a, media):
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, format="GIF")
    logo = SimpleUploadedFile("wappen.png", buf.getvalue(), content_type="image/png")
    response = client_for(HOST_A, admin_a).post(
        "/verwaltung/einstellungen/", {**_settings_data(muni_a, logo_alt="Wappen"), "logo": logo}
    )
    assert response.status_code == 200
    muni_a.refresh_from_db()
    assert not muni_a.logo


def test_logo_oversize_refused(admin_a, muni_a, media, settings):
    settings.RATHAUS_MAX_LOGO_BYTES = 1024
    big = _png_bytes((400, 400)) + b"\0" * 2048
    assert len(big) > 1024
    logo = SimpleUploadedFile("wappen.png", big, content_type="image/png")
    response = client_for(HOST_A, admin_a).post(
        "/verwaltung/einstellungen/", {**_settings_data(muni_a, logo_alt="Wappen"), "logo": logo}
    )
    assert response.status_code == 200
    assert 'href="#id_logo"' in response.content.decode()
    assert "Die Datei ist zu groß (höchstens 1 KB)." in response.content.decode()
    muni_a.refresh_from_db()
    assert not muni_a.logo


# --- Language -----------------------------------------------------------------------------------


def test_default_language_is_german_even_with_accept_language_en(muni_a):
    response = client_for(HOST_A).get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    html = response.content.decode()
    assert '<html lang="de"' in html
    assert "Willkommen im digitalen Rathaus Zeitz" in html
    assert response["Content-Language"] == "de"


def test_language_switch_to_english_and_back(muni_a):
    c = client_for(HOST_A)
    c.get("/")
    response = c.post("/i18n/setlang/", {"language": "en", "next": "/rechtliches/impressum/"})
    assert response.status_code == 302
    assert response["Location"] == "/rechtliches/impressum/"
    cookie = response.cookies["django_language"]
    assert cookie.value == "en"
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    response = c.get("/")
    html = response.content.decode()
    assert '<html lang="en"' in html
    assert "Welcome" in html or "Willkommen" not in html
    assert response["Content-Language"] == "en"
    c.post("/i18n/setlang/", {"language": "de", "next": "/"})
    assert '<html lang="de"' in c.get("/").content.decode()


def test_language_switch_rejects_foreign_next_and_unknown_language(muni_a):
    c = client_for(HOST_A)
    response = c.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
    c2 = client_for(HOST_A)
    c2.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert '<html lang="de"' in c2.get("/").content.decode()


def test_unknown_language_cookie_falls_back_to_german(muni_a):
    c = client_for(HOST_A)
    c.cookies["django_language"] = "xx"
    assert '<html lang="de"' in c.get("/").content.decode()


def test_english_notices_use_english_titles(muni_a):
    Notice.objects.create(
        municipality=muni_a, title="Stadtfest", title_en="City festival", teaser="De", teaser_en="En"
    )
    c = client_for(HOST_A)
    assert "Stadtfest" in c.get("/").content.decode()
    c.cookies["django_language"] = "en"
    html = c.get("/").content.decode()
    assert "City festival" in html
    assert "Stadtfest" not in html
