from django.urls import path

from . import views

app_name = "fim"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.form_start, name="form"),
    path("<int:pk>/schritt/<int:step>/", views.step, name="step"),
    path("<int:pk>/pruefen/", views.review, name="review"),
    path("<int:pk>/speichern/", views.save, name="save"),
    path("<int:pk>/eingereicht/", views.done, name="done"),
    path("fortsetzen/<str:token>/", views.resume, name="resume"),
    path("entwurf/<int:pk>/fortsetzen/", views.draft_resume, name="draft_resume"),
    path("verwaltung/", views.manage, name="manage"),
    path("verwaltung/import/", views.import_view, name="import"),
    path("verwaltung/<int:pk>/", views.preview, name="preview"),
]
