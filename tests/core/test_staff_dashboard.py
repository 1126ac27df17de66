from __future__ import annotations


def test_staff_dashboard_lists_module_pages_only_for_their_managers(muni_a, admin_a, staff_a):
    from tests.conftest import HOST_A, client_for

    admin_page = client_for(HOST_A, admin_a).get("/verwaltung/").content.decode()
    staff_page = client_for(HOST_A, staff_a).get("/verwaltung/").content.decode()
    assert "/digital-hub/verwaltung/" in admin_page
    assert "/digital-hub/verwaltung/" not in staff_page


def test_entries_for_all_staff_reach_clerks_but_not_citizens(muni_a, staff_a, citizen):
    from django.urls import reverse

    from tests.conftest import HOST_A, client_for

    inbox = reverse("cases:inbox")
    settings_page = reverse("cases:settings")
    staff_page = client_for(HOST_A, staff_a).get("/verwaltung/").content.decode()
    assert f'href="{inbox}"' in staff_page  # a clerk reaches the case inbox
    assert f'href="{settings_page}"' not in staff_page  # but not the module's configuration
    assert client_for(HOST_A, citizen).get("/verwaltung/").status_code in (302, 403)
