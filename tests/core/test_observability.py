"""Operability: /metrics (Prometheus text), JSON logs with a request id, the cache key prefix."""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from rathaus.core.observability import context
from rathaus.core.observability.logging import JsonFormatter, PlainFormatter, RequestContextFilter

OUTSIDE = "203.0.113.7"  # TEST-NET-3: neither loopback nor in the default allowed networks
OFFSET = re.compile(r"T\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$")


def scrape(**extra) -> dict[str, list]:
    response = Client(HTTP_HOST="monitoring.internal").get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    samples: dict[str, list] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


def value(samples: dict[str, list], name: str, **labels: str) -> float:
    return sum(s.value for s in samples.get(name, []) if all(s.labels.get(k) == v for k, v in labels.items()))


# --- /metrics -----------------------------------------------------------------------------------


def test_metrics_count_requests_by_method_status_class_and_municipality(muni_a):
    before = scrape()
    client = Client(HTTP_HOST="zeitz.testserver")
    assert client.get("/").status_code == 200
    assert client.get("/gibt-es-nicht/12345/").status_code == 404
    after = scrape()
    total = "rathaus_http_requests_total"
    assert (
        value(after, total, method="GET", status="2xx", municipality="zeitz")
        - value(before, total, method="GET", status="2xx", municipality="zeitz")
        == 1
    )
    assert (
        value(after, total, method="GET", status="4xx", municipality="zeitz")
        - value(before, total, method="GET", status="4xx", municipality="zeitz")
        == 1
    )
    count = "rathaus_http_request_duration_seconds_count"
    assert value(after, count, municipality="zeitz") - value(before, count, municipality="zeitz") == 2
    # the scrapes themselves are not counted
    assert value(after, total, municipality="") == value(before, total, municipality="")


def test_metric_labels_never_contain_paths(muni_a):
    client = Client(HTTP_HOST="zeitz.testserver")
    client.get("/leistungen/geheimer-pfad-123/")
    client.generic("BREW", "/")
    Client(HTTP_HOST="unbekannt.example").get("/irgendwo/")
    samples = scrape()
    labels = {v for group in samples.values() for s in group for v in s.labels.values()}
    assert not any("/" in v or "geheim" in v or "irgendwo" in v for v in labels), labels
    methods = {s.labels["method"] for s in samples["rathaus_http_requests_total"]}
    assert "BREW" not in methods
    assert "other" in methods
    municipalities = {s.labels["municipality"] for s in samples["rathaus_http_requests_total"]}
    # municipality slugs only (other tests of this process add their own municipalities): never a host
    assert "zeitz" in municipalities
    assert all(m == "" or re.fullmatch(r"[a-z0-9-]+", m) for m in municipalities), municipalities
    assert not any("unbekannt" in m for m in municipalities), municipalities


def test_metrics_report_queue_depth_failed_tasks_and_stuck_jobs(db, settings):
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    base = {
        "args_kwargs": {"args": [], "kwargs": {}},
        "priority": 0,
        "task_path": "rathaus.core.tasks.noop",
        "queue_name": "default",
        "backend_name": "default",
        "run_after": None,
    }
    for _ in range(3):
        DBTaskResult.objects.create(status=TaskResultStatus.READY, **base)
    DBTaskResult.objects.create(
        status=TaskResultStatus.FAILED, started_at=now, finished_at=now - timedelta(minutes=5), **base
    )
    DBTaskResult.objects.create(  # failed long ago: not in the last hour
        status=TaskResultStatus.FAILED, started_at=now, finished_at=now - timedelta(hours=3), **base
    )
    DBTaskResult.objects.create(  # running for an hour, no worker beats: stuck
        status=TaskResultStatus.RUNNING, started_at=now - timedelta(hours=1), **base
    )
    samples = scrape()
    assert value(samples, "rathaus_task_queue_depth", queue="default") == 3
    assert value(samples, "rathaus_tasks_failed_last_hour") == 1
    assert value(samples, "rathaus_jobs_stuck", kind="tasks") == 1
    assert value(samples, "rathaus_workers_alive") == 0


def test_metrics_refused_without_token_from_outside(db, settings):
    settings.RATHAUS_METRICS_TOKEN = "s3cret-token-for-prometheus"
    client = Client(HTTP_HOST="zeitz.testserver", REMOTE_ADDR=OUTSIDE)
    response = client.get("/metrics")
    assert response.status_code == 404
    assert b"rathaus_" not in response.content
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer falsch")
    assert wrong.status_code == 403
    assert b"rathaus_" not in wrong.content
    right = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token-for-prometheus")
    assert right.status_code == 200
    assert b"rathaus_task_queue_depth" in right.content


