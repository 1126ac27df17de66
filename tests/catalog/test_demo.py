from __future__ import annotations

import re
from io import StringIO

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from rathaus.catalog.models import LifeSituation, Service
from rathaus.core.tenancy.models import Municipality


def test_demo_is_idempotent_and_realistic(db, settings, tmp_path):
    # a fresh clone: no ../shared/data beside the repository
    settings.RATHAUS_TESTDATA = str(tmp_path / "missing")
    call_command("load_demo", verbosity=0, stdout=StringIO())
    zeitz = Municipality.objects.get(slug="zeitz")
    services = Service.objects.for_tenant(zeitz)
    count = services.count()
    assert count >= 40
    assert LifeSituation.objects.for_tenant(zeitz).count() == 8
    for s in services:
        assert not s.leika or re.fullmatch(r"99\d{12}", s.leika)
        assert s.department is not None, s.name
        assert s.summary and s.kosten, s.name
    assert services.get(name="Gewerbeanmeldung").leika == "99050012104000"
    assert services.get(name="Bewohnerparkausweis").department.name == "Ordnungsamt"
    history = services.get(name="Bewohnerparkausweis").history.count()
    call_command("load_demo", verbosity=0, stdout=StringIO())
    assert Service.objects.for_tenant(zeitz).count() == count
    assert services.get(name="Bewohnerparkausweis").history.count() == history
    from rathaus.core.search import services as search

    assert [h.title for h in search.search(zeitz, "Anwohnerparken", kinds=["service"])][:1] == [
        "Bewohnerparkausweis"
    ]
    hund = [h.title for h in search.search(zeitz, "Hund", kinds=["service"])]
    assert {"Hundesteuer – Anmeldung", "Hundesteuer – Abmeldung"} <= set(hund)

    # issue 14: the demo is complete without the test data, and what it says is true
    from rathaus.cases.models import Application
    from rathaus.catalog import queries as catalog_queries
    from rathaus.fim import queries as fim_queries

    forms = fim_queries.published_forms(zeitz)
    assert forms.count() >= 3
    apps = Application.objects.filter(municipality=zeitz)
    assert apps.count() >= 3 and apps.values("form").distinct().count() >= 3
    from rathaus.fim.models import FormDesign

    for form in forms:
        # every demo form belongs to a catalogue service: by LeiKa key, or linked by the form designer
        linked = FormDesign.objects.filter(form=form).values_list("catalog_service_id", flat=True).first()
        service = Service.objects.get(pk=linked) if linked else services.get(leika=form.leika)
        assert service.reifegrad >= 3 and service.online_available, service.name
    for s in Service.objects.filter(municipality__slug__in=["zeitz", "musterstadt"]):
        offer = catalog_queries.online_form_url(s.municipality, s.leika, s.pk) or s.online_url
        if s.reifegrad >= 2 or s.online_available:
            assert offer, s.name
        assert s.online_available == bool(offer), s.name
    detail = services.get(name="Hundesteuer – Anmeldung")
    assert (
        "Online beantragen"
        in Client(HTTP_HOST="zeitz.localhost")
        .get(reverse("catalog:detail", args=[detail.pk]))
        .content.decode()
    )
