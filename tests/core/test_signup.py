from __future__ import annotations

import pytest
from django.core import mail

from rathaus.core.accounts.models import Organisation, OrganisationMembership, User
from rathaus.core.audit.models import AuditEvent


def _signup(client, **extra):
    data = {
        "email": "neu@example.org",
        "password1": "Sehr-sicheres-Passwort-1",
        "password2": "Sehr-sicheres-Passwort-1",
    }
    data.update(extra)
    return client.post("/konto/signup/", data)


@pytest.mark.django_db
def test_business_signup_creates_organisation_represented_by_user(client_a):
    response = _signup(
        client_a, display_name="Erika Muster", account_type="business", organisation_name="Zeitzer Bau GmbH"
    )
    assert response.status_code == 302
    user = User.objects.get(email="neu@example.org")
    assert user.account_type == "business"
    assert user.display_name == "Erika Muster"
    org = Organisation.objects.get(name="Zeitzer Bau GmbH")
    assert OrganisationMembership.objects.get(organisation=org, user=user).is_representative
    assert AuditEvent.objects.filter(action="organisation.registered", object_id=str(org.pk)).exists()
    assert len(mail.outbox) == 1  # e-mail verification


@pytest.mark.django_db
def test_business_signup_without_organisation_name_is_refused(client_a):
    response = _signup(client_a, account_type="business", organisation_name="  ")
    assert response.status_code == 200
    assert "Bitte geben Sie den Namen des Unternehmens an." in response.content.decode()
    assert not User.objects.filter(email="neu@example.org").exists()
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_person_signup_defaults(client_a):
    assert _signup(client_a).status_code == 302
    user = User.objects.get(email="neu@example.org")
    assert user.account_type == "person"
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_forged_account_type_is_refused(client_a):
    response = _signup(client_a, account_type="platform-admin")
    assert response.status_code == 200
    assert not User.objects.filter(email="neu@example.org").exists()
