from django.urls import path

from . import setup_views, views

app_name = "appointments"

urlpatterns = [
    path("", views.start, name="start"),
    path("anfrage-gesendet/", views.requested, name="requested"),
    path("bestaetigen/<str:token>/", views.confirm, name="confirm"),
    path("verwalten/<str:token>/", views.manage, name="manage"),
    path("verwalten/<str:token>/kalender.ics", views.ics, name="ics"),
    path("verwalten/<str:token>/absagen/", views.cancel, name="cancel"),
    path("verwalten/<str:token>/umbuchen/", views.rebook, name="rebook"),
    path("meine/", views.mine, name="mine"),
    path("meine/<int:pk>/kalender.ics", views.my_ics, name="my_ics"),
    path("meine/<int:pk>/absagen/", views.my_cancel, name="my_cancel"),
    path("verwaltung/einrichtung/", setup_views.overview, name="setup"),
    path("verwaltung/einrichtung/<slug:kind>/neu/", setup_views.new, name="setup_new"),
    path("verwaltung/einrichtung/<slug:kind>/<int:pk>/", setup_views.edit, name="setup_edit"),
    path("verwaltung/einrichtung/<slug:kind>/<int:pk>/loeschen/", setup_views.delete, name="setup_delete"),
    path("verwaltung/tagesliste/", views.day_list, name="day_list"),
    path("verwaltung/<int:pk>/nicht-erschienen/", views.no_show, name="no_show"),
    path("verwaltung/<int:pk>/absagen/", views.staff_cancel, name="staff_cancel"),
    path("<slug:slug>/", views.times, name="times"),
]
