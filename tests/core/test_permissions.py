"""Every access decorator, per role, on real staff pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rathaus.core.accounts.models import Role
from rathaus.core.accounts.permissions import (
    admin_required,
    login_required,
    module_required,
    public,
    staff_required,
)
from tests.conftest import HOST_A, HOST_B, client_for, grant, make_user

STAFF_PAGE = "/verwaltung/"  # staff_required
PORTAL_PAGE = "/verwaltung/aktuelles/"  # module_required("portal")
ADMIN_PAGE = "/verwaltung/einstellungen/"  # admin_required
AUDIT_PAGE = "/verwaltung/protokoll/"  # admin_required
ACCOUNT_PAGE = "/konto/"  # login_required
MFA_SETUP = reverse("mfa_activate_totp")


def test_decorators_mark_views():
    def view(request):
        return None

    assert public(view).rathaus_access == "public"
    assert login_required(view).rathaus_access == "authenticated"
    assert staff_required(view).rathaus_access == "is_staff_member"
    assert admin_required(view).rathaus_access == "is_municipality_admin"
    assert module_required("hub")(view).rathaus_access == "module:hub"


@pytest.mark.parametrize("path", [ACCOUNT_PAGE, STAFF_PAGE, PORTAL_PAGE, ADMIN_PAGE, AUDIT_PAGE])
def test_anonymous_is_sent_to_login(client_a, path):
    response = client_a.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={path}"


@pytest.mark.parametrize("path", [STAFF_PAGE, PORTAL_PAGE, ADMIN_PAGE, AUDIT_PAGE])
def test_citizen_gets_403_on_staff_pages(citizen, muni_a, path):
    assert client_for(HOST_A, citizen).get(path).status_code == 403


def test_citizen_reaches_own_account(citizen, muni_a):
    response = client_for(HOST_A, citizen).get(ACCOUNT_PAGE)
    assert response.status_code == 200
    assert citizen.email in response.content.decode()


@pytest.mark.parametrize(
    ("role", "modules", "path"),
    [
        (Role.STAFF, [], STAFF_PAGE),
        (Role.MODULE_MANAGER, ["portal"], PORTAL_PAGE),
        (Role.ADMIN, [], ADMIN_PAGE),
        (Role.ADMIN, [], AUDIT_PAGE),
    ],
)
def test_staff_without_mfa_is_sent_to_mfa_setup(muni_a, role, modules, path):
    user = make_user("ohne-mfa@example.org", mfa=False)
    grant(user, muni_a, role, modules)
    response = client_for(HOST_A, user).get(path)
    assert response.status_code == 302
    assert response["Location"] == MFA_SETUP


def test_platform_admin_without_mfa_is_sent_to_mfa_setup(muni_a):
    user = make_user("root-ohne-mfa@example.org", mfa=False, superuser=True)
    response = client_for(HOST_A, user).get(ADMIN_PAGE)
    assert response.status_code == 302
    assert response["Location"] == MFA_SETUP


def test_mfa_setup_page_is_reachable_for_staff_without_mfa(muni_a):
    user = make_user("ohne-mfa@example.org", mfa=False)
    grant(user, muni_a, Role.STAFF)
    response = client_for(HOST_A, user).get(STAFF_PAGE, follow=True)
    # allauth asks for the password again (force_login is no recent authentication), then sets up TOTP.
    assert response.redirect_chain[0][0] == MFA_SETUP
    assert response.status_code == 200


def test_recovery_codes_alone_are_not_mfa(muni_a):
    from allauth.mfa.models import Authenticator

    user = make_user("nur-codes@example.org", mfa=False)
    grant(user, muni_a, Role.STAFF)
    Authenticator.objects.create(user=user, type=Authenticator.Type.RECOVERY_CODES, data={})
    assert client_for(HOST_A, user).get(STAFF_PAGE)["Location"] == MFA_SETUP


@pytest.mark.parametrize("path", [STAFF_PAGE, PORTAL_PAGE, ADMIN_PAGE, AUDIT_PAGE])
def test_admin_of_b_gets_403_on_a(admin_b, muni_a, path):
    assert client_for(HOST_A, admin_b).get(path).status_code == 403
    # ... and is allowed at home.
    assert client_for(HOST_B, admin_b).get(path).status_code == 200


def test_staff_member(staff_a, muni_b):
    c = client_for(HOST_A, staff_a)
    assert c.get(STAFF_PAGE).status_code == 200
    assert c.get(PORTAL_PAGE).status_code == 403
    assert c.get(ADMIN_PAGE).status_code == 403
    assert c.get(AUDIT_PAGE).status_code == 403
    assert client_for(HOST_B, staff_a).get(STAFF_PAGE).status_code == 403


def test_module_manager_only_for_his_module(editor_a, muni_a):
    c = client_for(HOST_A, editor_a)
    assert c.get(STAFF_PAGE).status_code == 200
    assert c.get(PORTAL_PAGE).status_code == 200
    assert c.get("/verwaltung/rechtliches/impressum/").status_code == 200
    assert c.get(ADMIN_PAGE).status_code == 403
    assert c.get(AUDIT_PAGE).status_code == 403

    hub = make_user("hub@example.org", mfa=True)
    grant(hub, muni_a, Role.MODULE_MANAGER, ["hub", "events"])
    c = client_for(HOST_A, hub)
    assert c.get(STAFF_PAGE).status_code == 200
    assert c.get(PORTAL_PAGE).status_code == 403
    assert c.get("/verwaltung/rechtliches/impressum/").status_code == 403


def test_module_list_does_not_help_plain_staff(muni_a):
    # Modules only count for the module-manager role.
    user = make_user("staff-mit-modul@example.org", mfa=True)
    grant(user, muni_a, Role.STAFF, ["portal"])
    assert client_for(HOST_A, user).get(PORTAL_PAGE).status_code == 403


def test_municipality_admin_reaches_everything_in_own_municipality(admin_a):
    c = client_for(HOST_A, admin_a)
    for path in (STAFF_PAGE, PORTAL_PAGE, ADMIN_PAGE, AUDIT_PAGE, "/verwaltung/api-tokens/"):
        assert c.get(path).status_code == 200, path


def test_platform_admin_reaches_every_municipality(platform_admin, muni_a, muni_b):
    for host in (HOST_A, HOST_B):
        c = client_for(host, platform_admin)
        for path in (STAFF_PAGE, PORTAL_PAGE, ADMIN_PAGE, AUDIT_PAGE):
            assert c.get(path).status_code == 200, (host, path)


def test_staff_link_in_header_only_for_staff(citizen, staff_a):
    assert "/verwaltung/" not in client_for(HOST_A, citizen).get("/").content.decode()
    assert 'href="/verwaltung/"' in client_for(HOST_A, staff_a).get("/").content.decode()


def test_django_admin_requires_platform_admin(admin_a, platform_admin):
    assert client_for(HOST_A, admin_a).get("/django-admin/").status_code in (302, 403)
    assert client_for(HOST_A, platform_admin).get("/django-admin/").status_code == 200
