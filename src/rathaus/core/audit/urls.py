from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("verwaltung/protokoll/", views.audit_list, name="list"),
    path("verwaltung/protokoll.csv", views.audit_csv, name="csv"),
]
