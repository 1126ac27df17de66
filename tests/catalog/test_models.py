from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from rathaus.catalog import services
from rathaus.catalog.models import Service, Themenfeld, initial_letter
from tests.catalog.conftest import make_service


@pytest.mark.parametrize("key", ["99102013104000", "99000000000000"])
def test_valid_leika_keys_are_accepted(muni_a, key):
    assert make_service(muni_a, leika=key).leika == key


@pytest.mark.parametrize(
    "key", ["9910201310400", "991020131040000", "98102013104000", "99A02013104000", "99 102013104000"]
)
def test_invalid_leika_keys_are_refused(muni_a, key):
    with pytest.raises(ValidationError) as exc:
        make_service(muni_a, leika=key)
    assert "leika" in exc.value.message_dict


def test_leika_unique_per_municipality_only(muni_a, muni_b):
    make_service(muni_a, "Eins", leika="99102013104000")
    with pytest.raises(ValidationError):
        make_service(muni_a, "Zwei", leika="99102013104000")
    assert make_service(muni_b, "Drei", leika="99102013104000").pk
    # Services without key do not collide.
    make_service(muni_a, "Vier")
    make_service(muni_a, "Fünf")


def test_database_refuses_duplicate_leika_and_bad_shape(muni_a):
    make_service(muni_a, "Eins", leika="99102013104000")
    with pytest.raises(IntegrityError), transaction.atomic():
        Service.objects.create(
            municipality=muni_a, name="X", summary="x", themenfeld="umwelt", leika="99102013104000"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Service.objects.create(municipality=muni_a, name="Y", summary="y", themenfeld="umwelt", leika="1234")


@pytest.mark.parametrize("value", [5, 99])
def test_reifegrad_check_constraint(muni_a, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        Service.objects.create(
            municipality=muni_a, name="X", summary="x", themenfeld="umwelt", reifegrad=value
        )


def test_reifegrad_validated_in_python(muni_a):
    with pytest.raises(ValidationError):
        make_service(muni_a, reifegrad=5)


def test_fourteen_official_themenfelder():
    labels = [str(label) for _v, label in Themenfeld.choices]
    assert len(labels) == 14
    assert "Unternehmensführung & -entwicklung" in labels
    assert "Ein- & Auswanderung" in labels


@pytest.mark.parametrize(
    ("name", "letter"), [("Öffnung", "O"), ("Ärger", "A"), ("zeit", "Z"), ("1. Antrag", "#")]
)
def test_initial_letter(name, letter):
    assert initial_letter(name) == letter


def test_department_of_other_municipality_refused(muni_a, dept_b):
    with pytest.raises(ValidationError) as exc:
        make_service(muni_a, department=dept_b)
    assert "department" in exc.value.message_dict


def test_life_situation_of_other_municipality_refused(muni_a, muni_b):
    foreign = services.get_or_create_life_situation(muni_b, "Umzug")
    with pytest.raises(ValidationError):
        make_service(muni_a, life=[foreign])


def test_history_records_every_change(muni_a, manager_a, umzug_a):
    service = make_service(muni_a, "Fundsachen")
    assert service.history.count() == 1
    service.kosten = "5 €"
    services.save_service(service, actor=manager_a)
    service.summary = "Neu"
    services.save_service(service, life_situations=[umzug_a], actor=manager_a)
    records = list(service.history.order_by("history_id"))
    assert len(records) >= 3
    assert records[1].kosten == "5 €"
    assert records[0].kosten == "Keine."
    assert records[-1].summary == "Neu"
    delta = records[1].diff_against(records[0])
    assert [c.field for c in delta.changes] == ["kosten"]


def test_save_is_audited(muni_a, manager_a):
    from rathaus.core.audit.models import AuditEvent

    service = make_service(muni_a, "Fundsachen")
    service.kosten = "5 €"
    services.save_service(service, actor=manager_a)
    events = list(AuditEvent.objects.filter(object_id=str(service.pk)).order_by("pk"))
    assert [e.action for e in events] == ["catalog.service.created", "catalog.service.updated"]
    assert events[1].changes["kosten"] == ["Keine.", "5 €"]
    assert events[1].municipality_id == muni_a.pk
