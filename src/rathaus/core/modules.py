"""One declaration per module (ADR 0014): what a module contributes to the core, and the loader.

A module declares everything it plugs into the core as data on its ``AppConfig``::

    class HubConfig(AppConfig):
        name = "rathaus.hub"
        rathaus_module = RathausModule(
            portal=(PortalEntry("hub", _("Digital Hub"), _("Räume buchen"), "hub:index", 30),),
            staff=(StaffEntry("hub", _("Digital Hub: Standorte"), "hub:manage", 30),),
            search_providers=("rathaus.hub.search_provider.PROVIDER",),
            data_exporters=("rathaus.hub.services.export_bookings",),
            figures=("rathaus.hub.figures.declarations",),
            schedule=("rathaus.hub.schedule.jobs",),
        )

Code is named by dotted path, because ``apps.py`` is imported before the models are: the loader
(:func:`load_modules`, run once from the portal app's ``ready()``, when every app's models are
loaded) resolves the paths and registers everything through the registries' own functions, app by
app in ``INSTALLED_APPS`` order. A path that does not resolve stops the start with
``ImproperlyConfigured`` naming the app, the field and the path. A module left out of
``INSTALLED_APPS`` contributes nothing; the others are unaffected.

This file imports no models at module level (``apps.py`` files import it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.apps import AppConfig, apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from rathaus.core.ui.entries import PortalEntry, StaffEntry

__all__ = ["Extension", "PortalEntry", "RathausModule", "StaffEntry", "load_modules"]

T = TypeVar("T")


@dataclass(frozen=True)
class Extension:
    """An entry for a registry that another module owns: the loader calls ``registry(item)``.

    E.g. cases handles fim's submissions without fim importing cases (ADR 0006):
    ``Extension("rathaus.fim.services.register_submit_handler", "rathaus.cases.services.submit_draft")``.
    """

    registry: str
    item: str


@dataclass(frozen=True)
class RathausModule:
    """What one module contributes. Every string is a dotted path to an object in the module."""

    portal: tuple[PortalEntry, ...] = ()
    staff: tuple[StaffEntry, ...] = ()
    # search.services.Provider objects
    search_providers: tuple[str, ...] = ()
    # DSGVO Art. 15 / Art. 17: functions (user) -> data / (user) -> None (core.accounts.services)
    data_exporters: tuple[str, ...] = ()
    data_erasers: tuple[str, ...] = ()
    # callables () -> iterable of core.figures.Indicator / DatasetSource
    figures: tuple[str, ...] = ()
    # callables () -> iterable of core.jobs.scheduler.ScheduledJob
    schedule: tuple[str, ...] = ()
    # core.jobs.services.StaleSource objects (job rows of dead workers)
    stale_sources: tuple[str, ...] = ()
    # backup/restore (core.backup.registry): (model label, function)
    file_references: tuple[tuple[str, str], ...] = ()
    counters: tuple[tuple[str, str], ...] = ()
    # private-file migration (core.storage_migrate): (label, function)
    private_references: tuple[tuple[str, str], ...] = ()
    # file bundles of a storage alias that migrate_files copies with a manifest: (alias, function)
    file_bundles: tuple[tuple[str, str], ...] = ()
    # core.jobs.imports.Importer objects: the module's background file imports (ADR 0022)
    importers: tuple[str, ...] = ()
    # registries other modules own (fim's submit handler, form gates, prefill sources, case extensions …)
    extensions: tuple[Extension, ...] = ()


_loaded = False


def declaration(config: AppConfig) -> RathausModule | None:
    found = getattr(config, "rathaus_module", None)
    if found is not None and not isinstance(found, RathausModule):
        raise ImproperlyConfigured(
            f"{config.name}: rathaus_module must be a RathausModule, not {type(found)!r}"
        )
    return found


def _resolve(config: AppConfig, field: str, path: str) -> object:
    try:
        return import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"Modul {config.name}: {field} {path!r} lässt sich nicht auflösen / does not resolve ({exc})"
        ) from exc


def _typed(config: AppConfig, field: str, path: str, kind: type[T]) -> T:
    found = _resolve(config, field, path)
    if not isinstance(found, kind):
        raise ImproperlyConfigured(
            f"Modul {config.name}: {field} {path!r} ist kein / is no {kind.__name__} ({type(found).__name__})"
        )
    return found


def _callable(config: AppConfig, field: str, path: str) -> Callable[..., Any]:
    found = _resolve(config, field, path)
    if not callable(found):
        raise ImproperlyConfigured(
            f"Modul {config.name}: {field} {path!r} ist nicht aufrufbar / is not callable"
        )
    return found


def _items(config: AppConfig, field: str, path: str, kinds: tuple[type[T], ...]) -> Iterable[T]:
    produced = _callable(config, field, path)()
    if not isinstance(produced, Iterable):
        raise ImproperlyConfigured(
            f"Modul {config.name}: {field} {path!r} gibt keine Liste / returns no list"
        )
    for item in produced:
        if not isinstance(item, kinds):
            raise ImproperlyConfigured(
                f"Modul {config.name}: {field} {path!r} liefert / yields {type(item).__name__}, "
                f"erwartet / expected {' | '.join(k.__name__ for k in kinds)}"
            )
        yield item


def register_module(config: AppConfig, module: RathausModule) -> None:
    """Register one module's declaration through the registries' public functions."""
    from rathaus.core import figures, storage_migrate
    from rathaus.core.accounts import services as accounts
    from rathaus.core.backup import registry as backup
    from rathaus.core.jobs import imports, scheduler
    from rathaus.core.jobs import services as jobs
    from rathaus.core.search import services as search
    from rathaus.core.ui import services as ui

    for entry in module.portal:
        ui.register_portal_entry(entry)
    for staff in module.staff:
        ui.register_staff_entry(staff)
    for path in module.search_providers:
        provider = _typed(config, "search_providers", path, search.Provider)
        search.register_provider(provider.kind, provider.label, provider.documents)
    for path in module.data_exporters:
        accounts.register_data_exporter(_callable(config, "data_exporters", path))
    for path in module.data_erasers:
        accounts.register_data_eraser(_callable(config, "data_erasers", path))
    for path in module.figures:
        for figure in _items(config, "figures", path, (figures.Indicator, figures.DatasetSource)):
            if isinstance(figure, figures.Indicator):
                figures.register_indicator(figure)
            elif isinstance(figure, figures.DatasetSource):
                figures.register_dataset_source(figure)
    for path in module.schedule:
        for job in _items(config, "schedule", path, (scheduler.ScheduledJob,)):
            scheduler.register(job)
    for path in module.stale_sources:
        jobs.register_stale_source(_typed(config, "stale_sources", path, jobs.StaleSource))
    for name, path in module.file_references:
        backup.register_file_references(name, _callable(config, "file_references", path))
    for name, path in module.counters:
        backup.register_counter(name, _callable(config, "counters", path))
    for label, path in module.private_references:
        storage_migrate.register_private_references(label, _callable(config, "private_references", path))
    for path in module.importers:
        imports.register_importer(_typed(config, "importers", path, imports.Importer))
    for alias, path in module.file_bundles:
        storage_migrate.register_bundles(alias, _callable(config, "file_bundles", path))
    for extension in module.extensions:
        registry = _callable(config, "extensions", extension.registry)
        registry(_resolve(config, "extensions", extension.item))


def load_modules() -> None:
    """Register what every installed app declares, once, in INSTALLED_APPS order."""
    global _loaded
    if _loaded:
        return
    for config in apps.get_app_configs():
        module = declaration(config)
        if module is not None:
            register_module(config, module)
    _loaded = True
