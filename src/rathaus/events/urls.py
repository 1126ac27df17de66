from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("<int:pk>/", views.event_detail, name="detail"),
    path("<int:pk>/termin.ics", views.event_ics, name="event_ics"),
    path("<int:pk>/anmelden/", views.register, name="register"),
    path("bestaetigen/<str:token>/", views.confirm, name="confirm"),
    path("stornieren/<str:token>/", views.cancel_link, name="cancel_link"),
    path("meine-anmeldungen/", views.my_registrations, name="mine"),
    path("meine-anmeldungen/<int:pk>/stornieren/", views.my_cancel, name="my_cancel"),
    path("verwaltung/", views.manage, name="manage"),
    path("verwaltung/neu/", views.manage_edit, name="manage_create"),
    path("verwaltung/auswertung/", views.stats, name="stats"),
    path("verwaltung/<int:pk>/", views.manage_edit, name="manage_edit"),
    path("verwaltung/<int:pk>/anmeldungen/", views.attendees, name="attendees"),
    path("verwaltung/<int:pk>/anmeldungen.csv", views.attendees_csv, name="attendees_csv"),
    path("verwaltung/<int:pk>/anmeldungen.xlsx", views.attendees_xlsx, name="attendees_xlsx"),
    path("verwaltung/anmeldung/<int:pk>/anwesenheit/", views.checkin, name="checkin"),
    path("verwaltung/anmeldung/<int:pk>/stornieren/", views.staff_cancel, name="staff_cancel"),
]
