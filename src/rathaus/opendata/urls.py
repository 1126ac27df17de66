from django.urls import path

from . import views

app_name = "opendata"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.dataset, name="dataset"),
    path("<int:pk>/download/<int:dist_pk>/", views.download, name="download"),
    path("verwaltung/", views.manage, name="manage"),
    path("verwaltung/abgleich/", views.sync, name="sync"),
    path("verwaltung/einstellungen/", views.settings, name="settings"),
    path("verwaltung/neu/", views.edit, name="create"),
    path("verwaltung/<int:pk>/", views.edit, name="edit"),
    path("verwaltung/<int:pk>/datei/", views.upload, name="upload"),
    path("verwaltung/<int:pk>/link/", views.add_link, name="add_link"),
    path("verwaltung/<int:pk>/status/", views.publish, name="publish"),
    path("verwaltung/<int:pk>/loeschen/", views.delete, name="delete"),
    path("verwaltung/distribution/<int:pk>/loeschen/", views.distribution_delete, name="distribution_delete"),
]
