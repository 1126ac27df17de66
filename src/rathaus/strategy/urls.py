from django.urls import path

from . import views

app_name = "strategy"

urlpatterns = [
    path("", views.index, name="index"),
    path("handlungsfeld/<int:pk>/", views.field, name="field"),
    path("massnahme/<int:pk>/", views.measure, name="measure"),
    path("indikator/<int:pk>/", views.indicator, name="indicator"),
    path("statusbericht.pdf", views.report_pdf, name="report_pdf"),
    path("statusbericht.csv", views.report_csv, name="report_csv"),
    path("verwaltung/", views.manage, name="manage"),
    path("verwaltung/snapshot/", views.snapshot, name="snapshot"),
    path("verwaltung/strategie/neu/", views.strategy_edit, name="strategy_create"),
    path("verwaltung/strategie/<int:pk>/", views.strategy_edit, name="strategy_edit"),
    path("verwaltung/strategie/<int:pk>/fassung/", views.version_add, name="version_add"),
    path("verwaltung/handlungsfeld/neu/", views.field_edit, name="field_create"),
    path("verwaltung/handlungsfeld/<int:pk>/", views.field_edit, name="field_edit"),
    path("verwaltung/ziel/neu/", views.goal_edit, name="goal_create"),
    path("verwaltung/ziel/<int:pk>/", views.goal_edit, name="goal_edit"),
    path("verwaltung/massnahme/neu/", views.measure_edit, name="measure_create"),
    path("verwaltung/massnahme/<int:pk>/", views.measure_edit, name="measure_edit"),
    path("verwaltung/massnahme/<int:pk>/meilenstein/", views.milestone_add, name="milestone_add"),
    path("verwaltung/massnahme/<int:pk>/verknuepfung/", views.link_add, name="link_add"),
    path("verwaltung/meilenstein/<int:pk>/umschalten/", views.milestone_toggle, name="milestone_toggle"),
    path("verwaltung/meilenstein/<int:pk>/loeschen/", views.milestone_delete, name="milestone_delete"),
    path("verwaltung/verknuepfung/<int:pk>/loeschen/", views.link_delete, name="link_delete"),
    path("verwaltung/indikator/neu/", views.indicator_edit, name="indicator_create"),
    path("verwaltung/indikator/<int:pk>/", views.indicator_edit, name="indicator_edit"),
    path("verwaltung/indikator/<int:pk>/wert/", views.value_add, name="value_add"),
    path("verwaltung/wert/<int:pk>/loeschen/", views.value_delete, name="value_delete"),
    path("verwaltung/handlungsfeld/<int:pk>/loeschen/", views.field_delete, name="field_delete"),
    path("verwaltung/ziel/<int:pk>/loeschen/", views.goal_delete, name="goal_delete"),
    path("verwaltung/massnahme/<int:pk>/loeschen/", views.measure_delete, name="measure_delete"),
    path("verwaltung/indikator/<int:pk>/loeschen/", views.indicator_delete, name="indicator_delete"),
]
