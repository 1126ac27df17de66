from tests.conftest import HOST_A


def test_home_page_renders_for_municipality(client_a, muni_a):
    response = client_a.get("/")
    assert response.status_code == 200
    assert "Willkommen im digitalen Rathaus Zeitz" in response.content.decode()


def test_unknown_host_gets_404_not_zeitz(client, muni_a):
    response = client.get("/", HTTP_HOST="unbekannt.example")
    assert response.status_code == 404
    assert "Zeitz" not in response.content.decode()
    assert HOST_A not in response.content.decode()
