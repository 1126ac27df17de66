from __future__ import annotations


def test_staff_dashboard_lists_module_pages_only_for_their_managers(muni_a, admin_a, staff_a):
    from tests.conftest import HOST_A, client_for

    admin_page = client_for(HOST_A, admin_a).get("/verwaltung/").content.decode()
    staff_page = client_for(HOST_A, staff_a).get("/verwaltung/").content.decode()
    assert "/digital-hub/verwaltung/" in admin_page
    assert "/digital-hub/verwaltung/" not in staff_page
