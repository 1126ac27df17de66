import pytest
from django.db import IntegrityError

from rathaus.core.audit.models import AuditEvent
from rathaus.heritage import services
from rathaus.heritage.models import FacetValue, HeritageObject, Status, Tombstone

from .conftest import make_collection, make_object, object_data


def test_save_parses_dating_and_builds_facets(muni_a):
    obj = make_object(muni_a, dating="159X")
    assert (obj.date_earliest, obj.date_latest) == (1590, 1599)
    facets = set(FacetValue.objects.filter(object=obj).values_list("facet", "value"))
    assert ("creator", "https://d-nb.info/gnd/118584596") in facets
    assert ("place", "https://sws.geonames.org/2804979/") in facets
    assert ("material", "http://vocab.getty.edu/aat/300014078") in facets
    assert "müller" in obj.search_text
    assert AuditEvent.objects.filter(action="heritage.object.created", object_id=str(obj.pk)).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dating", "irgendwann"),
        ("object_type", "ufo"),
        ("title_de", ""),
        ("inventory_number", ""),
        ("image_rights", "http://example.org/meine-lizenz"),
        ("actors", [{"name": "X", "gnd": "https://example.org/x"}]),
        ("places", [{"label": "Zeitz", "uri": "geonames:1"}]),
    ],
)
def test_bad_metadata_is_refused_with_a_message(muni_a, field, value):
    with pytest.raises(services.ObjectError) as exc:
        services.save_object(muni_a, object_data(**{field: value}))
    assert field in exc.value.errors
    assert not HeritageObject.objects.exists()


def test_inventory_number_unique_per_municipality(muni_a, muni_b):
    make_object(muni_a, "A-1")
    with pytest.raises(services.ObjectError):
        make_object(muni_a, "A-1")
    make_object(muni_b, "A-1")  # another municipality may use the same number
    with pytest.raises(IntegrityError):
        HeritageObject.objects.create(
            municipality=muni_a, inventory_number="A-1", object_type="map", title_de="x"
        )


def test_public_id_is_stable_when_inventory_number_changes(muni_a):
    obj = make_object(muni_a, "ALT-1", publish=True)
    url = obj.get_absolute_url()
    services.save_object(muni_a, object_data("NEU-1"), obj=obj)
    obj.refresh_from_db()
    assert obj.inventory_number == "NEU-1" and obj.get_absolute_url() == url


def test_workflow_and_tombstones(muni_a):
    obj = make_object(muni_a)
    with pytest.raises(services.ObjectError):
        services.transition(obj, Status.PUBLISHED)  # draft cannot skip review
    services.transition(obj, Status.REVIEW)
    services.transition(obj, Status.PUBLISHED)
    obj.refresh_from_db()
    assert obj.status == Status.PUBLISHED and obj.published_at
    assert FacetValue.objects.filter(object=obj, published=True).exists()
    services.transition(obj, Status.DRAFT)
    tomb = Tombstone.objects.get(public_id=obj.public_id)
    assert not FacetValue.objects.filter(object=obj, published=True).exists()
    services.transition(obj, Status.REVIEW)
    services.transition(obj, Status.PUBLISHED)
    assert not Tombstone.objects.filter(pk=tomb.pk).exists()
    public_id = obj.public_id
    services.delete_object(HeritageObject.objects.get(pk=obj.pk))
    assert Tombstone.objects.filter(public_id=public_id).exists()


def test_history_diff_and_restore(muni_a):
    obj = make_object(muni_a, title_de="Erster Titel")
    first = obj.history.latest("history_date")
    services.save_object(muni_a, object_data(title_de="Zweiter Titel", dating="1705"), obj=obj)
    latest = obj.history.order_by("-history_id").first()
    changes = {label: (old, new) for label, old, new in services.version_diff(obj, latest.history_id)}
    assert changes["Titel (deutsch)"] == ("Erster Titel", "Zweiter Titel")
    assert changes["Datierung"] == ("um 1700", "1705")
    services.restore_version(obj, first.history_id)
    obj.refresh_from_db()
    assert obj.title_de == "Erster Titel" and obj.dating == "um 1700" and obj.date_earliest == 1690
    assert obj.history.count() == 3


def test_collections_hierarchy_set_specs(muni_a):
    fonds = make_collection(muni_a, "stadtarchiv", "Stadtarchiv Zeitz", level="fonds")
    series = make_collection(muni_a, "urkunden", "Urkunden", parent=fonds, level="series")
    assert series.set_spec == "stadtarchiv:urkunden"
    services.save_collection(muni_a, {"slug": "archiv"}, coll=fonds)
    series.refresh_from_db()
    assert series.set_spec == "archiv:urkunden"
