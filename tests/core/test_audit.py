"""The append-only audit log: recording, model and database guards, list and CSV export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from rathaus.core.accounts.models import Department
from rathaus.core.audit import services as audit
from rathaus.core.audit.models import AuditEvent
from rathaus.core.context import ServiceContext
from tests.conftest import HOST_A, client_for

TABLE = AuditEvent._meta.db_table


def test_record_fields(rf, muni_a, admin_a):
    dept = Department.objects.create(municipality=muni_a, name="Ordnungsamt")
    request = rf.post("/x", REMOTE_ADDR="192.0.2.7")
    request.user = admin_a
    request.municipality = muni_a
    ev = audit.record(
        "department.updated",
        ctx=ServiceContext.from_request(request),
        obj=dept,
        changes={"name": ["Alt", "Neu"]},
    )
    ev = AuditEvent.objects.get(pk=ev.pk)
    assert ev.action == "department.updated"
    assert ev.municipality == muni_a
    assert ev.actor == admin_a
    assert ev.actor_label == f"{admin_a.email} (#{admin_a.pk})"
    assert ev.object_type == "accounts.department"
    assert ev.object_id == str(dept.pk)
    assert ev.object_repr == "Ordnungsamt"
    assert ev.changes == {"name": ["Alt", "Neu"]}
    assert ev.ip_address == "192.0.2.7"
    assert abs(ev.created_at - timezone.now()) < timedelta(minutes=1)


def test_record_anonymous_and_explicit_fields(rf, muni_a):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    request.municipality = muni_a
    ev = audit.record(
        "x.y", ctx=ServiceContext.from_request(request), object_type="t", object_id="7", object_repr="r" * 300
    )
    assert ev.actor is None
    assert ev.actor_label == "Gast"
    assert ev.municipality == muni_a
    assert (ev.object_type, ev.object_id, len(ev.object_repr)) == ("t", "7", 200)
    plain = audit.record("platform.thing")
    assert plain.municipality is None and plain.actor is None and plain.ip_address is None


def test_record_never_stores_a_users_address_as_object(muni_a, citizen):
    ev = audit.record("account.x", actor=citizen, obj=citizen)
    assert citizen.email not in ev.object_repr
    assert ev.object_repr == f"Konto #{citizen.pk}"


def test_diff_masks_secrets():
    changes = audit.diff({"a": 1, "password": "x", "same": 2}, {"a": 2, "password": "y", "same": 2})
    assert changes == {"a": [1, 2], "password": ["***", "***"]}


def test_model_refuses_update_and_delete(muni_a):
    ev = audit.record("x.y", municipality=muni_a)
    ev.action = "changed"
    with pytest.raises(PermissionError):
        ev.save()
    with pytest.raises(PermissionError):
        ev.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=ev.pk).update(action="changed")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=ev.pk).delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=ev.pk).action == "x.y"


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "'forged'"),
        ("object_repr", "'forged'"),
        ("changes", "'{}'"),
        ("actor_id", "NULL"),
        ("municipality_id", "NULL"),
        ("created_at", "created_at"),
    ],
)
def test_database_refuses_raw_update(muni_a, admin_a, column, value):
    ev = audit.record("x.y", actor=admin_a, municipality=muni_a, object_repr="echt", changes={"a": [1, 2]})
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"UPDATE {TABLE} SET {column} = {value} WHERE id = %s", [ev.pk])  # noqa: S608
    again = AuditEvent.objects.get(pk=ev.pk)
    assert (again.action, again.object_repr, again.changes) == ("x.y", "echt", {"a": [1, 2]})
    assert again.actor == admin_a and again.municipality == muni_a


def test_database_allows_rewriting_actor_label(muni_a, admin_a):
    ev = audit.record("x.y", actor=admin_a, municipality=muni_a)
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {TABLE} SET actor_label = %s WHERE id = %s", ["Konto #1", ev.pk])  # noqa: S608
    again = AuditEvent.objects.get(pk=ev.pk)
    assert again.actor_label == "Konto #1"
    assert again.action == "x.y"


def test_pseudonymise_actor(muni_a, admin_a, citizen):
    audit.record("a", actor=admin_a, municipality=muni_a)
    audit.record("b", actor=citizen, municipality=muni_a)
    audit.pseudonymise_actor(admin_a.pk)
    assert AuditEvent.objects.get(action="a").actor_label == f"Gelöschtes Konto #{admin_a.pk}"
    assert AuditEvent.objects.get(action="b").actor_label.startswith(citizen.email)


def test_raw_delete_refused_on_postgres(muni_a):
    ev = audit.record("x.y", municipality=muni_a)
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"DELETE FROM {TABLE} WHERE id = %s", [ev.pk])  # noqa: S608
    else:  # SQLite: no trigger (it would break the test flush); the model layer refuses.
        with pytest.raises(PermissionError):
            AuditEvent.objects.filter(pk=ev.pk).delete()
    assert AuditEvent.objects.filter(pk=ev.pk).exists()


def test_delete_guard_matches_backend(muni_a):
    """Documents the difference: SQLite relies on the model guard for deletes (no trigger)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass", [TABLE])
            names = {r[0] for r in cur.fetchall()}
            assert {"audit_no_update", "audit_no_delete"} <= names
        else:
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
            assert [r[0] for r in cur.fetchall()] == ["audit_no_update"]


# --- List and CSV -------------------------------------------------------------------------------


