from django.urls import path

from . import views

app_name = "consulting"
urlpatterns = [
    path("", views.slot_list, name="slot_list"),
    path("termin/<int:pk>/buchen/", views.book, name="book"),
    path("bestaetigen/<str:token>/", views.guest_confirm, name="guest_confirm"),
    path("gast/<str:token>/", views.guest_booking, name="guest_booking"),
    path("gast/<str:token>/termin.ics", views.guest_ics, name="guest_ics"),
    path("gast/<str:token>/absagen/", views.guest_cancel, name="guest_cancel"),
    path("meine-termine/", views.my_bookings, name="my_bookings"),
    path("meine-termine/<int:pk>/", views.my_booking_detail, name="booking"),
    path("meine-termine/<int:pk>/termin.ics", views.booking_ics_view, name="booking_ics"),
    path("meine-termine/<int:pk>/absagen/", views.booking_cancel, name="booking_cancel"),
    path("meine-termine/<int:pk>/umbuchen/", views.booking_rebook, name="booking_rebook"),
    path("verwaltung/", views.manage, name="manage"),
    path("verwaltung/neu/", views.publish, name="publish"),
    path("verwaltung/termin/<int:pk>/zurueckziehen/", views.slot_withdraw, name="slot_withdraw"),
    path("verwaltung/buchung/<int:pk>/absagen/", views.advisor_booking_cancel, name="advisor_booking_cancel"),
    path("verwaltung/beratende/", views.advisors, name="advisors"),
    path("verwaltung/beratende/<int:pk>/", views.advisors, name="advisor_edit"),
    path("verwaltung/themen/", views.topics, name="topics"),
    path("verwaltung/themen/<int:pk>/", views.topics, name="topic_edit"),
    path("verwaltung/auswertung/", views.report, name="report"),
]
