"""URLs the heritage app serves outside /sammlung/ (registered in rathaus/urls.py): OAI-PMH and IIIF."""

from django.urls import path, re_path

from . import views

urlpatterns = [
    path("oai", views.oai_endpoint, name="heritage_oai"),
    path("iiif/manifest/<str:public_id>", views.iiif_manifest, name="heritage_iiif_manifest"),
    path("iiif/collection/<str:spec>", views.iiif_collection, name="heritage_iiif_collection"),
    path("iiif/<str:image_id>", views.iiif_base, name="heritage_iiif_base"),
    path("iiif/<str:image_id>/info.json", views.iiif_info, name="heritage_iiif_info"),
    re_path(
        r"^iiif/(?P<image_id>[^/]+)/(?P<region>[^/]+)/(?P<size>[^/]+)/(?P<rotation>[^/]+)/"
        r"(?P<quality>[^/.]+)\.(?P<fmt>[^/.]+)$",
        views.iiif_image,
        name="heritage_iiif_image",
    ),
]
