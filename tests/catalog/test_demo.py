from __future__ import annotations

import re

from django.core.management import call_command

from rathaus.catalog.models import LifeSituation, Service
from rathaus.core.tenancy.models import Municipality


def test_demo_is_idempotent_and_realistic(db):
    call_command("load_demo", verbosity=0)
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
    call_command("load_demo", verbosity=0)
    assert Service.objects.for_tenant(zeitz).count() == count
    assert services.get(name="Bewohnerparkausweis").history.count() == history
    from rathaus.core.search import services as search

    assert [h.title for h in search.search(zeitz, "Anwohnerparken", kinds=["service"])][:1] == [
        "Bewohnerparkausweis"
    ]
    hund = [h.title for h in search.search(zeitz, "Hund", kinds=["service"])]
    assert {"Hundesteuer – Anmeldung", "Hundesteuer – Abmeldung"} <= set(hund)
