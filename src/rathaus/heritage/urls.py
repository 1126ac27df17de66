from django.urls import path

from . import views

app_name = "heritage"

urlpatterns = [
    path("", views.index, name="index"),
    path("objekt/<str:public_id>/", views.object_detail, name="object"),
    path("objekt/<str:public_id>/lido.xml", views.object_lido, name="object_lido"),
    path("objekt/<str:public_id>/dc.xml", views.object_dc, name="object_dc"),
    path("bestaende/", views.collections, name="collections"),
    path("bestand/<str:spec>/", views.collection, name="collection"),
    path("bestand/<str:spec>/lido.xml", views.collection_lido, name="collection_lido"),
    path("daten/objekte.csv", views.export_csv, name="export_csv"),
    path("daten/objekte-lido.xml", views.export_lido, name="export_lido"),
    path("daten/kennzahlen.json", views.export_figures, name="export_figures"),
    path("verwaltung/", views.manage, name="manage"),
    path("verwaltung/objekt/neu/", views.object_create, name="object_create"),
    path("verwaltung/objekt/<int:pk>/", views.object_edit, name="object_edit"),
    path("verwaltung/objekt/<int:pk>/status/", views.object_transition, name="object_transition"),
    path("verwaltung/objekt/<int:pk>/loeschen/", views.object_delete, name="object_delete"),
    path("verwaltung/objekt/<int:pk>/versionen/", views.object_history, name="object_history"),
    path(
        "verwaltung/objekt/<int:pk>/versionen/<int:history_id>/", views.object_version, name="object_version"
    ),
    path("verwaltung/objekt/<int:pk>/bilder/", views.object_images, name="object_images"),
    path("verwaltung/bild/<int:pk>/loeschen/", views.image_delete, name="image_delete"),
    path("verwaltung/sammlungen/", views.collection_list, name="collection_list"),
    path("verwaltung/sammlungen/neu/", views.collection_create, name="collection_create"),
    path("verwaltung/sammlungen/<int:pk>/", views.collection_edit, name="collection_edit"),
    path("verwaltung/import/", views.import_start, name="import_start"),
    # the old job page: jobs moved to the core's /verwaltung/importe/<id>/ (ADR 0022) redirect there
    path("verwaltung/import/<int:pk>/", views.import_job_moved, name="import_job"),
]
