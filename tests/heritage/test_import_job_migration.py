"""Migration heritage 0005: the collection's old import jobs become core import jobs (ADR 0022).

The old table stays in the database (expand/contract), so the data migration is tested on it
directly with the historical models of the migration state before it.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from rathaus.core.jobs.models import ImportJob
from rathaus.core.storage import private_storage
from tests.conftest import HOST_A, client_for, grant, make_user

migration = importlib.import_module("rathaus.heritage.migrations.0005_move_import_jobs_to_core")


@pytest.fixture
def old_apps() -> Any:
    loader = MigrationLoader(connection)
    state = loader.project_state(
        [("heritage", "0004_importjob_heartbeat"), ("jobs", "0005_importjob_warnings")]
    )
    return state.apps


def test_old_jobs_are_copied_with_file_counts_and_messages(muni_a, muni_b, old_apps):
    Old = old_apps.get_model("heritage", "ImportJob")
    user = make_user("kurator-alt@example.org", mfa=True)
    long_ago = timezone.now() - timedelta(days=30)
    done = Old.objects.create(
        municipality_id=muni_a.pk,
        kind="csv",
        file_name="objekte.csv",
        content=b"inventarnummer;objektart;titel\nA-1;Karte;Plan\n",
        dry_run=True,
        status="done",
        total=8,
        processed=8,
        created=2,
        updated=1,
        failed=5,
        messages=[
            {"line": 3, "level": "error", "message": "Objektart unbekannt"},
            {"line": 2, "level": "warning", "message": "Unbekannte Spalte „farbe“ wird ignoriert."},
        ],
        created_by_id=user.pk,
        finished_at=long_ago,
    )
    Old.objects.filter(pk=done.pk).update(created_at=long_ago)
    failed = Old.objects.create(
        municipality_id=muni_b.pk,
        kind="lido",
        file_name="gross.xml",
        content=b"<x/>",
        status="failed",
        messages=[{"line": 0, "level": "error", "message": "Die Verarbeitung wurde abgebrochen."}],
    )
    running = Old.objects.create(
        municipality_id=muni_a.pk, kind="lido", file_name="laeuft.xml", content=b"<y/>", status="running"
    )

    migration.copy_jobs(old_apps, None)
    migration.copy_jobs(old_apps, None)  # runs again (a later release copies stragglers): no doubles

    assert ImportJob.objects.count() == 3
    new = ImportJob.objects.get(params__heritage_job=done.pk)
    assert (new.municipality_id, new.kind, new.status, new.file_name) == (
        muni_a.pk,
        "heritage.csv",
        "done",
        "objekte.csv",
    )
    assert new.params == {"dry_run": True, "heritage_job": done.pk} and new.dry_run
    assert new.result == {"created": 2, "updated": 1, "failed": 5} and (new.total, new.done) == (8, 8)
    assert new.errors == [{"line": 3, "column": "", "message": "Objektart unbekannt"}]
    assert new.warnings == [{"line": 2, "column": "", "message": "Unbekannte Spalte „farbe“ wird ignoriert."}]
    assert new.created_by_id == user.pk and new.created_at == long_ago and new.finished_at == long_ago
    assert "Probelauf abgeschlossen: 2 würden neu angelegt" in new.message
    # the file is in the private storage under the core's scheme, byte for byte
    assert new.file_path.startswith(f"imports/{muni_a.pk}/") and new.size == len(bytes(done.content))
    with private_storage().open(new.file_path, "rb") as fh:
        assert fh.read() == bytes(done.content)
    expected = hashlib.sha256(bytes(done.content))
    expected.update(b"\0" + json.dumps({"dry_run": True}, sort_keys=True).encode())
    assert new.checksum == expected.hexdigest()

    lost = ImportJob.objects.get(params__heritage_job=failed.pk)
    assert (lost.municipality_id, lost.kind, lost.status) == (muni_b.pk, "heritage.lido", "failed")
    assert lost.message == "Die Verarbeitung wurde abgebrochen." and lost.errors == []

    cut = ImportJob.objects.get(params__heritage_job=running.pk)
    assert cut.status == "failed" and "Update" in cut.message  # no task runs it any more

    # the old address of a moved job leads to its new page, in its own municipality only
    curator = make_user("kurator-neu@example.org", mfa=True)
    from rathaus.core.accounts.models import Role

    grant(curator, muni_a, Role.MODULE_MANAGER, ["heritage"])
    client = client_for(HOST_A, curator)
    r = client.get(f"/sammlung/verwaltung/import/{done.pk}/")
    assert r.status_code == 302 and r["Location"] == f"/verwaltung/importe/{new.pk}/"
    assert client.get(r["Location"]).status_code == 200
    assert client.get(f"/sammlung/verwaltung/import/{failed.pk}/").status_code == 404  # muni B's

    # backwards: the copies and their files go, the old rows are untouched
    migration.remove_copies(old_apps, None)
    assert not ImportJob.objects.exists() and not private_storage().exists(new.file_path)
    assert Old.objects.count() == 3
