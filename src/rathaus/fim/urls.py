from django.urls import path

from . import views, views_designer

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
    path("verwaltung/designer/", views_designer.design_list, name="designs"),
    path("verwaltung/designer/<int:pk>/", views_designer.design_edit, name="design"),
    path("verwaltung/designer/<int:pk>/feld/<str:node_id>/", views_designer.field_edit, name="design_field"),
    path(
        "verwaltung/designer/<int:pk>/gruppe/<str:node_id>/", views_designer.group_edit, name="design_group"
    ),
    path(
        "verwaltung/designer/<int:pk>/codeliste/<int:index>/",
        views_designer.codelist_edit,
        name="design_codelist",
    ),
    path("verwaltung/designer/<int:pk>/vorschau/", views_designer.design_preview, name="design_preview"),
    path(
        "verwaltung/designer/<int:pk>/vorschau/<int:step>/",
        views_designer.design_preview,
        name="design_preview_step",
    ),
    path(
        "verwaltung/designer/<int:pk>/veroeffentlichen/", views_designer.design_publish, name="design_publish"
    ),
    path("verwaltung/designer/<int:pk>/export/", views_designer.design_export, name="design_export"),
]
