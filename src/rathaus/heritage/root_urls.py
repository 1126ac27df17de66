"""URLs the heritage app serves outside /sammlung/ (registered in rathaus/urls.py)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
