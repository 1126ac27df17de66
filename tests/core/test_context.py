"""ServiceContext: what a view, a task or a command hands to the services instead of the request."""

from __future__ import annotations

import dataclasses

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import RequestFactory, override_settings

from rathaus.core.accounts import permissions
from rathaus.core.audit.models import AuditEvent
from rathaus.core.audit.services import record
from rathaus.core.context import ServiceContext
from rathaus.core.tenancy.services import public_url, tenant_object_or_404
from rathaus.core.ui.models import Notice
from tests.conftest import HOST_A


def _request(user, muni, **extra):
    request = RequestFactory().post("/", HTTP_HOST=HOST_A, REMOTE_ADDR="192.0.2.7", **extra)
    request.user = user
    request.municipality = muni
    request.request_id = "req-1"
    return request


@pytest.mark.django_db
def test_from_request_carries_actor_municipality_address_and_origin(staff_a, muni_a):
    ctx = ServiceContext.from_request(_request(staff_a, muni_a))
    assert ctx.actor == staff_a and ctx.municipality == muni_a
    assert ctx.client_address == "192.0.2.7" and ctx.channel == "web" and ctx.request_id == "req-1"
    assert ctx.origin == f"http://{HOST_A}"
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.actor = None  # type: ignore[misc]


@pytest.mark.django_db
def test_from_request_is_one_per_request_and_user(staff_a, muni_a):
    request = _request(staff_a, muni_a)
    first = ServiceContext.from_request(request)
    assert ServiceContext.from_request(request) is first
    request.user = AnonymousUser()  # e.g. after logout()
    after = ServiceContext.from_request(request)
    assert after is not first and after.actor is None and after.user.is_authenticated is False


@pytest.mark.django_db
def test_constructors_outside_a_request(staff_a, muni_a):
    assert ServiceContext.for_task(muni_a).channel == "task"
    assert ServiceContext.for_command(muni_a).channel == "command"
    system = ServiceContext.system(muni_a)
    assert system.channel == "system" and system.actor is None and system.client_address is None
    assert ServiceContext.for_user(AnonymousUser(), muni_a).actor is None
    assert ServiceContext.for_user(staff_a, muni_a).actor == staff_a
    assert ServiceContext.for_task(muni_a).request_id != ServiceContext.for_task(muni_a).request_id


@pytest.mark.django_db
def test_audit_record_takes_actor_municipality_and_address_from_the_context(staff_a, muni_a, muni_b):
    ctx = ServiceContext.from_request(_request(staff_a, muni_a))
    ev = record("test.action", ctx=ctx)
    assert (ev.actor, ev.municipality, ev.ip_address) == (staff_a, muni_a, "192.0.2.7")
    # explicit arguments still win (an object of another municipality, a citizen's step)
    ev = record("test.other", ctx=ctx, municipality=muni_b)
    assert ev.municipality == muni_b and ev.actor == staff_a
    ev = record("test.system", ctx=ServiceContext.system(muni_a))
    assert ev.actor is None and ev.actor_label == "Gast" and ev.ip_address is None
    assert AuditEvent.objects.count() == 3


@pytest.mark.django_db
def test_role_checks_answer_for_a_context_as_for_a_request(staff_a, citizen, muni_a, muni_b):
    assert permissions.is_staff_member(ServiceContext.for_user(staff_a, muni_a))
    assert not permissions.is_staff_member(ServiceContext.for_user(staff_a, muni_b))
    assert not permissions.is_staff_member(ServiceContext.for_user(citizen, muni_a))
    assert not permissions.is_staff_member(ServiceContext.system(muni_a))


@pytest.mark.django_db
def test_tenant_lookups_with_a_context(muni_a, muni_b):
    notice = Notice.objects.create(municipality=muni_b, title="B")
    assert list(Notice.objects.for_tenant(ServiceContext.system(muni_b))) == [notice]
    with pytest.raises(Http404):
        tenant_object_or_404(Notice, ServiceContext.system(muni_a), pk=notice.pk)


@pytest.mark.django_db
@override_settings(HTTPS=False, PUBLIC_PORT="")
def test_public_url_uses_the_origin_of_the_context_only_for_its_municipality(staff_a, muni_a, muni_b):
    ctx = ServiceContext.from_request(_request(staff_a, muni_a))
    assert public_url(muni_a, "/x/", ctx) == f"http://{HOST_A}/x/"
    assert public_url(muni_b, "/x/", ctx) == public_url(muni_b, "/x/")
    assert public_url(muni_a, "/x/", ServiceContext.for_task(muni_a)) == public_url(muni_a, "/x/")
