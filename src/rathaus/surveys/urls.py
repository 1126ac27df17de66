from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("", views.index, name="index"),
    path("ergebnisse.csv", views.open_data_csv, name="open_data_csv"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/seite/<int:number>/", views.take, name="take"),
    path("<int:pk>/danke/", views.thanks, name="thanks"),
    path("<int:pk>/ergebnisse/", views.public_results, name="public_results"),
    # Staff
    path("verwaltung/", views.manage, name="manage"),
    path("verwaltung/vorlage/", views.from_template, name="from_template"),
    path("verwaltung/<int:pk>/", views.edit, name="edit"),
    path("verwaltung/<int:pk>/kopieren/", views.copy, name="copy"),
    path("verwaltung/<int:pk>/seiten/neu/", views.page_create, name="page_create"),
    path("verwaltung/<int:pk>/vorschau/", views.preview, name="preview"),
    path("verwaltung/<int:pk>/vorschau/<int:number>/", views.preview_page, name="preview_page"),
    path("verwaltung/<int:pk>/codes/", views.invitations, name="invitations"),
    path("verwaltung/<int:pk>/ergebnisse/", views.results, name="results"),
    path("verwaltung/<int:pk>/antworten.csv", views.export_csv, name="export_csv"),
    path("verwaltung/<int:pk>/antworten.xlsx", views.export_xlsx, name="export_xlsx"),
    path("verwaltung/<int:pk>/codebuch.csv", views.codebook_csv, name="codebook_csv"),
    path("verwaltung/seite/<int:pk>/", views.page_edit, name="page_edit"),
    path("verwaltung/seite/<int:pk>/loeschen/", views.page_delete, name="page_delete"),
    path("verwaltung/seite/<int:pk>/bedingung/", views.page_condition, name="page_condition"),
    path("verwaltung/seite/<int:pk>/frage/neu/", views.question_create, name="question_create"),
    path("verwaltung/frage/<int:pk>/", views.question_edit, name="question_edit"),
    path("verwaltung/frage/<int:pk>/loeschen/", views.question_delete, name="question_delete"),
    path("verwaltung/frage/<int:pk>/bedingung/", views.question_condition, name="question_condition"),
    path("verwaltung/bedingung/<int:pk>/loeschen/", views.condition_delete, name="condition_delete"),
    path("verwaltung/antwort/<int:pk>/sichtbarkeit/", views.moderate, name="moderate"),
]