@pytest.fixture
def events(muni_a, muni_b, admin_a, staff_a, admin_b):
    audit.record("notice.created", actor=staff_a, municipality=muni_a, object_repr="Meldung A1")
    audit.record("notice.deleted", actor=admin_a, municipality=muni_a, object_repr="Meldung A2")
    audit.record("legal_page.saved", actor=admin_a, municipality=muni_a, object_repr="Impressum A")
    audit.record("notice.created", actor=admin_b, municipality=muni_b, object_repr="Geheim B")
    audit.record("platform.only", actor=admin_b, object_repr="Plattform-Ereignis")


def test_audit_list_shows_own_municipality_only(admin_a, events):
    response = client_for(HOST_A, admin_a).get("/verwaltung/protokoll/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Meldung A1", "Meldung A2", "Impressum A"):
        assert text in html
    assert "Geheim B" not in html
    assert "Plattform-Ereignis" not in html
    assert "admin-b@example.org" not in html
    assert response.context["page"].paginator.count == 3


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"action": "notice"}, {"Meldung A1", "Meldung A2"}),
        ({"action": "notice.deleted"}, {"Meldung A2"}),
        ({"actor": "staff-a"}, {"Meldung A1"}),
        ({"actor": "ADMIN-A@"}, {"Meldung A2", "Impressum A"}),
        ({"actor": "admin-b"}, set()),
        ({"object_type": "nothing"}, set()),
    ],
)
def test_audit_list_filters(admin_a, events, query, expected):
    response = client_for(HOST_A, admin_a).get("/verwaltung/protokoll/", query)
    assert {ev.object_repr for ev in response.context["page"]} == expected


def test_audit_list_date_filter(admin_a, events):
    today = timezone.localdate()
    c = client_for(HOST_A, admin_a)
    tomorrow = (today + timedelta(days=1)).isoformat()
    yesterday = (today - timedelta(days=1)).isoformat()
    assert c.get("/verwaltung/protokoll/", {"date_from": tomorrow}).context["page"].paginator.count == 0
    assert c.get("/verwaltung/protokoll/", {"date_to": yesterday}).context["page"].paginator.count == 0
    assert c.get("/verwaltung/protokoll/", {"date_from": yesterday}).context["page"].paginator.count == 3


def test_audit_list_invalid_filter_is_ignored_not_500(admin_a, events):
    response = client_for(HOST_A, admin_a).get("/verwaltung/protokoll/", {"date_from": "kein-datum"})
    assert response.status_code == 200
    assert "Geheim B" not in response.content.decode()


def test_audit_list_paginates(admin_a, muni_a, settings):
    settings.RATHAUS_AUDIT_PAGE_SIZE = 2
    for i in range(5):
        audit.record("x", municipality=muni_a, object_repr=f"E{i}")
    c = client_for(HOST_A, admin_a)
    assert len(c.get("/verwaltung/protokoll/").context["page"]) == 2
    assert [e.object_repr for e in c.get("/verwaltung/protokoll/", {"seite": 3}).context["page"]] == ["E0"]


@pytest.mark.parametrize("who", ["staff_a", "editor_a", "citizen"])
def test_audit_list_and_csv_admin_only(request, events, who):
    c = client_for(HOST_A, request.getfixturevalue(who))
    assert c.get("/verwaltung/protokoll/").status_code == 403
    assert c.get("/verwaltung/protokoll.csv").status_code == 403


def _csv_rows(response) -> list[list[str]]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_audit_csv_streams_own_municipality_with_header(admin_a, events):
    response = client_for(HOST_A, admin_a).get("/verwaltung/protokoll.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="protokoll-')
    rows = _csv_rows(response)
    assert rows[0] == ["Zeitpunkt", "Person", "Aktion", "Objekttyp", "Objekt-ID", "Objekt", "Änderungen"]
    assert {r[5] for r in rows[1:]} == {"Meldung A1", "Meldung A2", "Impressum A"}
    joined = "\n".join(";".join(r) for r in rows)
    assert "Geheim B" not in joined and "Plattform-Ereignis" not in joined


def test_audit_csv_applies_filters(admin_a, events):
    c = client_for(HOST_A, admin_a)
    rows = _csv_rows(c.get("/verwaltung/protokoll.csv", {"action": "notice"}))
    assert sorted(r[5] for r in rows[1:]) == ["Meldung A1", "Meldung A2"]
    rows = _csv_rows(c.get("/verwaltung/protokoll.csv", {"actor": "staff-a"}))
    assert [r[2] for r in rows[1:]] == ["notice.created"]


def test_audit_csv_keeps_values_intact(admin_a, muni_a):
    audit.record("x", municipality=muni_a, object_repr='Semi;colon "quoted"', changes={"ä": [1, 2]})
    rows = _csv_rows(client_for(HOST_A, admin_a).get("/verwaltung/protokoll.csv"))
    assert rows[1][5] == 'Semi;colon "quoted"'
    assert rows[1][6] == '{"ä": [1, 2]}'


def test_staff_writes_are_audited(editor_a, muni_a):
    c = client_for(HOST_A, editor_a)
    c.post("/verwaltung/rechtliches/impressum/", {"body_de": "Neu", "body_en": "", "video_url": ""})
    ev = AuditEvent.objects.get(action="legal_page.saved")
    assert ev.actor == editor_a
    assert ev.municipality == muni_a
    assert ev.changes["body_de"] == [None, "Neu"]
