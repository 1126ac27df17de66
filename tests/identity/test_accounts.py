"""Accounts and BundID / Mein Unternehmenskonto: link and unlink in /konto/, DSGVO export and
deletion, staff accounts, organisations, single logout, the admin's setup pages and who may see them."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rathaus.core.accounts import services as accounts
from rathaus.core.accounts.models import OrganisationMembership, Role
from rathaus.core.audit.models import AuditEvent
from rathaus.identity import services
from rathaus.identity.models import IdentityLink, IdentityProvider, OrganisationLink, ServiceRequirement
from tests.conftest import HOST_A, HOST_B, client_for, grant, make_user

from .conftest import ACS, SP, post, start
from .idp import BPK2

pytestmark = pytest.mark.django_db

MUK_ATTRS = {
    "urn:oid:2.5.4.97": ("DE-ELSTER-4711", "HOCH"),
    "urn:oid:2.5.4.10": ("Zeitzer Bau GmbH", "HOCH"),
    "urn:oid:2.5.4.42": ("Bernd", "HOCH"),
    "urn:oid:2.5.4.4": ("Bauer", "HOCH"),
}


def bundid_login(client, test_idp, subject: str = "bPK2-Testperson-0001"):
    rid = start(client, next_url="/identitaet/konto/")
    attrs = {BPK2: (subject, "HOCH"), "urn:oid:2.5.4.42": ("Erika", "HOCH")}
    return post(
        client,
        test_idp.sign(test_idp.response_xml(in_response_to=rid, sp_entity_id=SP, acs=ACS, attributes=attrs)),
    )


def test_link_and_unlink_in_konto(bundid, test_idp, citizen):
    c = client_for(HOST_A, citizen)
    page = c.get(reverse("identity:account")).content.decode()
    assert "Mit BundID verknüpfen" in page
    assert "BundID und Unternehmenskonto" in c.get("/konto/").content.decode()
    r = bundid_login(c, test_idp)
    assert r.status_code == 302
    link = IdentityLink.objects.get()
    assert link.user == citizen  # linked to the signed-in account, no new account
    assert "Verknüpfung aufheben" in c.get(reverse("identity:account")).content.decode()
    r = c.post(reverse("identity:unlink", args=["bundid"]))
    assert r.status_code == 302 and not IdentityLink.objects.exists()
    assert AuditEvent.objects.filter(action="identity.unlinked").exists()
    assert "rathaus_identity" not in c.session


def test_unlink_needs_post_and_login(bundid):
    assert client_for(HOST_A).post(reverse("identity:unlink", args=["bundid"])).status_code == 302
    assert not IdentityLink.objects.exists()


def test_identity_of_another_account_is_not_taken_over(bundid, test_idp, citizen):
    other = make_user("andere@example.org")
    IdentityLink.objects.create(user=other, provider="bundid", subject="bPK2-Testperson-0001")
    r = bundid_login(client_for(HOST_A, citizen), test_idp)
    assert r.status_code == 400 and "anderen Konto" in r.content.decode()
    assert IdentityLink.objects.get().user == other


def test_staff_account_cannot_log_in_with_bundid(bundid, test_idp, staff_a):
    IdentityLink.objects.create(user=staff_a, provider="bundid", subject="bPK2-Testperson-0001")
    c = client_for(HOST_A)
    r = bundid_login(c, test_idp)
    assert r.status_code == 400 and "zweitem Faktor" in r.content.decode()
    assert "_auth_user_id" not in c.session


def test_dsgvo_export_and_deletion_cover_the_link(bundid, test_idp, citizen):
    c = client_for(HOST_A, citizen)
    bundid_login(c, test_idp)
    data = accounts.export_user_data(citizen)
    assert data["identity_links"][0]["subject"] == "bPK2-Testperson-0001"
    assert data["identity_links"][0]["level"] == "hoch"
    accounts.delete_account(citizen)
    assert not IdentityLink.objects.exists()


def test_bundid_only_account_deletes_itself_with_the_confirmation_word(bundid, test_idp):
    c = client_for(HOST_A)
    assert bundid_login(c, test_idp).status_code == 302
    user = IdentityLink.objects.get().user
    assert not user.has_usable_password()
    page = c.get("/konto/loeschen/").content.decode()
    assert 'name="confirm"' in page and 'name="password"' not in page
    for wrong in ("", "ja", "loeschen"):
        r = c.post("/konto/loeschen/", {"confirm": wrong, "password": ""})
        assert r.status_code == 400 and "das Wort LÖSCHEN" in r.content.decode()
    assert IdentityLink.objects.filter(user=user).exists()
    r = c.post("/konto/loeschen/", {"confirm": " löschen "})
    assert r.status_code == 302
    assert not type(user).objects.filter(pk=user.pk).exists()
    assert not IdentityLink.objects.exists()
    assert "_auth_user_id" not in c.session
    assert AuditEvent.objects.filter(action="account.deleted", object_id=str(user.pk)).exists()


def test_english_page_asks_for_its_own_word(bundid, test_idp):
    c = client_for(HOST_A)
    c.cookies["django_language"] = "en"
    assert bundid_login(c, test_idp).status_code == 302
    user = IdentityLink.objects.get().user
    assert "type the word DELETE" in c.get("/konto/loeschen/").content.decode()
    r = c.post("/konto/loeschen/", {"confirm": "delet"})
    assert r.status_code == 400 and "type the word DELETE" in r.content.decode()
    assert c.post("/konto/loeschen/", {"confirm": "delete"}).status_code == 302
    assert not type(user).objects.filter(pk=user.pk).exists()


def test_password_account_still_needs_its_password(bundid, test_idp, citizen):
    c = client_for(HOST_A, citizen)
    bundid_login(c, test_idp)  # linked BundID does not replace the password
    page = c.get("/konto/loeschen/").content.decode()
    assert 'name="password"' in page and 'name="confirm"' not in page
    r = c.post("/konto/loeschen/", {"confirm": "LÖSCHEN", "password": ""})
    assert r.status_code == 400 and "Passwort ist nicht richtig" in r.content.decode()
    assert type(citizen).objects.filter(pk=citizen.pk).exists()
    assert IdentityLink.objects.filter(user=citizen).exists()


def test_muk_login_creates_and_then_links_the_organisation(muni_a, test_idp):
    services.save_identity_provider(muni_a, "muk", test_idp.metadata())
    c = client_for(HOST_A)
    rid = start(c, provider="muk")
    r = post(
        c,
        test_idp.sign(
            test_idp.response_xml(in_response_to=rid, sp_entity_id=SP, acs=ACS, attributes=MUK_ATTRS)
        ),
    )
    assert r.status_code == 302, r.content.decode()[-1500:]
    org_link = OrganisationLink.objects.get(identifier="DE-ELSTER-4711")
    assert org_link.organisation.name == "Zeitzer Bau GmbH"
    person = IdentityLink.objects.get(provider="muk").user
    assert person.account_type == "business"
    assert OrganisationMembership.objects.filter(user=person, organisation=org_link.organisation).exists()
    assert c.session["rathaus_identity"]["organisation"]["name"] == "Zeitzer Bau GmbH"
    assert c.session["rathaus_identity"]["kind"] == "business"
    # a colleague of the same business: the same organisation, a membership for her
    c2 = client_for(HOST_A)
    rid = start(c2, provider="muk")
    xml = test_idp.response_xml(in_response_to=rid, sp_entity_id=SP, acs=ACS, attributes=MUK_ATTRS)
    post(c2, test_idp.sign(xml))
    assert OrganisationLink.objects.count() == 1
    assert OrganisationMembership.objects.filter(organisation=org_link.organisation).count() == 2


def test_muk_without_organisation_is_refused(muni_a, test_idp):
    services.save_identity_provider(muni_a, "muk", test_idp.metadata())
    c = client_for(HOST_A)
    rid = start(c, provider="muk")
    attrs = {"urn:oid:2.5.4.42": ("Bernd", "HOCH")}
    r = post(
        c,
        test_idp.sign(test_idp.response_xml(in_response_to=rid, sp_entity_id=SP, acs=ACS, attributes=attrs)),
    )
    assert r.status_code == 400 and "Unternehmenskennung" in r.content.decode()
    assert not OrganisationLink.objects.exists()


def test_single_logout_sends_a_signed_logout_request(bundid, test_idp):
    c = client_for(HOST_A)
    bundid_login(c, test_idp)
    r = c.post(reverse("identity:logout"))
    assert r.status_code == 302 and r["Location"].startswith(test_idp.slo)
    assert "SAMLRequest=" in r["Location"] and "Signature=" in r["Location"]
    assert "_auth_user_id" not in c.session


def test_faulty_logout_message_logs_out_without_500(bundid, test_idp):
    c = client_for(HOST_A)
    bundid_login(c, test_idp)
    r = c.get(reverse("identity:slo"), {"SAMLRequest": "kaputt"})
    assert r.status_code == 302 and "_auth_user_id" not in c.session


# --- staff: setup and trust level per service ----------------------------------------------------


def test_admin_uploads_idp_metadata(admin_a, test_idp):
    c = client_for(HOST_A, admin_a)
    page = c.get(reverse("identity:setup")).content.decode()
    assert "http://zeitz.testserver/identitaet/saml/metadata/" in page and "PRIVATE" not in page
    upload = SimpleUploadedFile("idp.xml", test_idp.metadata().encode(), content_type="application/xml")
    r = c.post(
        reverse("identity:setup_provider", args=["bundid"]),
        {
            "metadata_file": upload,
            "enabled": "on",
            "binding": "post",
            "allowed_methods": ["eID", "Benutzername"],
        },
    )
    assert r.status_code == 302
    idp = IdentityProvider.objects.get()
    assert idp.entity_id == test_idp.entity_id and idp.binding == "post"
    assert sorted(idp.allowed_methods) == ["Benutzername", "eID"]
    event = AuditEvent.objects.get(action="identity.idp_configured")
    assert event.actor == admin_a and event.municipality == idp.municipality and event.ip_address
    # POST binding: an auto-submitting form with a signed request
    login = client_for(HOST_A).get(reverse("identity:login", args=["bundid"]))
    assert login.status_code == 200 and b'name="SAMLRequest"' in login.content


def test_bad_metadata_is_refused_with_a_message(admin_a):
    c = client_for(HOST_A, admin_a)
    for content in (
        b"kein xml",
        b"<md:EntityDescriptor xmlns:md='urn:oasis:names:tc:SAML:2.0:metadata' entityID='x'/>",
    ):
        r = c.post(
            reverse("identity:setup_provider", args=["bundid"]),
            {"metadata_file": SimpleUploadedFile("m.xml", content), "enabled": "on", "binding": "redirect"},
        )
        body = r.content.decode()
        assert r.status_code == 200
        assert "kein gültiges XML" in body or "keine Metadaten eines Identitätsanbieters" in body
    assert not IdentityProvider.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "citizen", "staff", "admin_b"])
def test_setup_is_for_the_municipality_admin_only(who, muni_a, muni_b, citizen, staff_a, admin_b):
    user = {"anonymous": None, "citizen": citizen, "staff": staff_a, "admin_b": admin_b}[who]
    c = client_for(HOST_A, user)
    r = c.get(reverse("identity:setup"))
    assert r.status_code in (302, 403)


def test_staff_set_the_level_per_service(parken, muni_b):
    manager = make_user("dienste@example.org", mfa=True)
    grant(manager, parken.municipality, Role.MODULE_MANAGER, ["services"])
    c = client_for(HOST_A, manager)
    assert parken.name in c.get(reverse("identity:requirements")).content.decode()
    r = c.post(
        reverse("identity:requirement_edit", args=[parken.pk]),
        {"level": "3", "accept_citizen": "on", "lock_prefilled": "on"},
    )
    assert r.status_code == 302
    req = ServiceRequirement.objects.get()
    assert req.level == 3 and req.accept_citizen and not req.accept_business and req.lock_prefilled
    assert AuditEvent.objects.get(action="identity.requirement_saved").actor == manager
    r = c.post(reverse("identity:requirement_edit", args=[parken.pk]), {"level": "3"})
    assert r.status_code == 200 and "mindestens eine Art" in r.content.decode()
    # another municipality's staff do not see this form
    other = make_user("dienste-b@example.org", mfa=True)
    grant(other, muni_b, Role.MODULE_MANAGER, ["services"])
    assert (
        client_for(HOST_B, other).get(reverse("identity:requirement_edit", args=[parken.pk])).status_code
        == 404
    )
    assert client_for(HOST_A).get(reverse("identity:requirements")).status_code == 302


def _services_manager(muni, email="dienste@example.org"):
    manager = make_user(email, mfa=True)
    grant(manager, muni, Role.MODULE_MANAGER, ["services"])
    return manager


def test_staff_set_the_field_mapping(parken):
    from rathaus.fim import queries as fim_queries

    fid = sorted(fim_queries.field_labels(parken))[0]
    c = client_for(HOST_A, _services_manager(parken.municipality))
    page = c.get(reverse("identity:requirement_edit", args=[parken.pk])).content.decode()
    assert fid in page and "family_name" in page  # the form's field ids and the attributes are listed
    base = {"level": "3", "accept_citizen": "on", "accept_business": "on"}
    r = c.post(
        reverse("identity:requirement_edit", args=[parken.pk]), {**base, "mapping": f" {fid} = city \n\n"}
    )
    assert r.status_code == 302
    req = ServiceRequirement.objects.get()
    assert req.field_mapping == {fid: "city"} and req.accept_business and not req.lock_prefilled
    assert f"{fid} = city" in c.get(reverse("identity:requirement_edit", args=[parken.pk])).content.decode()
    for mapping, message in (
        ("F99999999 = city", "kein Feld mit der ID „F99999999“"),
        (f"{fid} = lieblingsfarbe", "unbekanntes Merkmal „lieblingsfarbe“"),
        (f"{fid} = bpk2", "unbekanntes Merkmal „bpk2“"),
        (f"{fid} city", "FIM-Feld-ID = Merkmal"),
    ):
        r = c.post(reverse("identity:requirement_edit", args=[parken.pk]), {**base, "mapping": mapping})
        assert r.status_code == 200 and message in r.content.decode(), mapping
    assert ServiceRequirement.objects.get().field_mapping == {fid: "city"}


@pytest.mark.parametrize("who", ["anonymous", "citizen", "staff_without_role", "other_municipality"])
def test_requirement_pages_are_refused(who, parken, muni_b, citizen, staff_a):
    user = {
        "anonymous": None,
        "citizen": citizen,
        "staff_without_role": staff_a,
        "other_municipality": _services_manager(muni_b, "dienste-b@example.org"),
    }[who]
    c = client_for(HOST_A, user)
    for url in (reverse("identity:requirements"), reverse("identity:requirement_edit", args=[parken.pk])):
        assert c.get(url).status_code in (302, 403, 404), (who, url)
    r = c.post(
        reverse("identity:requirement_edit", args=[parken.pk]),
        {"level": "4", "accept_citizen": "on", "mapping": ""},
    )
    assert r.status_code in (302, 403, 404)
    if r.status_code == 302:
        assert "/anmelden" in r["Location"] or "login" in r["Location"]
    assert not ServiceRequirement.objects.exists()


def test_requirements_list_query_count(parken, django_assert_max_num_queries):
    manager = make_user("dienste@example.org", mfa=True)
    grant(manager, parken.municipality, Role.MODULE_MANAGER, ["services"])
    c = client_for(HOST_A, manager)
    c.get(reverse("identity:requirements"))
    with django_assert_max_num_queries(15):
        c.get(reverse("identity:requirements"))


def test_login_page_offers_bundid_only_where_an_idp_is_configured(bundid, muni_b):
    page = client_for(HOST_A).get(reverse("account_login") + "?next=/konto/").content.decode()
    assert "Mit BundID anmelden" in page and 'data-identity-login="bundid"' in page
    assert 'name="password"' in page  # the password login stays
    assert reverse("identity:login", args=["bundid"]) + "?niveau=1&amp;next=%2Fkonto%2F" in page
    assert "Mit Mein Unternehmenskonto anmelden" not in page  # MUK is not configured in Zeitz
    other = client_for(HOST_B).get(reverse("account_login")).content.decode()
    assert "Mit BundID anmelden" not in other and 'name="password"' in other
    IdentityProvider.objects.update(enabled=False)
    assert "Mit BundID anmelden" not in client_for(HOST_A).get(reverse("account_login")).content.decode()
