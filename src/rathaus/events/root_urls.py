"""URLs the events app serves outside /veranstaltungen/ (e.g. /events.ics)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
