"""Trust level per service: the FIM form asks for BundID at the start, re-checks at submission,
prefills (marked, locked) and the application records who identified, how and at which level."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rathaus.cases.models import Application
from rathaus.fim.models import Draft, FormSubmission
from rathaus.identity import services
from tests.conftest import HOST_A, client_for
from tests.fim.test_views import PERSON, fill_all

from .conftest import ACS, SP, post, start

pytestmark = pytest.mark.django_db

APPLICANT = "G05000496"


def login(client, test_idp, *, level: int = 3, class_ref: str = "STORK-QAA-Level-4") -> None:
    rid = start(client, level=level)
    r = post(
        client,
        test_idp.sign(
            test_idp.response_xml(in_response_to=rid, sp_entity_id=SP, acs=ACS, class_ref=class_ref)
        ),
    )
    assert r.status_code == 302, r.content.decode()[-3000:]


def form_url(form) -> str:
    return reverse("fim:form", kwargs={"pk": form.pk})


def test_without_requirement_or_idp_the_form_works_as_today(parken):
    c = client_for(HOST_A)
    page = c.get(form_url(parken)).content.decode()
    assert "BundID" not in page
    assert c.post(form_url(parken)).status_code == 302


def test_form_asks_for_bundid_at_start(parken, bundid):
    services.save_requirement(
        parken, level=3, accept_citizen=True, accept_business=False, lock_prefilled=True
    )
    c = client_for(HOST_A)
    page = c.get(form_url(parken)).content.decode()
    assert "Mit BundID anmelden" in page and "niveau=3" in page
    assert "mindestens „substantiell“" in page
    r = c.post(form_url(parken))
    assert r.status_code == 403 and not Draft.objects.exists()


def test_requirement_without_idp_says_so(parken):
    services.save_requirement(
        parken, level=3, accept_citizen=True, accept_business=False, lock_prefilled=True
    )
    page = client_for(HOST_A).get(form_url(parken)).content.decode()
    assert "noch nicht eingerichtet" in page and "Antrag starten" not in page


def test_bundid_prefills_locks_and_is_recorded(parken, bundid, test_idp, admin_a):
    services.save_requirement(
        parken, level=3, accept_citizen=True, accept_business=False, lock_prefilled=True
    )
    c = client_for(HOST_A)
    login(c, test_idp, level=3)
    assert c.post(form_url(parken)).status_code == 302
    person = Draft.objects.get().answers[APPLICANT][0]
    assert person["F05000059"] == "Mustermann" and person["F05000060"] == "Erika"
    assert person["F05000351"] == "1964-08-12"
    assert person["G05000428"][0] == {"F00000053": "Heidestraße", "F00000016": "17"}
    assert person["G00000113"][0] == {"F00000054": "06712", "F00000035": "Zeitz"}
    step = c.get(reverse("fim:step", kwargs={"pk": parken.pk, "step": 1})).content.decode()
    assert "aus der BundID – nicht änderbar" in step and "readonly" in step
    # the applicant changes a locked field: the server keeps the BundID's value
    fill_all(c, parken)
    draft = Draft.objects.get()
    assert draft.answers[APPLICANT][0]["G05000428"][0]["F00000053"] == "Schützenplatz"  # typed over
    r = c.post(reverse("fim:review", kwargs={"pk": parken.pk}), {"submit_key": str(draft.submit_key)})
    assert r.status_code == 302, r.content.decode()[-2000:]
    sub = FormSubmission.objects.get()
    applicant = sub.payload["answers"][APPLICANT][0]
    assert applicant["F05000059"] == "Mustermann"
    assert applicant["G05000428"][0]["F00000053"] == "Heidestraße"
    ident = sub.payload["identity"]
    assert ident["provider"] == "bundid" and ident["level"] == 4 and ident["level_name"] == "hoch"
    assert ident["name"] == "Erika Mustermann" and "F05000059" in ident["prefilled_fields"]
    assert "bPK2" not in str(ident)
    app = Application.objects.get()
    assert app.metadata["identity"]["level_name"] == "hoch"
    staff = client_for(HOST_A, admin_a)
    inbox = staff.get(reverse("cases:inbox")).content.decode()
    assert "BundID · hoch" in inbox
    case = staff.get(reverse("cases:case", args=[app.pk])).content.decode()
    assert "Identifiziert" in case and "Vertrauensniveau hoch" in case


def test_unlocked_fields_keep_the_applicants_changes(parken, bundid, test_idp):
    services.save_requirement(
        parken, level=3, accept_citizen=True, accept_business=False, lock_prefilled=False
    )
    c = client_for(HOST_A)
    login(c, test_idp)
    c.post(form_url(parken))
    step = c.get(reverse("fim:step", kwargs={"pk": parken.pk, "step": 1})).content.decode()
    assert "aus der BundID" in step and "nicht änderbar" not in step
    fill_all(c, parken)
    draft = Draft.objects.get()
    c.post(reverse("fim:review", kwargs={"pk": parken.pk}), {"submit_key": str(draft.submit_key)})
    applicant = FormSubmission.objects.get().payload["answers"][APPLICANT][0]
    assert applicant["G05000428"][0]["F00000053"] == PERSON["G05000496__0__G05000428__0__F00000053"]
    assert applicant["G05000428"][0]["F00000053"] == "Schützenplatz"


def test_lower_level_session_is_asked_to_log_in_again(parken, bundid, test_idp):
    services.save_requirement(
        parken, level=3, accept_citizen=True, accept_business=False, lock_prefilled=True
    )
    c = client_for(HOST_A)
    login(c, test_idp, level=3, class_ref="STORK-QAA-Level-3")
    assert c.post(form_url(parken)).status_code == 302
    fill_all(c, parken)
    # staff raise the level while the draft is open: the submission is checked again
    services.save_requirement(
        parken, level=4, accept_citizen=True, accept_business=False, lock_prefilled=True
    )
    draft = Draft.objects.get()
    r = c.post(reverse("fim:review", kwargs={"pk": parken.pk}), {"submit_key": str(draft.submit_key)})
    page = r.content.decode()
    assert r.status_code == 200 and "Vertrauensniveau „substantiell“ angemeldet" in page
    assert "mindestens „hoch“" in page and "niveau=4" in page
    assert not FormSubmission.objects.exists()
    assert "Vertrauensniveau „substantiell“" in c.get(form_url(parken)).content.decode()


def test_business_only_service_refuses_a_citizen_identity(parken, bundid, test_idp):
    services.save_requirement(
        parken, level=3, accept_citizen=False, accept_business=True, lock_prefilled=True
    )
    c = client_for(HOST_A)
    login(c, test_idp)
    page = c.get(form_url(parken)).content.decode()
    assert "Mein Unternehmenskonto" in page and "Antrag starten" not in page
    assert c.post(form_url(parken)).status_code == 403


def test_password_login_alone_is_not_enough(parken, bundid, citizen):
    services.save_requirement(
        parken, level=1, accept_citizen=True, accept_business=False, lock_prefilled=True
    )
    c = client_for(HOST_A, citizen)
    assert c.post(form_url(parken)).status_code == 403


def test_catalog_service_page_shows_the_required_identification(parken):
    from rathaus.identity.models import ServiceRequirement
    from tests.catalog.conftest import make_service

    parken.leika = "99108001001000"
    parken.save(update_fields=["leika"])
    service = make_service(parken.municipality, "Bewohnerparkausweis", leika=parken.leika)
    url = reverse("catalog:detail", args=[service.pk])
    c = client_for(HOST_A)
    assert "data-identification" not in c.get(url).content.decode()  # no requirement: nothing shown
    services.save_requirement(parken, level=3, accept_citizen=True, accept_business=True)
    page = c.get(url).content.decode()
    assert "data-identification" in page
    assert "BundID / Mein Unternehmenskonto, substantiell" in page
    ServiceRequirement.objects.update(level=0)  # no login needed for citizens: nothing shown
    assert "data-identification" not in c.get(url).content.decode()
    ServiceRequirement.objects.update(level=4, accept_business=False)
    assert "melden Sie sich an mit: BundID, hoch." in c.get(url).content.decode()
