from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.service_list, name="list"),
    path("<int:pk>/", views.service_detail, name="detail"),
    path("verwaltung/", views.manage, name="manage"),
    path("verwaltung/neu/", views.manage_edit, name="manage_create"),
    path("verwaltung/import/", views.manage_import, name="manage_import"),
    path("verwaltung/export.csv", views.manage_export, name="manage_export"),
    path("verwaltung/lebenslagen/", views.manage_life_situations, name="manage_life_situations"),
    path("verwaltung/<int:pk>/", views.manage_edit, name="manage_edit"),
    path("verwaltung/<int:pk>/verlauf/", views.manage_history, name="manage_history"),
]
