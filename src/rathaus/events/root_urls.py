"""URLs the events app serves outside /veranstaltungen/ (e.g. /events.ics)."""

from django.urls import path

from . import views

urlpatterns = [
    path("events.ics", views.events_feed, name="events_feed"),
]