def test_metrics_without_token_setting_a_bearer_header_does_not_open_it(db, settings):
    settings.RATHAUS_METRICS_TOKEN = ""
    client = Client(REMOTE_ADDR=OUTSIDE)
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 403
    assert client.get("/metrics").status_code == 404


def test_metrics_allowed_networks_and_forwarded_requests(db, settings):
    settings.RATHAUS_METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 404
    settings.RATHAUS_METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    # a reverse proxy on the same machine relays a visitor: loopback is not enough then
    relayed = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDE)
    assert relayed.get("/metrics").status_code == 404
    settings.RATHAUS_TRUSTED_PROXY_COUNT = 1
    assert relayed.get("/metrics").status_code == 404  # the visitor's address is outside
    inside = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.5")
    assert inside.get("/metrics").status_code == 200


def test_metrics_answer_on_any_host_without_a_municipality(db):
    assert Client(HTTP_HOST="prometheus-sieht-keine-kommune.example").get("/metrics").status_code == 200


def test_metrics_in_multiprocess_mode_add_up_processes(tmp_path):
    """Two processes count into PROMETHEUS_MULTIPROC_DIR; a third renders the sum of both."""
    code = (
        "import django, os\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'rathaus.settings')\n"
        "django.setup()\n"
        "from rathaus.core.observability import metrics\n"
        "import sys\n"
        "if sys.argv[1] == 'count':\n"
        "    metrics.observe_request('GET', 200, 'zeitz', 0.02)\n"
        "else:\n"
        "    from prometheus_client import CollectorRegistry, generate_latest, multiprocess\n"
        "    r = CollectorRegistry(); multiprocess.MultiProcessCollector(r)\n"
        "    sys.stdout.write(generate_latest(r).decode())\n"
    )
    env = {
        **__import__("os").environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "RATHAUS_LOG_FORMAT": "plain",
    }
    for _ in range(2):
        subprocess.run([sys.executable, "-c", code, "count"], env=env, check=True, timeout=120)
    render = [sys.executable, "-c", code, "render"]
    out = subprocess.run(render, env=env, check=True, timeout=120, capture_output=True, text=True).stdout
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(out)
        for s in f.samples
    }
    key = ("rathaus_http_requests_total", (("method", "GET"), ("municipality", "zeitz"), ("status", "2xx")))
    assert samples[key] == 2


# --- request id and logs --------------------------------------------------------------------------


@pytest.fixture
def json_log():
    """The root logger's records as the production JSON handler writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    logger = logging.getLogger("rathaus.test_observability")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield logger, stream
    logger.removeHandler(handler)


def test_request_id_comes_back_and_is_in_the_json_log(muni_a, json_log, monkeypatch):
    logger, stream = json_log
    from rathaus.core.tenancy import middleware as tenancy_middleware

    original = tenancy_middleware.TenantMiddleware.__call__

    def logging_call(self, request):
        response = original(self, request)
        logger.info("Seite beantwortet")
        return response

    monkeypatch.setattr(tenancy_middleware.TenantMiddleware, "__call__", logging_call)
    response = Client(HTTP_HOST="zeitz.testserver").get("/", HTTP_X_REQUEST_ID="proxy-id-42")
    assert response["X-Request-ID"] == "proxy-id-42"
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["request_id"] == "proxy-id-42"
    assert line["municipality"] == "zeitz"
    assert line["message"] == "Seite beantwortet"
    assert line["level"] == "INFO"
    assert line["logger"] == "rathaus.test_observability"
    assert OFFSET.search(line["time"]), line["time"]
    assert datetime.fromisoformat(line["time"]).utcoffset() is not None


@pytest.mark.parametrize(
    "header", ["", "a" * 101, "zwei worte", "id\nInjected: yes", "<script>", "max@example.org"]
)
def test_unsafe_request_ids_are_replaced(db, header):
    response = Client().get("/health", HTTP_X_REQUEST_ID=header)
    rid = response["X-Request-ID"]
    assert rid != header
    assert re.fullmatch(r"[0-9a-f]{32}", rid)


def test_each_request_gets_its_own_id(db):
    client = Client()
    assert client.get("/health")["X-Request-ID"] != client.get("/health")["X-Request-ID"]


def test_django_request_errors_are_logged_as_json_with_exception_and_request_id(muni_a, monkeypatch):
    """A view that raises: the 500 log record is one JSON line with the exception text."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    django_request = logging.getLogger("django.request")
    django_request.addHandler(handler)

    from rathaus.core.tenancy import middleware as tenancy_middleware

    def raising_call(self, request):
        if request.path_info == "/":
            raise RuntimeError("kaputt")
        return self.get_response(request)

    monkeypatch.setattr(tenancy_middleware.TenantMiddleware, "__call__", raising_call)
    try:
        client = Client(HTTP_HOST="zeitz.testserver", raise_request_exception=False)
        response = client.get("/", HTTP_X_REQUEST_ID="fehler-1")
    finally:
        django_request.removeHandler(handler)
    assert response.status_code == 500
    assert response["X-Request-ID"] == "fehler-1"
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert records, "no log record"
    record = records[-1]
    assert record["level"] == "ERROR"
    assert record["request_id"] == "fehler-1"
    assert record["municipality"] is None  # raised before the tenant was resolved
    assert "RuntimeError: kaputt" in record["exception"]


