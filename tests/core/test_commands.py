from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from rathaus.core.accounts.models import Membership, Role
from rathaus.core.audit.models import AuditEvent
from rathaus.core.tenancy.models import Domain, Municipality
from tests.conftest import make_user


@pytest.mark.django_db
def test_create_municipality_with_hosts():
    call_command(
        "create_municipality",
        "--municipality",
        "weissenfels",
        "--name",
        "Weißenfels",
        "--ags",
        "15084550",
        "--ars",
        "150840550550",
        "--host",
        "Weissenfels.Example",
    )
    muni = Municipality.objects.get(slug="weissenfels")
    assert muni.state == "15"
    assert list(Domain.objects.filter(municipality=muni).values_list("host", "is_primary")) == [
        ("weissenfels.example", True)
    ]


@pytest.mark.django_db
def test_create_municipality_refuses_bad_keys_and_stores_nothing():
    with pytest.raises(CommandError, match="ars"):
        call_command(
            "create_municipality",
            "--municipality",
            "x",
            "--name",
            "X",
            "--ags",
            "15084550",
            "--ars",
            "150840550551",
        )
    with pytest.raises(CommandError, match="ags"):
        call_command(
            "create_municipality",
            "--municipality",
            "y",
            "--name",
            "Y",
            "--ags",
            "1508",
            "--ars",
            "150840550550",
        )
    assert not Municipality.objects.exists()


@pytest.mark.django_db
def test_host_of_another_municipality_is_refused(muni_a, muni_b):
    with pytest.raises(CommandError, match="gehört schon"):
        call_command("create_municipality", "--municipality", "musterstadt", "--host", "zeitz.testserver")
    assert Domain.objects.get(host="zeitz.testserver").municipality == muni_a


@pytest.mark.django_db
def test_grant_role_audits(muni_a):
    user = make_user("neu@example.org")
    call_command("grant_role", "--municipality", "zeitz", "--email", "NEU@example.org", "--role", "admin")
    assert Membership.objects.get(user=user, municipality=muni_a).role == Role.ADMIN
    assert AuditEvent.objects.filter(action="membership.granted", municipality=muni_a).count() == 1


@pytest.mark.django_db
def test_grant_role_unknown_account(muni_a):
    with pytest.raises(CommandError, match="Kein Konto"):
        call_command(
            "grant_role", "--municipality", "zeitz", "--email", "nobody@example.org", "--role", "staff"
        )


@pytest.mark.django_db
def test_rebuild_search_index_unknown_municipality():
    with pytest.raises(CommandError, match="Unbekannte Kommune"):
        call_command("rebuild_search_index", "--municipality", "nirgendwo")


@pytest.mark.django_db
def test_municipality_option_none_known_and_unknown(muni_a):
    from rathaus.core.tenancy.services import municipality_option

    assert municipality_option(None) is None
    assert municipality_option("") is None
    assert municipality_option("zeitz") == muni_a
    with pytest.raises(CommandError, match="Unbekannte Kommune / unknown municipality: nirgendwo"):
        municipality_option("nirgendwo")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "command", ["opendata_sync", "strategy_snapshot", "erase_expired_cases", "release_no_shows"]
)
def test_scheduled_commands_refuse_an_unknown_municipality(command):
    with pytest.raises(CommandError, match="Unbekannte Kommune"):
        call_command(command, "--municipality", "nirgendwo")
