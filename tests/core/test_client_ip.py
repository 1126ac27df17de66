from __future__ import annotations

from django.test import RequestFactory, override_settings

from rathaus.core.ratelimit import client_ip, client_key


def _request(xff: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": xff} if xff else {}
    return RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", **headers)


def test_forwarded_header_is_ignored_without_trusted_proxies():
    assert client_ip(_request("203.0.113.9")) == "10.0.0.5"


@override_settings(RATHAUS_TRUSTED_PROXY_COUNT=1)
def test_one_trusted_proxy_takes_the_last_hop():
    # A client may send its own X-Forwarded-For; only the hop the proxy appended counts.
    assert client_ip(_request("198.51.100.1, 203.0.113.9")) == "203.0.113.9"
    assert client_key(_request("198.51.100.1, 203.0.113.9")) != client_key(
        _request("198.51.100.1, 203.0.113.8")
    )


@override_settings(RATHAUS_TRUSTED_PROXY_COUNT=2)
def test_too_few_hops_fall_back_to_the_peer_address():
    assert client_ip(_request("203.0.113.9")) == "10.0.0.5"
    assert client_ip(_request("198.51.100.1, 203.0.113.9")) == "198.51.100.1"
