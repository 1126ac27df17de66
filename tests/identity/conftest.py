from __future__ import annotations

import pytest

from rathaus.identity import services
from tests.conftest import HOST_A

from .idp import TestIdP

SP = f"http://{HOST_A}/identitaet/saml/metadata/"
ACS = f"http://{HOST_A}/identitaet/saml/acs/"


@pytest.fixture(scope="session")
def test_idp(tmp_path_factory) -> TestIdP:
    return TestIdP(tmp_path_factory.mktemp("idp"))


@pytest.fixture
def bundid(muni_a, test_idp):
    return services.save_identity_provider(muni_a, "bundid", test_idp.metadata(), allowed_methods=["eID"])


def start(client, level: int = 3, next_url: str = "/formulare/", provider: str = "bundid") -> str:
    """Begin a login; returns the AuthnRequest's ID."""
    r = client.get(f"/identitaet/anmelden/{provider}/", {"niveau": level, "next": next_url}, HTTP_HOST=HOST_A)
    assert r.status_code == 302, r.content[:500]
    return str(TestIdP.request_from_redirect(r["Location"]).get("ID"))


def post(client, xml: str):
    return client.post("/identitaet/saml/acs/", {"SAMLResponse": TestIdP.b64(xml)}, HTTP_HOST=HOST_A)


@pytest.fixture
def parken(muni_a):
    """The Bewohnerparkausweis form imported for Zeitz."""
    from rathaus.fim import services as fim
    from tests.fim.conftest import bewohnerparken_path

    return fim.import_file(bewohnerparken_path(), muni_a).form
