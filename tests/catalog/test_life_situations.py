from __future__ import annotations

import pytest

from rathaus.catalog.models import LifeSituation
from rathaus.core.accounts.models import Role
from rathaus.core.audit.models import AuditEvent
from tests.conftest import HOST_A, HOST_B, client_for, grant, make_user

URL = "/leistungen/verwaltung/lebenslagen/"


@pytest.fixture
def catalog_manager(muni_a):
    user = make_user("katalog@example.org", mfa=True)
    grant(user, muni_a, Role.MODULE_MANAGER, ["services"])
    return user


@pytest.mark.django_db
def test_manager_adds_life_situation_audited(muni_a, catalog_manager):
    c = client_for(HOST_A, catalog_manager)
    response = c.post(URL, {"name": "Pflege von Angehörigen", "order": "5"})
    assert response.status_code == 302
    situation = LifeSituation.objects.get(municipality=muni_a, name="Pflege von Angehörigen")
    assert situation.order == 5 and situation.slug == "pflege-von-angehorigen"
    assert AuditEvent.objects.filter(
        action="catalog.life_situation.created", object_id=str(situation.pk)
    ).exists()
    assert "Pflege von Angehörigen" in c.get(URL).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "  ", "order": "1"}, "Bitte geben Sie einen Namen an."),
        ({"name": "Umzug", "order": "1"}, "Diese Lebenslage gibt es bereits."),
        ({"name": "UMZUG", "order": "1"}, "Diese Lebenslage gibt es bereits."),
        ({"name": "Heirat", "order": "-3"}, "Die Reihenfolge muss eine Zahl"),
        ({"name": "Heirat", "order": "viele"}, "Die Reihenfolge muss eine Zahl"),
    ],
)
def test_bad_input_is_refused_with_a_message(muni_a, catalog_manager, data, message):
    LifeSituation.objects.create(municipality=muni_a, name="Umzug", slug="umzug")
    response = client_for(HOST_A, catalog_manager).post(URL, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert LifeSituation.objects.filter(municipality=muni_a).count() == 1


@pytest.mark.django_db
def test_other_municipality_and_roles(muni_a, muni_b, catalog_manager, citizen, editor_a):
    LifeSituation.objects.create(municipality=muni_b, name="Nur in Musterstadt", slug="nur-b")
    page = client_for(HOST_A, catalog_manager).get(URL)
    assert page.status_code == 200 and "Nur in Musterstadt" not in page.content.decode()
    assert client_for(HOST_A, citizen).get(URL).status_code == 403
    assert client_for(HOST_A, editor_a).get(URL).status_code == 403
    assert client_for(HOST_B, catalog_manager).get(URL).status_code == 403
