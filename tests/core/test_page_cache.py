"""The shared page cache (rathaus.core.pagecache, ADR 0017): every committed change shows at once,
keys never mix municipalities, languages or users, pages with a CSRF token or a cookie are never
shared, and a cache hit costs one query however long the list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from rathaus.core.context import ServiceContext
from rathaus.core.pagecache import registry, shared, writes
from rathaus.core.ui.models import Notice
from tests.conftest import HOST_A, HOST_B, client_for

HEADER = "X-Page-Cache"


def gen(municipality_id: int, scope: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT value FROM pagecache_generation WHERE municipality_id = %s AND scope = %s",
            [municipality_id, scope],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def get(path: str, host: str = HOST_A, **headers: str):  # type: ignore[no-untyped-def]
    return client_for(host).get(path, **headers)


def cached(path: str, host: str = HOST_A) -> str:
    """Fill the cache and prove a later answer comes from it; the page's text. (A page may write on
    its first visit, e.g. a due sync: that bumps its own generation, so it may take one more.)"""
    previous = None
    for _ in range(3):
        response = get(path, host)
        assert response.status_code == 200, (path, response.status_code)
        if response.get(HEADER) == "hit":
            assert previous is not None and response.content == previous.content
            return response.content.decode()
        previous = response
    raise AssertionError(f"{path} never came from the cache")


def _names(patterns: list, prefix: str = "") -> set[str]:  # type: ignore[type-arg]
    names: set[str] = set()
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            names |= _names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            names.add(prefix + p.name)
    return names


def test_every_declared_page_is_a_url_name_and_every_table_a_model():
    known = _names(get_resolver().url_patterns)
    declared = set(registry.cached_pages())
    assert declared, "no module declared a cached page"
    assert declared <= known, declared - known
    for scopes in registry.cached_pages().values():
        assert registry.TENANCY in scopes  # the municipality shows on every page


# --- invalidation: the counter moves in the writer's transaction --------------------------------


@pytest.mark.django_db(transaction=True)
def test_bump_is_part_of_the_writers_transaction(muni_a):
    before = gen(0, "ui")
    with pytest.raises(RuntimeError), transaction.atomic():
        Notice.objects.create(municipality=muni_a, title="Zurückgerollt")
        assert gen(0, "ui") == before + 1  # inside the transaction …
        raise RuntimeError
    assert gen(0, "ui") == before  # … and gone with its rollback: no bump without the change
    with transaction.atomic():
        Notice.objects.create(municipality=muni_a, title="Bleibt")
    assert gen(0, "ui") == before + 1


@pytest.mark.django_db
def test_every_kind_of_write_bumps(muni_a):
    from rathaus.catalog.models import LifeSituation, Service
    from tests.catalog.conftest import make_service

    service = make_service(muni_a, "Hundesteuer")
    steps = [
        lambda: Service.objects.filter(pk=service.pk).update(name="Hundesteuer neu"),  # no signal
        lambda: LifeSituation.objects.bulk_create(
            [LifeSituation(municipality=muni_a, name="Umzug", slug="umzug")]
        ),
        lambda: service.life_situations.add(LifeSituation.objects.get(slug="umzug")),  # m2m table
        lambda: Service.objects.filter(pk=service.pk).delete(),
    ]
    for step in steps:
        before = gen(0, "catalog")
        step()
        assert gen(0, "catalog") > before


@pytest.mark.django_db
def test_writes_of_a_request_bump_its_municipality_only(muni_a, muni_b):
    everyone = gen(0, "ui")
    token = writes.set_municipality(muni_a.pk)  # what the middleware does for a request of A
    try:
        Notice.objects.create(municipality=muni_a, title="In Zeitz")
    finally:
        writes.reset_municipality(token)
    assert gen(muni_a.pk, "ui") == 1
    assert gen(muni_b.pk, "ui") == 0 and gen(0, "ui") == everyone
    assert writes.current_municipality() == 0  # outside a request: everyone's counter


@pytest.mark.django_db
def test_unregistered_tables_bump_nothing(muni_a, citizen):
    def snapshot() -> list[tuple[int, str, int]]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT municipality_id, scope, value FROM pagecache_generation ORDER BY 1, 2")
            # "users" (private pages: the staff inbox lists colleagues) counts last_login writes;
            # no public page depends on it (left out of depends=ALL).
            return [row for row in cursor.fetchall() if row[1] != "users"]

    before = snapshot()
    client_for(HOST_A, citizen).get("/")  # sessions, last_login: not public page content
    assert snapshot() == before


# --- keys: municipality, language, user -------------------------------------------------------


@pytest.mark.django_db
def test_keys_hold_host_language_and_query(muni_a, muni_b):
    from tests.catalog.conftest import make_service

    make_service(muni_a, "Nur in Zeitz")
    make_service(muni_b, "Nur in Musterstadt")
    page_a = cached("/leistungen/")
    page_b = cached("/leistungen/", HOST_B)
    assert "Nur in Zeitz" in page_a and "Nur in Musterstadt" not in page_a
    assert "Nur in Musterstadt" in page_b and "Nur in Zeitz" not in page_b

    english = client_for(HOST_A)
    english.cookies["django_language"] = "en"
    assert english.get("/leistungen/")[HEADER] == "miss"  # its own entry
    assert 'lang="en"' in english.get("/leistungen/").content.decode()
    assert 'lang="de"' in get("/leistungen/").content.decode()

    assert get("/leistungen/?q=Zeitz")[HEADER] == "miss"
    assert "Nur in Zeitz" in get("/leistungen/?q=Zeitz").content.decode()


@pytest.mark.django_db
def test_signed_in_users_and_sessions_never_touch_the_shared_cache(muni_a, citizen, staff_a):
    cached("/")
    for user in (citizen, staff_a):
        response = client_for(HOST_A, user).get("/")
        assert HEADER not in response
        assert "Mein Konto" in response.content.decode()
    assert "Mein Konto" not in get("/").content.decode()
    # Any session cookie (e.g. messages waiting in it) or an API token: rendered for the visitor.
    anon_with_session = client_for(HOST_A)
    anon_with_session.cookies["sessionid"] = "whatever"
    assert HEADER not in anon_with_session.get("/")
    assert HEADER not in get("/", HTTP_AUTHORIZATION="Bearer abc")


def test_pages_with_a_csrf_token_or_a_cookie_are_never_stored():
    from django.http import HttpResponse

    request = RequestFactory().get("/")
    assert shared.response_is_storable(request, HttpResponse("ok"))
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True  # get_token() was called: the page holds a token
    assert not shared.response_is_storable(request, HttpResponse("ok"))
    request = RequestFactory().get("/")
    with_cookie = HttpResponse("ok")
    with_cookie.set_cookie("x", "1")
    assert not shared.response_is_storable(request, with_cookie)
    private = HttpResponse("ok")
    private["Cache-Control"] = "private"
    assert not shared.response_is_storable(request, private)
    assert not shared.response_is_storable(request, HttpResponse("no", status=404))


@pytest.mark.django_db
def test_a_page_with_a_form_token_is_rendered_each_time(muni_a):
    response = get("/barriere-melden/")  # POST form with a CSRF token, not a declared page
    assert HEADER not in response


# --- every module: a committed change shows at once ------------------------------------------


@pytest.mark.django_db
def test_catalog_new_and_edited_service(muni_a):
    from rathaus.catalog import services as catalog
    from tests.catalog.conftest import make_service

    service = make_service(muni_a, "Hundesteuer")
    assert "Hundesteuer" in cached("/leistungen/")
    detail = f"/leistungen/{service.pk}/"
    cached(detail)
    cached("/api/v1/services")
    make_service(muni_a, "Sperrmüll anmelden")
    assert "Sperrmüll anmelden" in get("/leistungen/").content.decode()
    service.kosten = "120 Euro im Jahr"
    catalog.save_service(service, life_situations=[])
    assert "120 Euro im Jahr" in get(detail).content.decode()
    assert "Sperrmüll anmelden" in [item["name"] for item in get("/api/v1/services").json()["items"]]


@pytest.mark.django_db
def test_events_new_published_event(muni_a):
    from tests.events.conftest import make_event

    make_event(muni_a, title="Erster Workshop")
    cached("/veranstaltungen/")
    cached("/events.ics")
    make_event(muni_a, title="Zweiter Workshop")
    assert "Zweiter Workshop" in get("/veranstaltungen/").content.decode()
    assert "Zweiter Workshop" in get("/events.ics").content.decode()


@pytest.mark.django_db
def test_heritage_object_published(muni_a, heritage_media):
    from tests.heritage.conftest import make_object

    make_object(muni_a, "V-001", publish=True, title_de="Erstes Objekt")
    cached("/sammlung/")
    oai = "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc"
    assert cached(oai).count("<identifier>") == 1
    make_object(muni_a, "V-002", publish=True, title_de="Zweites Objekt")
    assert "Zweites Objekt" in get("/sammlung/").content.decode()
    assert get(oai).content.decode().count("<identifier>") == 2


@pytest.fixture
def heritage_media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.RATHAUS_HERITAGE_MEDIA_ROOT = str(tmp_path / "heritage")
    return tmp_path


@pytest.mark.django_db
def test_opendata_new_dataset(muni_a, settings, tmp_path):
    from tests.opendata.conftest import make_dataset

    settings.MEDIA_ROOT = tmp_path
    make_dataset(muni_a, "Baumkataster")
    cached("/daten/")
    cached("/dcat/catalog.ttl")
    make_dataset(muni_a, "Radwegenetz")
    assert "Radwegenetz" in get("/daten/").content.decode()
    assert "Radwegenetz" in get("/dcat/catalog.ttl").content.decode()


@pytest.mark.django_db
def test_strategy_measure_changed(muni_a):
    from rathaus.strategy.models import Measure
    from tests.strategy.conftest import make_strategy

    made = make_strategy(muni_a)
    field_page = f"/digitalstrategie/handlungsfeld/{made['field'].pk}/"
    assert "Online-Anträge" in cached(field_page)
    cached("/digitalbarometer/")
    Measure.objects.filter(title="Online-Anträge").update(title="Online-Anträge für alle")
    assert "Online-Anträge für alle" in get(field_page).content.decode()


@pytest.mark.django_db
def test_surveys_new_survey(muni_a):
    from rathaus.surveys.models import Survey
    from tests.surveys.conftest import build

    first = build(muni_a, title="Erste Umfrage")
    Survey.objects.filter(pk=first.pk).update(is_published=True, opens_at=timezone.now() - timedelta(days=1))
    index = cached("/umfragen/")
    second = build(muni_a, title="Zweite Umfrage zum Radverkehr")
    Survey.objects.filter(pk=second.pk).update(is_published=True, opens_at=timezone.now() - timedelta(days=1))
    after = get("/umfragen/").content.decode()
    assert after != index
    assert "Zweite Umfrage zum Radverkehr" in after


@pytest.mark.django_db
def test_consulting_new_slot(muni_a):
    from rathaus.consulting.models import Advisor
    from tests.consulting.conftest import make_slot, make_topic

    topic = make_topic(muni_a)
    advisor = Advisor.objects.create(municipality=muni_a, display_name="Frau Berater")
    before = cached("/beratung/")
    make_slot(advisor, [topic], location="Raum Zweiundvierzig")
    after = get("/beratung/").content.decode()
    assert after != before and "Raum Zweiundvierzig" in after


@pytest.mark.django_db
def test_municipality_edit_shows_on_every_page(muni_a):
    cached("/leistungen/")
    muni_a.phone = "03441 99-4242"
    muni_a.save()
    assert "03441 99-4242" in get("/leistungen/").content.decode()


@pytest.mark.django_db
def test_search_new_document(muni_a):
    from tests.catalog.conftest import make_service

    make_service(muni_a, "Hundesteuer")
    cached("/suche/?q=Parkausweis")
    make_service(muni_a, "Parkausweis für Anwohner")
    assert "Parkausweis für Anwohner" in get("/suche/?q=Parkausweis").content.decode()


# --- cost: a hit is one query, however many rows --------------------------------------------


@pytest.mark.django_db
def test_a_hit_costs_one_query_however_long_the_list(muni_a, django_assert_num_queries):
    from tests.catalog.conftest import make_service
    from tests.events.conftest import make_event

    for rows in (2, 20):
        for i in range(rows):
            make_service(muni_a, f"Leistung {rows}-{i}")
            make_event(muni_a, title=f"Termin {rows}-{i}")
        for path in ("/leistungen/", "/veranstaltungen/"):
            get(path)  # fill
            with django_assert_num_queries(1):  # the generation counters, nothing else
                assert get(path)[HEADER] == "hit"


# --- shared fragments on pages rendered for signed-in visitors ------------------------------


@pytest.mark.django_db
def test_signed_in_home_shares_its_body_but_shows_a_new_notice_at_once(muni_a, muni_b, citizen, editor_a):
    from django.core.cache import cache

    from rathaus.core.ui import services as ui

    me = client_for(HOST_A, citizen)
    first = me.get("/").content.decode()
    assert "Mein Konto" in first and "Zeitz" in first
    assert any(k.startswith(":1:pf:") or "pf:" in k for k in cache._cache)  # type: ignore[attr-defined]
    ui.save_notice(
        Notice(municipality=muni_a, title="Neue Meldung für alle", teaser="Kurz"),
        ServiceContext.for_user(editor_a, muni_a),
    )
    assert "Neue Meldung für alle" in me.get("/").content.decode()
    other = client_for(HOST_B, citizen).get("/").content.decode()  # another municipality's fragment
    assert "Musterstadt" in other and "Neue Meldung für alle" not in other
    english = client_for(HOST_A, citizen)
    english.cookies["django_language"] = "en"
    assert 'lang="en"' in english.get("/").content.decode()


@pytest.mark.django_db
def test_a_shared_fragment_refuses_a_csrf_token(muni_a):
    from django.template import Context, Template, TemplateSyntaxError

    request = RequestFactory().get("/", HTTP_HOST=HOST_A)
    request.municipality = muni_a  # type: ignore[attr-defined]
    request._pagecache_generations = {}  # type: ignore[attr-defined]
    tpl = Template("{% load pagecache %}{% shared_fragment %}{% csrf_token %}{% endshared_fragment %}")
    with pytest.raises(TemplateSyntaxError):
        tpl.render(Context({"request": request, "csrf_token": _LazyToken(request)}))


class _LazyToken:
    """Like the csrf context processor: calling get_token() marks the request."""

    def __init__(self, request):  # type: ignore[no-untyped-def]
        self.request = request

    def __str__(self) -> str:
        from django.middleware.csrf import get_token

        return get_token(self.request)


@pytest.mark.django_db
def test_catalog_page_shows_a_new_fee_and_appointment_offer_at_once(muni_a):
    """The service page shows other modules' setup (fee, "Termin vereinbaren"): their tables bump too."""
    from decimal import Decimal

    from rathaus.payments.models import FeeRule
    from tests.appointments.conftest import make_office

    office = make_office(muni_a)
    service = office["ausweis"].service
    detail = f"/leistungen/{service.pk}/"
    page = cached(detail)
    assert "Termin vereinbaren" in page
    assert 'data-fee="' not in page
    rule = FeeRule.objects.create(municipality=muni_a, service=service, base_amount=Decimal("37.00"))
    page = get(detail).content.decode()
    assert 'data-fee="37.00"' in page
    assert get(detail).get(HEADER) == "hit"  # stored again under the new generation
    rule.base_amount = Decimal("22.80")
    rule.save()
    assert 'data-fee="22.80"' in get(detail).content.decode()
    assert get(detail).get(HEADER) == "hit"
    office["ausweis"].delete()
    assert "Termin vereinbaren" not in get(detail).content.decode()


@pytest.mark.django_db
def test_appointments_start_page_shows_a_new_bookable_service_at_once(muni_a):
    from rathaus.appointments.models import ServiceSetting
    from tests.appointments.conftest import make_office, make_service

    office = make_office(muni_a)
    page = cached("/termine/")
    assert office["ausweis"].service.name in page
    ServiceSetting.objects.create(
        municipality=muni_a,
        service=make_service(muni_a, "Beglaubigung Testamt"),
        location=office["location"],
        duration_minutes=10,
        max_quantity=1,
        lead_time_hours=1,
    )
    assert "Beglaubigung Testamt" in get("/termine/").content.decode()
