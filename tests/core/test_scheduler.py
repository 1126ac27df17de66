"""One platform-wide scheduler (issue 22): registry, due/not due, one run per job across nodes,
expired leases, failures that do not stop the other jobs."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import close_old_connections, connection
from django.utils import timezone

from rathaus.core.jobs import scheduler
from rathaus.core.jobs.models import ScheduledJobRun
from rathaus.core.jobs.scheduler import ScheduledJob


class Recorder:
    """A job body that records who ran it for which municipality."""

    def __init__(self, sleep: float = 0.0, fail_for: str = "") -> None:
        self.calls: list[str] = []
        self.sleep = sleep
        self.fail_for = fail_for
        self._lock = threading.Lock()

    def __call__(self, municipality) -> int:
        slug = getattr(municipality, "slug", "*")
        if self.sleep:
            time.sleep(self.sleep)
        with self._lock:
            self.calls.append(slug)
        if slug == self.fail_for or self.fail_for == "always":
            raise RuntimeError(f"kaputt in {slug}")
        return 1


def job(name: str, body: Recorder, interval: timedelta | str = timedelta(hours=1), **kw) -> ScheduledJob:
    return ScheduledJob(name=name, interval=interval, run=body, **kw)


def test_registry_lists_every_periodic_job_of_the_platform():
    jobs = {j.name: j for j in scheduler.registered()}
    assert set(jobs) >= {
        "release_no_shows",
        "send_event_reminders",
        "send_consulting_reminders",
        "erase_expired_cases",
        "expire_unpaid_applications",
        "opendata_sync",
        "strategy_snapshot",
        "recover_jobs",
        "mobility_cleanup",
        "prune_db_task_results",
        "clearsessions",
    }
    assert jobs["release_no_shows"].interval == timedelta(minutes=5)
    assert jobs["release_no_shows"].per_municipality
    assert jobs["strategy_snapshot"].interval == scheduler.MONTHLY
    assert not jobs["recover_jobs"].per_municipality
    assert jobs["erase_expired_cases"].module == "cases"


def test_register_rejects_a_job_without_a_usable_interval():
    with pytest.raises(ValueError):
        scheduler.register(job("kaputt", Recorder(), interval=timedelta(0)))
    with pytest.raises(ValueError):
        scheduler.register(job("kaputt", Recorder(), interval="weekly"))
    assert "kaputt" not in {j.name for j in scheduler.registered()}


@pytest.mark.django_db
def test_a_due_job_runs_once_per_municipality_and_is_recorded(muni_a, muni_b):
    body = Recorder()
    platform = Recorder()
    now = timezone.now()
    outcomes = scheduler.run_due(
        [job("t_each", body), job("t_platform", platform, per_municipality=False)], node="n1", now=now
    )
    assert [(o.name, o.status) for o in outcomes] == [("t_each", "ok"), ("t_platform", "ok")]
    assert sorted(body.calls) == sorted([muni_a.slug, muni_b.slug])
    assert platform.calls == ["*"]
    row = ScheduledJobRun.objects.get(name="t_each")
    assert row.last_started_at == now
    assert row.last_finished_at is not None and row.last_outcome == "ok"
    assert row.run_count == 1 and row.locked_by == "" and row.locked_until is None
    assert muni_a.slug in row.last_message


@pytest.mark.django_db
def test_a_job_that_is_not_due_is_skipped_and_runs_again_after_its_interval(muni_a):
    body = Recorder()
    j = job("t_hourly", body, interval=timedelta(hours=1))
    now = timezone.now()
    assert scheduler.run_due([j], node="n1", now=now)[0].status == "ok"
    assert scheduler.run_due([j], node="n1", now=now + timedelta(minutes=1))[0].status == "skipped"
    assert scheduler.run_due([j], node="n2", now=now + timedelta(minutes=59))[0].status == "skipped"
    assert scheduler.run_due([j], node="n2", now=now + timedelta(minutes=59, seconds=45))[0].status == "ok", (
        "due a little early, so that a one-minute timer does not shift the job by a minute each time"
    )
    assert body.calls == [muni_a.slug, muni_a.slug]
    assert ScheduledJobRun.objects.get(name="t_hourly").run_count == 2


@pytest.mark.django_db
def test_monthly_job_runs_once_per_calendar_month(muni_a):
    body = Recorder()
    j = job("t_monthly", body, interval=scheduler.MONTHLY)
    tz = timezone.get_current_timezone()
    may_3 = timezone.make_aware(datetime(2026, 5, 3, 4, 0), tz)
    assert scheduler.run_due([j], node="n", now=may_3)[0].status == "ok"
    assert scheduler.run_due([j], node="n", now=may_3 + timedelta(days=27))[0].status == "skipped"
    june_1 = timezone.make_aware(datetime(2026, 6, 1, 0, 1), tz)
    assert scheduler.run_due([j], node="n", now=june_1)[0].status == "ok"
    assert len(body.calls) == 2


@pytest.mark.django_db
def test_a_live_lease_blocks_a_second_node_and_an_expired_lease_is_taken_over(muni_a):
    body = Recorder()
    j = job("t_lease", body, interval=timedelta(minutes=5), lease=timedelta(minutes=30))
    now = timezone.now()
    # Node "dead-node" claimed the job 10 minutes ago and then died (its lease was never released).
    ScheduledJobRun.objects.create(
        name="t_lease",
        last_started_at=now - timedelta(minutes=10),
        last_outcome=ScheduledJobRun.RUNNING,
        locked_by="dead-node",
        locked_until=now + timedelta(minutes=20),
    )
    assert scheduler.run_due([j], node="n2", now=now)[0].status == "skipped"
    assert body.calls == []
    later = now + timedelta(minutes=21)  # the lease has expired
    assert scheduler.run_due([j], node="n2", now=later)[0].status == "ok"
    assert body.calls == [muni_a.slug]
    row = ScheduledJobRun.objects.get(name="t_lease")
    assert (row.last_outcome, row.locked_by, row.locked_until) == ("ok", "", None)
    assert row.last_started_at == later


@pytest.mark.django_db
def test_the_dead_node_cannot_overwrite_the_record_of_the_node_that_took_over(muni_a):
    j = job("t_late", Recorder(), interval=timedelta(minutes=5), lease=timedelta(minutes=1))
    now = timezone.now()
    ScheduledJobRun.objects.create(name="t_late")
    assert scheduler.claim(j, "slow-node", now=now)
    assert scheduler.claim(j, "n2", now=now + timedelta(minutes=6))  # lease of slow-node expired
    scheduler.execute(j, "slow-node")  # the slow node finishes late: its lease is gone
    row = ScheduledJobRun.objects.get(name="t_late")
    assert (row.locked_by, row.last_outcome) == ("n2", ScheduledJobRun.RUNNING)


@pytest.mark.django_db
def test_a_failing_job_is_recorded_and_does_not_stop_the_others(muni_a, muni_b, caplog):
    broken = Recorder(fail_for="always")
    partly = Recorder(fail_for=muni_a.slug)
    fine = Recorder()
    outcomes = scheduler.run_due(
        [job("t_a_broken", broken), job("t_b_partly", partly), job("t_c_fine", fine)], node="n"
    )
    assert [o.status for o in outcomes] == ["failed", "failed", "ok"]
    assert sorted(partly.calls) == sorted([muni_a.slug, muni_b.slug]), "one municipality failed, the next ran"
    assert sorted(fine.calls) == sorted([muni_a.slug, muni_b.slug])
    row = ScheduledJobRun.objects.get(name="t_b_partly")
    assert row.last_outcome == "failed" and row.locked_until is None
    assert f"{muni_a.slug}: RuntimeError: kaputt in {muni_a.slug}" in row.last_message
    assert muni_b.slug not in row.last_message
    assert "Scheduled job t_a_broken failed" in caplog.text
    # a failed job is not retried before its interval is over (no hammering of a broken source)
    assert scheduler.run_due([job("t_a_broken", broken)], node="n")[0].status == "skipped"


@pytest.mark.django_db
def test_command_runs_the_registered_jobs_and_lists_them(monkeypatch, muni_a):
    body = Recorder()
    monkeypatch.setattr(scheduler, "_JOBS", {"t_cmd": job("t_cmd", body)})
    out = StringIO()
    call_command("run_scheduled_jobs", stdout=out)
    assert "t_cmd: ok" in out.getvalue()
    call_command("run_scheduled_jobs", stdout=StringIO())  # not due any more
    assert body.calls == [muni_a.slug]
    call_command("run_scheduled_jobs", "--job", "t_cmd", "--force", stdout=StringIO())
    assert body.calls == [muni_a.slug, muni_a.slug]
    out = StringIO()
    call_command("run_scheduled_jobs", "--list", stdout=out)
    assert "t_cmd" in out.getvalue() and "ok" in out.getvalue()
    with pytest.raises(CommandError, match="Unbekannte Aufgabe / unknown job: nope"):
        call_command("run_scheduled_jobs", "--job", "nope")
    with pytest.raises(CommandError, match="--force nur mit --job"):
        call_command("run_scheduled_jobs", "--force")


@pytest.mark.django_db(transaction=True)
def test_parallel_runs_on_several_nodes_run_each_job_exactly_once(muni_a, muni_b):
    if connection.vendor != "postgresql":
        pytest.skip(
            "true parallel runs need separate database connections: run with DATABASE_URL=postgres://… "
            "(the lease logic itself is tested on SQLite by the single-connection tests above)"
        )
    bodies = {f"t_par_{i}": Recorder(sleep=0.05) for i in range(4)}
    jobs = [job(name, body, interval=timedelta(minutes=5)) for name, body in bodies.items()]
    nodes = 6
    barrier = threading.Barrier(nodes)
    results: list[list[scheduler.Outcome]] = []
    errors: list[BaseException] = []

    def node(n: int) -> None:
        close_old_connections()
        try:
            barrier.wait(timeout=30)
            results.append(scheduler.run_due(jobs, node=f"node-{n}"))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=node, args=(n,)) for n in range(nodes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert len(results) == nodes
    for name, body in bodies.items():
        assert sorted(body.calls) == sorted([muni_a.slug, muni_b.slug]), name
        ran = [o for outcomes in results for o in outcomes if o.name == name and o.status == "ok"]
        assert len(ran) == 1, name
        assert ScheduledJobRun.objects.get(name=name).run_count == 1