def test_json_log_has_no_client_address_unless_configured(rf, settings):
    request = rf.get("/", REMOTE_ADDR="198.51.100.23")
    request.request_id = "abc"
    token = context.current_request.set(request)
    try:
        settings.RATHAUS_LOG_CLIENT_IP = False
        record = logging.LogRecord("x", logging.WARNING, __file__, 1, "Hallo", None, None)
        RequestContextFilter().filter(record)
        without = JsonFormatter().format(record)
        settings.RATHAUS_LOG_CLIENT_IP = True
        record = logging.LogRecord("x", logging.WARNING, __file__, 1, "Hallo", None, None)
        RequestContextFilter().filter(record)
        with_ip = JsonFormatter().format(record)
    finally:
        context.current_request.reset(token)
    assert "198.51.100.23" not in without
    assert json.loads(with_ip)["client_ip"] == "198.51.100.23"


def test_plain_log_lines_have_a_utc_offset():
    record = logging.LogRecord("rathaus.x", logging.INFO, __file__, 1, "Hallo %s", ("Welt",), None)
    RequestContextFilter().filter(record)
    line = PlainFormatter().format(record)
    stamp = line.split(" ", 1)[0]
    assert OFFSET.search(stamp), line
    assert datetime.fromisoformat(stamp).utcoffset() is not None
    assert line.endswith("INFO rathaus.x [- -] Hallo Welt")


def test_log_format_setting_picks_the_formatter():
    handler = django_settings.LOGGING["handlers"]["console"]
    assert handler["formatter"] == django_settings.LOG_FORMAT
    assert "request" in handler["filters"]
    # the suite runs with production defaults: JSON
    assert django_settings.LOG_FORMAT == "json"
    root = logging.getLogger()
    assert any(isinstance(h.formatter, JsonFormatter) for h in root.handlers)


def test_an_unknown_log_format_stops_the_start():
    env = {**__import__("os").environ, "RATHAUS_LOG_FORMAT": "xml"}
    command = [sys.executable, "-c", "import rathaus.settings"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "RATHAUS_LOG_FORMAT" in done.stderr


# --- cache key prefix --------------------------------------------------------------------------------


def test_cache_key_prefix_is_set_and_used():
    from django.core.cache import cache

    prefix = django_settings.CACHES["default"]["KEY_PREFIX"]
    assert prefix.startswith("rathaus-")
    assert len(prefix) > len("rathaus-")
    assert cache.key_prefix == prefix
    assert cache.make_key("tenancy:host:x").startswith(prefix + ":")


def _prefix_with(**env_vars: str) -> str:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("RATHAUS_CACHE_KEY_PREFIX")}
    env.update(env_vars)
    code = "from rathaus import settings; print(settings.CACHES['default']['KEY_PREFIX'])"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=120
    ).stdout.strip()


def test_two_installations_get_different_prefixes_and_the_setting_wins():
    one = _prefix_with(RATHAUS_SECRET_KEY="erste-installation-" + "x" * 40)
    two = _prefix_with(RATHAUS_SECRET_KEY="zweite-installation-" + "y" * 40)
    again = _prefix_with(RATHAUS_SECRET_KEY="erste-installation-" + "x" * 40)
    assert one != two
    assert one == again
    assert "installation" not in one
    assert _prefix_with(RATHAUS_CACHE_KEY_PREFIX="zeitz-prod") == "zeitz-prod"
