from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("eingegangen/", views.confirmation, name="confirmation"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/eingangsbestaetigung.pdf", views.receipt, name="receipt"),
    path("<int:pk>/dokumente/<uuid:att>/", views.document, name="document"),
    path("zugang/<str:token>/", views.guest, name="guest"),
    path("zugang/<str:token>/eingangsbestaetigung.pdf", views.guest_receipt, name="guest_receipt"),
    path("zugang/<str:token>/dokumente/<uuid:att>/", views.guest_document, name="guest_document"),
    path("verwaltung/", views.inbox, name="inbox"),
    path("verwaltung/<int:pk>/", views.case, name="case"),
    path("verwaltung/<int:pk>/aktion/", views.case_action, name="case_action"),
    path("verwaltung/<int:pk>/eingangsbestaetigung.pdf", views.case_receipt, name="case_receipt"),
    path("verwaltung/<int:pk>/export.json", views.case_export, name="case_export"),
    path("verwaltung/<int:pk>/dokumente/<uuid:att>/", views.case_document, name="case_document"),
    path("verwaltung/leistungen/", views.settings_list, name="settings"),
    path("verwaltung/leistungen/<int:pk>/", views.setting_edit, name="setting_edit"),
    path("verwaltung/bescheide/", views.letter_settings, name="letter_settings"),
]
