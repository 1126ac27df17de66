"""What modules tell the backup: the files their rows name, and the counters they issue numbers from.

Core never imports a module: a module declares its functions in its ``apps.py`` (``file_references=``,
``counters=``; ADR 0014, rathaus.core.modules).

- :func:`register_file_references` — a function yielding one :class:`FileRef` per file a row names
  that is *not* a Django ``FileField`` (those are found automatically): a path in a ``CharField``, a
  folder per row. ``manage.py check_files`` and ``restore`` report every reference whose file is
  missing.
- :func:`register_counter` — a function that advances the module's number counters (Aktenzeichen,
  Vorgangsnummern …) after a restore, so that numbers issued after the backup are never issued a
  second time. It gets the gap and the backup's date and returns a short description per counter row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class FileRef:
    owner: str  # "heritage.ObjectImage 12" — model label and primary key, never personal data
    what: str  # "original", "pyramid", "feed folder"
    exists: bool


FileReferences = Callable[[], Iterable[FileRef]]
CounterAdvance = Callable[[int, date], list[str]]

_FILE_REFERENCES: dict[str, FileReferences] = {}
_COUNTERS: dict[str, CounterAdvance] = {}


def register_file_references(name: str, fn: FileReferences) -> None:
    _FILE_REFERENCES[name] = fn


def register_counter(name: str, fn: CounterAdvance) -> None:
    _COUNTERS[name] = fn


def file_references() -> dict[str, FileReferences]:
    return dict(sorted(_FILE_REFERENCES.items()))


def counters() -> dict[str, CounterAdvance]:
    return dict(sorted(_COUNTERS.items()))
