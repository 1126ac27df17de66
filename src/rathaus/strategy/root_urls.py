"""URLs the strategy app serves outside /digitalstrategie/ (registered in rathaus/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("digitalbarometer/", views.barometer, name="barometer"),
    path("digitalbarometer/kennzahlen.csv", views.barometer_csv, name="barometer_csv"),
    path("digitalbarometer/kennzahlen.json", views.barometer_json, name="barometer_json"),
]
