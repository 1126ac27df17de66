"""URLs the cases app serves outside /antraege/ (registered in rathaus/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("ozg-dashboard/", views.dashboard, name="ozg_dashboard"),
    path("ozg-dashboard/antraege-je-monat.csv", views.dashboard_csv, name="ozg_dashboard_csv"),
]
