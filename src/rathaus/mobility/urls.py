from django.urls import path

from . import views

app_name = "mobility"

urlpatterns = [
    path("", views.index, name="index"),
    path("vergleich/", views.compare, name="compare"),
    path("kennzahlen/", views.indicators_page, name="indicators"),
    path("kennzahlen.csv", views.indicators_csv, name="indicators_csv"),
    path("haltestellen.geojson", views.stops_geojson, name="stops_geojson"),
    path("gueteklassen.geojson", views.classes_geojson, name="classes_geojson"),
    path("abfahrten.csv", views.stops_csv, name="stops_csv"),
    path("grundkarte.geojson", views.base_geojson, name="base_geojson"),
    path("verwaltung/", views.manage, name="manage"),
    path("verwaltung/fahrplan/<int:pk>/", views.feed_detail, name="feed_detail"),
    path("verwaltung/fahrplan/<int:pk>/loeschen/", views.feed_delete, name="feed_delete"),
    path("verwaltung/fahrplan/<int:pk>/veroeffentlichen/", views.feed_publish, name="feed_publish"),
    path("verwaltung/gemeindegebiet/", views.area_save, name="area_save"),
    path("verwaltung/raster/", views.grid_upload, name="grid_upload"),
    path("verwaltung/raster/<int:pk>/loeschen/", views.grid_delete, name="grid_delete"),
    path("verwaltung/ortsteile/", views.district_create, name="district_create"),
    path("verwaltung/ortsteile/<int:pk>/loeschen/", views.district_delete, name="district_delete"),
]
