"""Module declarations (ADR 0014): what every module contributes to the core's registries.

``module_registries.json`` was written from the registries as the eleven hand-written ``ready()``
bodies filled them, before the declarations replaced them; the loader must fill them identically
(same entries, same order, same functions). Regenerate it only for a deliberate change:
``RATHAUS_WRITE_REGISTRY_SNAPSHOT=1 .venv/bin/pytest tests/core/test_module_declarations.py``.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

SNAPSHOT = Path(__file__).with_name("module_registries.json")


def _fn(fn: Callable[..., Any] | None) -> str | None:
    if fn is None:
        return None
    if "<lambda>" in getattr(fn, "__qualname__", ""):
        return "<lambda>"  # where a lambda is defined is no behaviour
    module = fn.__module__
    # services.py files became packages (issue 21): a function of rathaus.x.services.<part> that the
    # package re-exports is the same public function as rathaus.x.services.<name> in the snapshot.
    head, sep, _part = module.rpartition(".services.")
    if sep and getattr(importlib.import_module(head + ".services"), fn.__qualname__, None) is fn:
        module = head + ".services"
    return f"{module}.{fn.__qualname__}"


def registry_snapshot() -> dict[str, Any]:
    """Everything the modules registered, as plain data (German texts)."""
    from rathaus.cases import services as cases
    from rathaus.core import figures, storage_migrate
    from rathaus.core.accounts import services as accounts
    from rathaus.core.backup import registry as backup
    from rathaus.core.jobs import scheduler
    from rathaus.core.jobs import services as jobs
    from rathaus.core.search import services as search
    from rathaus.core.ui import services as ui
    from rathaus.fim import hooks as fim_hooks
    from rathaus.fim import prefill
    from rathaus.fim import services as fim
    from rathaus.payments.providers import base as payment_providers

    with translation.override("de"):
        return {
            "portal": [
                [e.key, str(e.title), str(e.description), e.url_name, e.order] for e in ui.portal_entries()
            ],
            "staff": [
                [e.module, str(e.title), e.url_name, e.order, e.all_staff]
                for e in sorted(ui._staff_entries.values(), key=lambda e: (e.order, e.url_name))
            ],
            "search_providers": [
                [p.kind, str(p.label), _fn(p.documents)] for p in search.providers().values()
            ],
            "data_exporters": [_fn(f) for f in accounts._exporters],
            "data_erasers": [_fn(f) for f in accounts._erasers],
            "indicators": [
                [
                    i.key,
                    i.module,
                    str(i.label),
                    i.unit,
                    str(i.method),
                    _fn(i.compute),
                    i.source_url_name,
                    i.order,
                ]
                for i in figures.indicators()
            ],
            "datasets": [
                [
                    d.key,
                    d.module,
                    str(d.title),
                    str(d.description),
                    list(d.themes),
                    list(d.keywords),
                    [[x.key, str(x.title), x.url_name, x.media_type, x.format] for x in d.distributions],
                    _fn(d.modified),
                    d.licence,
                    d.update_frequency,
                    d.landing_url_name,
                ]
                for d in figures.dataset_sources()
            ],
            "scheduled_jobs": [
                [
                    j.name,
                    j.interval_label(),
                    _fn(j.run),
                    j.description,
                    j.per_municipality,
                    j.module,
                    j.lease.total_seconds(),
                ]
                for j in scheduler.registered()
            ],
            "stale_sources": [[s.name, _fn(s.count), _fn(s.fail)] for s in jobs._SOURCES.values()],
            "backup_file_references": {k: _fn(f) for k, f in backup.file_references().items()},
            "backup_counters": {k: _fn(f) for k, f in backup.counters().items()},
            "private_references": {k: _fn(f) for k, f in storage_migrate.private_references().items()},
            "fim_submit_handlers": [_fn(f) for f in fim._submit_handlers],
            "fim_done_urls": [_fn(f) for f in fim_hooks._done_urls],
            "fim_form_gates": [_fn(f) for f in fim_hooks._gates],
            "fim_submission_context": [_fn(f) for f in fim_hooks._submission_context],
            "fim_step_decorators": [_fn(f) for f in fim_hooks._step_decorators],
            "fim_prefill_sources": [_fn(f) for f in prefill._sources],
            "case_extensions": [
                [e.key, _fn(e.hold), _fn(e.applicant_link), _fn(e.staff_panel)] for e in cases.extensions()
            ],
            "payment_providers": {k: _fn(c) for k, c in payment_providers._registry.items()},
        }


def test_registries_hold_what_the_modules_contributed_before_the_declarations() -> None:
    snapshot = json.loads(json.dumps(registry_snapshot()))
    if os.environ.get("RATHAUS_WRITE_REGISTRY_SNAPSHOT"):
        SNAPSHOT.write_text(json.dumps(snapshot, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    for name in expected:
        assert snapshot[name] == expected[name], name
    assert snapshot.keys() == expected.keys()


def test_every_module_declares_what_it_contributes() -> None:
    from django.apps import apps

    from rathaus.core.modules import declaration

    declared = {c.label for c in apps.get_app_configs() if declaration(c) is not None}
    modules = {c.label for c in apps.get_app_configs() if c.name.startswith("rathaus.")}
    assert modules - declared <= {
        "tenancy",
        "accounts",
        "audit",
        "search",
        "jobs",
        "backup",
        "pagecache",
        "api",
        "demo",
    }
    assert {"catalog", "cases", "fim", "identity", "payments", "appointments", "ui"} <= declared


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("figures", ("rathaus.hub.figures.no_such_function",), "does not resolve"),
        ("schedule", ("rathaus.hub.no_such_module.jobs",), "does not resolve"),
        ("data_exporters", ("rathaus.hub.services.NO_SUCH_CONSTANT",), "does not resolve"),
        ("search_providers", ("rathaus.hub.search_provider.KIND",), "is no Provider"),
        ("figures", ("rathaus.hub.schedule.jobs",), "expected Indicator | DatasetSource"),
        ("data_erasers", ("rathaus.hub.search_provider.KIND",), "is not callable"),
    ],
)
def test_a_declaration_that_does_not_resolve_fails_loudly_naming_app_and_path(
    field: str, value: tuple[str, ...], says: str
) -> None:
    from django.apps import apps
    from django.core.exceptions import ImproperlyConfigured

    from rathaus.core.modules import RathausModule, register_module

    with pytest.raises(ImproperlyConfigured) as failed:
        register_module(apps.get_app_config("hub"), RathausModule(**{field: value}))
    message = str(failed.value)
    assert "rathaus.hub" in message
    assert value[0] in message
    assert field in message
    assert says in message


def test_a_broken_extension_path_fails_loudly() -> None:
    from django.apps import apps
    from django.core.exceptions import ImproperlyConfigured

    from rathaus.core.modules import Extension, RathausModule, register_module

    broken = Extension("rathaus.fim.services.register_no_such_thing", "rathaus.cases.services.submit_draft")
    with pytest.raises(ImproperlyConfigured, match=r"rathaus\.cases: extensions 'rathaus\.fim\.services\."):
        register_module(apps.get_app_config("cases"), RathausModule(extensions=(broken,)))


def _start(code: str) -> subprocess.CompletedProcess[str]:
    """A fresh interpreter: settings imported, ``code`` run, then django.setup() (the app loader)."""
    script = (
        "import os, sys, django\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'rathaus.settings'\n"
        "import rathaus.settings as settings\n"
        f"{code}\n"
    )
    env = {**os.environ, "DATABASE_URL": "sqlite:///:memory:"}
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=600
    )


def test_the_start_fails_with_the_app_and_path_when_a_declaration_is_broken() -> None:
    done = _start(
        "import dataclasses\n"
        "from rathaus.hub.apps import HubConfig\n"
        "HubConfig.rathaus_module = dataclasses.replace(\n"
        "    HubConfig.rathaus_module, schedule=('rathaus.hub.schedule.no_such_jobs',))\n"
        "django.setup()\n"
    )
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert "Modul rathaus.hub: schedule 'rathaus.hub.schedule.no_such_jobs'" in done.stderr


def test_a_module_left_out_of_installed_apps_contributes_nothing_and_the_others_load() -> None:
    done = _start(
        "settings.INSTALLED_APPS.remove('rathaus.strategy')\n"
        "django.setup()\n"
        "from rathaus.core.ui import services as ui\n"
        "from rathaus.core.jobs import scheduler\n"
        "print(','.join(e.key for e in ui.portal_entries()))\n"
        "print(','.join(j.name for j in scheduler.registered()))\n"
    )
    assert done.returncode == 0, done.stderr
    portal, jobs = done.stdout.strip().splitlines()[-2:]
    assert "strategy" not in portal.split(",")
    assert "barometer" not in portal.split(",")
    assert {"catalog", "cases", "hub", "opendata"} <= set(portal.split(","))
    assert "strategy_snapshot" not in jobs.split(",")
    assert "opendata_sync" in jobs.split(",")
