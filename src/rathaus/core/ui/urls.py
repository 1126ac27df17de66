from django.urls import path

from . import views

app_name = "ui"

urlpatterns = [
    path("", views.home, name="home"),
    path("theme.css", views.theme_css, name="theme_css"),
    path("sprache/<slug:code>/", views.language, name="language"),
    path("rechtliches/<slug:kind>/", views.legal, name="legal"),
    path("barriere-melden/", views.accessibility_feedback, name="accessibility_feedback"),
    path("aktuelles/<int:pk>/", views.notice, name="notice"),
    path("konto/", views.account, name="account"),
    path("konto/datenexport/", views.account_export, name="account_export"),
    path("konto/loeschen/", views.account_delete, name="account_delete"),
    path("verwaltung/", views.staff_dashboard, name="staff_dashboard"),
    path("verwaltung/rechtliches/<slug:kind>/", views.legal_edit, name="legal_edit"),
    path("verwaltung/aktuelles/", views.notice_list_staff, name="notice_list_staff"),
    path("verwaltung/aktuelles/neu/", views.notice_edit, name="notice_create"),
    path("verwaltung/aktuelles/<int:pk>/", views.notice_edit, name="notice_edit"),
    path("verwaltung/aktuelles/<int:pk>/loeschen/", views.notice_delete, name="notice_delete"),
    path("verwaltung/barriere-meldungen/", views.feedback_list, name="feedback_list"),
    path("verwaltung/einstellungen/", views.municipality_settings, name="municipality_settings"),
    path("verwaltung/api-tokens/", views.api_tokens, name="api_tokens"),
    path("verwaltung/api-tokens/<int:pk>/sperren/", views.api_token_revoke, name="api_token_revoke"),
]
