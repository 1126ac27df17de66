"""URLs the strategy app serves outside /digitalstrategie/ (registered in rathaus/urls.py)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
