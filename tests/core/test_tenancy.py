"""Municipalities: official keys, brand colour, host resolution and its cache."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from rathaus.core.tenancy.models import Domain, Municipality
from rathaus.core.tenancy.services import municipality_for_host, normalise_host, tenant_object_or_404
from rathaus.core.tenancy.validators import (
    ags_matches_ars,
    contrast_ratio,
    validate_ags,
    validate_ars,
    validate_brand_colour,
)
from tests.conftest import HOST_A, HOST_B

# --- Validators ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["15084590", "01001000", "16099999"])
def test_valid_ags(value):
    validate_ags(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1508459", "ags_format"),  # 7 digits
        ("150845900", "ags_format"),  # 9 digits
        ("1508459a", "ags_format"),
        ("", "ags_format"),
        (" 15084590", "ags_format"),
        ("00084590", "ags_state"),  # no Land 00
        ("17084590", "ags_state"),  # no Land 17
        ("99999999", "ags_state"),
    ],
)
def test_invalid_ags(value, code):
    with pytest.raises(ValidationError) as exc:
        validate_ags(value)
    assert exc.value.code == code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("15084059059", "ars_format"),  # 11 digits
        ("1508405905900", "ars_format"),
        ("15084059059x", "ars_format"),
        ("000840590590", "ars_state"),
        ("170840590590", "ars_state"),
    ],
)
def test_invalid_ars(value, code):
    with pytest.raises(ValidationError) as exc:
        validate_ars(value)
    assert exc.value.code == code


def test_ags_ars_consistency_rule():
    assert ags_matches_ars("15084590", "150840590590")
    assert not ags_matches_ars("15084590", "150850590590")  # Kreis differs
    assert not ags_matches_ars("15084590", "150840590591")  # Gemeinde differs


def test_brand_colour_contrast():
    validate_brand_colour("#1c4f8a")
    validate_brand_colour("#000000")
    for poor in ("#ffff00", "#ffffff", "#87cefa", "#999999"):
        with pytest.raises(ValidationError) as exc:
            validate_brand_colour(poor)
        assert exc.value.code == "colour_contrast"
    for malformed in ("red", "#12345", "1c4f8a", "#1c4f8g", ""):
        with pytest.raises(ValidationError) as exc:
            validate_brand_colour(malformed)
        assert exc.value.code == "colour_format"
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)


def _muni(**overrides) -> Municipality:
    data = {
        "name": "Zeitz",
        "slug": "zeitz-x",
        "ags": "15084590",
        "ars": "150840590590",
        "state": "15",
        "brand_colour": "#1c4f8a",
    }
    data.update(overrides)
    return Municipality(**data)


@pytest.mark.django_db
def test_municipality_full_clean_accepts_consistent_keys():
    _muni().full_clean()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ars": "150850590590"}, "ars"),  # ARS of another Kreis
        ({"ars": "150840590591"}, "ars"),  # ARS of another Gemeinde
        ({"state": "16"}, "state"),  # Land does not match the AGS
        ({"ags": "1508459"}, "ags"),
        ({"ags": "19084590", "ars": "190840590590", "state": "15"}, "ags"),
        ({"brand_colour": "#ffff00"}, "brand_colour"),
        ({"brand_colour": "yellow"}, "brand_colour"),
    ],
)
def test_municipality_full_clean_rejects(overrides, field):
    with pytest.raises(ValidationError) as exc:
        _muni(**overrides).full_clean()
    assert field in exc.value.message_dict


# --- Host resolution ----------------------------------------------------------------------------


def test_normalise_host():
    assert normalise_host("Zeitz.Testserver:8000") == "zeitz.testserver"
    assert normalise_host(" LOCALHOST ") == "localhost"
    assert normalise_host("[::1]:8000") == "[::1]"
    assert normalise_host("") == ""


@pytest.mark.parametrize("host", [HOST_A, HOST_A + ":8000", HOST_A.upper(), "ZeItZ.TestServer:443"])
def test_host_resolution_with_port_and_case(muni_a, muni_b, host):
    assert municipality_for_host(host) == muni_a
    response = Client(HTTP_HOST=host).get("/")
    assert response.status_code == 200
    assert response.wsgi_request.municipality == muni_a
    assert "Willkommen im digitalen Rathaus Zeitz" in response.content.decode()


def test_each_host_gets_its_municipality(muni_a, muni_b):
    response = Client(HTTP_HOST=HOST_B).get("/")
    assert response.wsgi_request.municipality == muni_b
    assert "Musterstadt" in response.content.decode()
    assert "Willkommen im digitalen Rathaus Zeitz" not in response.content.decode()


def test_domain_host_is_stored_lower_case(muni_a):
    d = Domain.objects.create(municipality=muni_a, host="  NEU.Zeitz.Example ")
    assert d.host == "neu.zeitz.example"
    assert municipality_for_host("neu.zeitz.example:80") == muni_a


def test_cache_invalidated_when_domain_added(muni_a):
    assert municipality_for_host("neu.testserver") is None  # the miss is cached, too
    assert Client(HTTP_HOST="neu.testserver").get("/").status_code == 404
    Domain.objects.create(municipality=muni_a, host="neu.testserver")
    assert municipality_for_host("neu.testserver") == muni_a
    assert Client(HTTP_HOST="neu.testserver").get("/").status_code == 200


def test_cache_invalidated_when_domain_removed(muni_a):
    assert municipality_for_host(HOST_A) == muni_a  # cached
    Domain.objects.filter(host=HOST_A).get().delete()
    assert municipality_for_host(HOST_A) is None
    assert Client(HTTP_HOST=HOST_A).get("/").status_code == 404


def test_cache_invalidated_when_domain_moves(muni_a, muni_b):
    assert municipality_for_host("testserver") == muni_a
    d = Domain.objects.get(host="testserver")
    d.municipality = muni_b
    d.save()
    assert municipality_for_host("testserver") == muni_b


def test_inactive_municipality_is_404(muni_a, muni_b):
    assert Client(HTTP_HOST=HOST_A).get("/").status_code == 200  # warm the cache
    muni_a.is_active = False
    muni_a.save()
    response = Client(HTTP_HOST=HOST_A).get("/")
    assert response.status_code == 404
    assert "Willkommen im digitalen Rathaus Zeitz" not in response.content.decode()
    assert Client(HTTP_HOST=HOST_B).get("/").status_code == 200
    muni_a.is_active = True
    muni_a.save()
    assert Client(HTTP_HOST=HOST_A).get("/").status_code == 200


@pytest.mark.parametrize("path", ["/", "/rechtliches/impressum/", "/api/v1/municipality", "/konto/login/"])
def test_unknown_host_is_404_page_not_zeitz(muni_a, path):
    response = Client(HTTP_HOST="unbekannt.example").get(path)
    assert response.status_code == 404
    body = response.content.decode()
    assert "Diese Adresse gehört zu keiner Kommune" in body
    assert "unbekannt.example" in body
    assert "Zeitz" not in body
    assert response.wsgi_request.municipality is None


def test_malformed_host_is_rejected(muni_a):
    response = Client(HTTP_HOST="<script>x</script>").get("/")
    assert response.status_code == 400
    assert b"<script>x" not in response.content


def test_health_works_on_unknown_host(muni_a):
    response = Client(HTTP_HOST="unbekannt.example").get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_tenant_object_or_404_never_crosses_tenants(rf, muni_a, muni_b):
    from django.http import Http404

    from rathaus.core.accounts.models import Department

    dept_b = Department.objects.create(municipality=muni_b, name="Bürgerbüro")
    request = rf.get("/")
    request.municipality = muni_a
    with pytest.raises(Http404):
        tenant_object_or_404(Department, request, pk=dept_b.pk)
    request.municipality = muni_b
    assert tenant_object_or_404(Department, request, pk=dept_b.pk) == dept_b
    request.municipality = None
    with pytest.raises(Http404):
        tenant_object_or_404(Department, request, pk=dept_b.pk)


def test_for_tenant_filters_and_refuses_nonsense(rf, muni_a, muni_b):
    from rathaus.core.accounts.models import Department

    Department.objects.create(municipality=muni_a, name="A")
    Department.objects.create(municipality=muni_b, name="B")
    assert list(Department.objects.for_tenant(muni_a).values_list("name", flat=True)) == ["A"]
    request = rf.get("/")
    request.municipality = muni_b
    assert list(Department.objects.for_tenant(request).values_list("name", flat=True)) == ["B"]
    with pytest.raises(TypeError):
        Department.objects.for_tenant(None)


@pytest.mark.parametrize("host", ["zeitz.testserver", "unknown.example", "127.0.0.1"])
@pytest.mark.parametrize("path", ["/static/nope.css", "/static/rathaus/gibtesnicht.js", "/static/"])
def test_unknown_static_path_is_a_plain_404_on_any_host(db, muni_a, host, path):
    response = Client(raise_request_exception=False).get(path, HTTP_HOST=host)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/plain")


def test_existing_static_file_is_still_served(db):
    response = Client().get("/static/rathaus/rathaus.css", HTTP_HOST="unknown.example")
    assert response.status_code == 200
