"""Migrations stay expand/contract-safe (docs/operations.md, "Upgrade: migrations old code survives").

During a rolling upgrade the NEW release migrates while the OLD code still serves. What code can
check in a migration of the project's own apps:

- ``AddField`` of a column must be nullable or carry a database default (``db_default``): Django's
  ``default=`` is dropped from the table after the column is added, so the old code's INSERT (which
  does not name the new column) would fail on a NOT NULL column.
- ``RemoveField``, ``DeleteModel``, ``RenameField``, ``RenameModel`` and ``AlterField`` that makes a
  column NOT NULL break the old code's queries. They are *contract* steps: allowed only in a release
  AFTER the one whose code stopped using the column, and such a migration says so with an attribute
  ``rathaus_contract = "<why it is safe: which release stopped using it>"``.

Migrations released before the rule existed are listed in GRANDFATHERED (they ran long ago).
What code cannot check (reviewers do): a RunPython that rewrites data the old code still reads, a
new unique constraint the old code's writes may violate, long locks on large tables.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.migrations.loader import MigrationLoader

# (app, migration) released before the expand/contract rule; never add to this list.
GRANDFATHERED: set[tuple[str, str]] = {
    ("consulting", "0002_booking_contact"),
    ("fim", "0002_draft_submit_key_formsubmission_idempotency_key_and_more"),
    ("hub", "0003_booking_one_desk_per_person"),
    ("mobility", "0002_feed_state_area"),
}

CONTRACT_OPERATIONS = (
    migrations.RemoveField,
    migrations.DeleteModel,
    migrations.RenameField,
    migrations.RenameModel,
)


def _project_migrations() -> list[tuple[str, str, migrations.Migration]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    found = []
    for (app, name), migration in loader.disk_migrations.items():
        if type(migration).__module__.startswith("rathaus."):
            found.append((app, name, migration))
    return sorted(found, key=lambda item: (item[0], item[1]))


def problems_of(app: str, name: str, migration: migrations.Migration) -> list[str]:
    if getattr(migration, "rathaus_contract", "") or migration.replaces:
        return []
    problems = []
    created = {op.name_lower for op in migration.operations if isinstance(op, migrations.CreateModel)}
    for op in migration.operations:
        if isinstance(op, CONTRACT_OPERATIONS):
            problems.append(f"{app}.{name}: {op.describe()} is a contract step (set rathaus_contract)")
        elif isinstance(op, migrations.AddField):
            field = op.field
            if op.model_name_lower in created or field.many_to_many or field.null:
                continue
            if getattr(field, "db_default", None) is not None and not _is_not_provided(field.db_default):
                continue
            problems.append(f"{app}.{name}: {op.describe()} adds a NOT NULL column without db_default")
        elif isinstance(op, migrations.AlterField) and not op.field.null and not op.field.many_to_many:
            # Making a column NOT NULL (or changing its type) breaks old writers; a pure metadata
            # change (verbose_name, choices, validators) is harmless but indistinguishable here
            # without the previous state, so compare with it.
            before = _previous_field(app, name, op.model_name, op.name)
            if before is not None and before.null:
                problems.append(f"{app}.{name}: {op.describe()} makes a column NOT NULL")
    return problems


def _is_not_provided(value: object) -> bool:
    from django.db.models.fields import NOT_PROVIDED

    return value is NOT_PROVIDED


def _previous_field(app: str, name: str, model_name: str, field_name: str) -> Any:
    """The field as it was before migration ``app.name`` (None when it did not exist)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    if (app, name) not in loader.graph.nodes:
        return None
    state = loader.project_state((app, name), at_end=False)
    model = state.models.get((app, model_name.lower()))
    return model.fields.get(field_name) if model else None


def test_every_migration_of_the_project_is_expand_contract_safe():
    found = []
    for app, name, migration in _project_migrations():
        if (app, name) in GRANDFATHERED:
            continue
        found += problems_of(app, name, migration)
    assert not found, "\n".join(found)


def test_the_check_recognises_unsafe_operations():
    from django.db import models

    class Unsafe(migrations.Migration):
        operations = [
            migrations.AddField("domain", "x", models.CharField(max_length=5, default="a")),
            migrations.RemoveField("domain", "y"),
            migrations.RenameField("domain", "a", "b"),
        ]

    class Safe(migrations.Migration):
        operations = [
            migrations.AddField("domain", "x", models.CharField(max_length=5, null=True)),
            migrations.AddField("domain", "z", models.CharField(max_length=5, db_default="a")),
            migrations.AddField("domain", "t", models.ManyToManyField("tenancy.Municipality")),
        ]

    class Contract(migrations.Migration):
        rathaus_contract = "release 2027.1 stopped reading domain.y"
        operations = [migrations.RemoveField("domain", "y")]

    unsafe = problems_of("tenancy", "9999_x", Unsafe("9999_x", "tenancy"))
    assert len(unsafe) == 3
    assert "NOT NULL column without db_default" in unsafe[0] and "contract step" in unsafe[1]
    assert problems_of("tenancy", "9999_y", Safe("9999_y", "tenancy")) == []
    assert problems_of("tenancy", "9999_z", Contract("9999_z", "tenancy")) == []
