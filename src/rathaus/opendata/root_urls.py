"""URLs the opendata app serves outside /daten/ (registered in rathaus/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("dcat/catalog.ttl", views.catalog_ttl, name="dcat_catalog_ttl"),
    path("dcat/catalog.rdf", views.catalog_rdf, name="dcat_catalog_rdf"),
    path("dcat/catalog.jsonld", views.catalog_jsonld, name="dcat_catalog_jsonld"),
]
