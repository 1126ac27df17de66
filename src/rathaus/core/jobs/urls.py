from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("verwaltung/importe/<int:pk>/", views.import_job, name="import_job"),
]
