"""Run inside the benchmark server's environment after ``load_demo``: sign-in sessions for the
signed-in rows, a finished import job for the job page's row and, with ``--tenants N``, N extra
municipalities with one host each.

    python -m bench.prepare --tenants 1000 --hosts-file HOSTS   # prints JSON on the last line
"""

from __future__ import annotations

import argparse
import json
import sys


def session_for(email: str) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from rathaus.core.accounts.models import User

    user = User.objects.get(email=email)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return str(store.session_key)


def citizen_email() -> str:
    """A demo person without any staff role (the demo's citizen)."""
    from rathaus.core.accounts.models import Membership, User

    staff = Membership.objects.values_list("user_id", flat=True)
    user = User.objects.filter(is_superuser=False).exclude(pk__in=staff).order_by("pk").first()
    if user is None:
        raise SystemExit("no citizen in the demo data")
    return str(user.email)


def import_job_path() -> str:
    """A failed GTFS import job of the demo municipality with a full report (20 example lines per
    kind of problem, as gtfs.Report keeps them): the shared job page at its largest usual size."""
    from django.urls import reverse

    from rathaus.core.jobs import imports
    from rathaus.core.jobs.models import ImportJob
    from rathaus.core.tenancy.models import Municipality

    bad_time = "stop_times.txt: Ungültige Abfahrtszeit 24:{}:00"
    errors = [imports.problem(bad_time.format(60 + i), 100 + i) for i in range(20)]
    no_name = "Warnung – stops.txt: Haltestelle S{} ohne Namen"
    errors += [imports.problem(no_name.format(i), 10 + i) for i in range(20)]
    job = ImportJob.objects.create(
        municipality=Municipality.objects.get(slug="zeitz"),
        kind="mobility.gtfs",
        status=ImportJob.FAILED,
        file_name="fahrplan-2027.zip",
        checksum="bench",
        total=10,
        done=8,
        message="Der Feed wurde abgelehnt und nicht gespeichert: 57 Fehler, 20 Warnungen.",
        errors=errors,
    )
    return reverse("jobs:import_job", args=[job.pk])


def make_tenants(count: int) -> list[str]:
    from rathaus.core.tenancy.models import Domain, Municipality

    munis = Municipality.objects.bulk_create(
        [
            Municipality(
                name=f"Benchstadt {i}",
                slug=f"benchstadt-{i}",
                ags=f"{15000000 + i:08d}",
                ars=f"{150000000000 + i:012d}",
                state="ST",
            )
            for i in range(count)
        ]
    )
    hosts = [f"b{i}.bench.test" for i in range(count)]
    Domain.objects.bulk_create(
        [Domain(municipality=m, host=h, is_primary=True) for m, h in zip(munis, hosts, strict=True)]
    )
    return hosts


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=0)
    parser.add_argument("--hosts-file", default="")
    args = parser.parse_args()
    import django

    django.setup()
    result: dict[str, object] = {
        "citizen": session_for(citizen_email()),
        "staff": session_for("sachbearbeitung@zeitz.example"),
        "manager": session_for("admin@zeitz.example"),
        "import_job": import_job_path(),
    }
    if args.tenants:
        hosts = make_tenants(args.tenants)
        with open(args.hosts_file, "w") as f:
            f.write("\n".join(hosts) + "\n")
        result["hosts"] = len(hosts)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
