"""URLs the opendata app serves outside /daten/ (registered in rathaus/urls.py)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
