"""Module declarations (ADR 0014): what every module contributes to the core's registries.

``module_registries.json`` was written from the registries as the eleven hand-written ``ready()``
bodies filled them, before the declarations replaced them; the loader must fill them identically
(same entries, same order, same functions). Regenerate it only for a deliberate change:
``RATHAUS_WRITE_REGISTRY_SNAPSHOT=1 .venv/bin/pytest tests/core/test_module_declarations.py``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils import translation

SNAPSHOT = Path(__file__).with_name("module_registries.json")


def _fn(fn: Callable[..., Any] | None) -> str | None:
    if fn is None:
        return None
    if "<lambda>" in getattr(fn, "__qualname__", ""):
        return "<lambda>"  # where a lambda is defined is no behaviour
    return f"{fn.__module__}.{fn.__qualname__}"


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
            "fim_done_urls": [_fn(f) for f in fim._done_urls],
            "fim_form_gates": [_fn(f) for f in fim._gates],
            "fim_submission_context": [_fn(f) for f in fim._submission_context],
            "fim_step_decorators": [_fn(f) for f in fim._step_decorators],
            "fim_prefill_sources": [_fn(f) for f in prefill._sources],
            "case_extensions": [
                [e.key, _fn(e.hold), _fn(e.applicant_link), _fn(e.staff_panel)] for e in cases._extensions
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
