"""URLs the cases app serves outside /antraege/ (registered in rathaus/urls.py)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
