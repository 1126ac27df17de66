from django.urls import path

from . import figures, views

app_name = "hub"
urlpatterns = [
    path("", views.index, name="index"),
    path("auslastung.csv", figures.utilisation_csv, name="utilisation_csv"),
    path("standort/<int:pk>/", views.location, name="location"),
    path("buchen/<int:pk>/", views.book, name="book"),
    path("meine-buchungen/", views.my_bookings, name="my_bookings"),
    path("buchung/<int:pk>/stornieren/", views.cancel, name="cancel"),
    path("buchung/<int:pk>/einchecken/", views.check_in, name="check_in"),
    path("buchung/<int:pk>/kalender.ics", views.booking_ics, name="booking_ics"),
    path("kalender/<str:token>.ics", views.feed, name="feed"),
    path("kalender/erneuern/", views.feed_regenerate, name="feed_regenerate"),
    path("check-in/<str:token>/", views.qr_check_in, name="qr_check_in"),
    path("verwaltung/", views.manage, name="manage"),
    path("verwaltung/auslastung/", views.occupancy, name="occupancy"),
    path("verwaltung/dashboard/", views.dashboard, name="dashboard"),
    path("verwaltung/dashboard/<slug:table>.csv", views.dashboard_csv, name="dashboard_csv"),
    path("verwaltung/standorte/neu/", views.location_edit, name="location_create"),
    path("verwaltung/standorte/<int:pk>/", views.location_edit, name="location_edit"),
    path("verwaltung/gruppen/neu/", views.group_edit, name="group_create"),
    path("verwaltung/gruppen/<int:pk>/", views.group_edit, name="group_edit"),
    path("verwaltung/ressourcen/neu/", views.resource_edit, name="resource_create"),
    path("verwaltung/ressourcen/<int:pk>/", views.resource_edit, name="resource_edit"),
    path("verwaltung/ressourcen/<int:pk>/qr.svg", views.resource_qr, name="resource_qr"),
    path("verwaltung/ressourcen/<int:pk>/aushang/", views.resource_sign, name="resource_sign"),
    path("verwaltung/schliesstage/neu/", views.closing_day_create, name="closing_day_create"),
    path("verwaltung/schliesstage/<int:pk>/loeschen/", views.closing_day_delete, name="closing_day_delete"),
]
