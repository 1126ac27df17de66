"""Prometheus metrics (text format at GET /metrics).

Two kinds, so that several web processes (granian/gunicorn workers) give one consistent answer:

- **per-process request metrics** (requests by method, status class and municipality; latency):
  counted in each process. With ``PROMETHEUS_MULTIPROC_DIR`` set (prometheus_client's multiprocess
  mode) every process writes them to files in that folder and a scrape adds up all processes;
  without it (one process, the development server, the tests) they live in the process's memory.
- **database facts** (task queue depth, failed tasks of the last hour, stuck jobs, live workers):
  computed from the database at scrape time, so every process reports the same numbers.

Labels are bounded: the HTTP method (unknown methods become ``other``), the status class (``2xx``)
and the municipality's slug (empty for requests without one, e.g. an unknown host) — never a path.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter(
    "rathaus_http_requests",
    "HTTP requests answered, by method, status class and municipality.",
    ["method", "status", "municipality"],
    registry=None,
)
LATENCY = Histogram(
    "rathaus_http_request_duration_seconds",
    "Time from the request reaching Django to the response, by municipality.",
    ["municipality"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=None,
)


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def method_label(method: str | None) -> str:
    method = (method or "").upper()
    return method if method in KNOWN_METHODS else "other"


def status_label(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status <= 599 else "other"


def observe_request(method: str | None, status: int, municipality: str, seconds: float) -> None:
    REQUESTS.labels(method_label(method), status_label(status), municipality).inc()
    LATENCY.labels(municipality).observe(seconds)


class DatabaseCollector(Collector):
    """Queue depth, failed tasks (last hour), stuck jobs and live workers, read at scrape time."""

    def collect(self) -> Iterator[Metric]:
        from django.db.models import Count
        from django.utils import timezone
        from django_tasks_db.models import DBTaskResult

        from rathaus.core.jobs import services as jobs
        from rathaus.core.jobs.models import WorkerHeartbeat

        now = timezone.now()
        depth = GaugeMetricFamily(
            "rathaus_task_queue_depth", "Background tasks waiting to run (ready).", labels=["queue"]
        )
        counts = {
            row["queue_name"]: row["n"]
            for row in DBTaskResult.objects.ready().order_by().values("queue_name").annotate(n=Count("pk"))
        }
        for queue, count in sorted(counts.items()) or [("default", 0)]:
            depth.add_metric([queue], count)
        yield depth

        failed = DBTaskResult.objects.failed().filter(finished_at__gte=now - timedelta(hours=1)).count()
        yield GaugeMetricFamily(
            "rathaus_tasks_failed_last_hour", "Background tasks that failed in the last hour.", value=failed
        )

        stuck = GaugeMetricFamily(
            "rathaus_jobs_stuck",
            "Work still marked running although its worker stopped beating, by kind.",
            labels=["kind"],
        )
        for kind, count in sorted(jobs.find_stale(now).items()):
            stuck.add_metric([kind], count)
        yield stuck

        alive = WorkerHeartbeat.objects.filter(beat_at__gte=now - jobs.stale_after()).count()
        yield GaugeMetricFamily(
            "rathaus_workers_alive", "Workers with a recent heartbeat (run_worker).", value=alive
        )


def render() -> bytes:
    """The text exposition of all metrics (all processes in multiprocess mode)."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(DatabaseCollector())
    return generate_latest(registry)
