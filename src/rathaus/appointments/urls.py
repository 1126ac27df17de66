from django.urls import path

from . import views

app_name = "appointments"

urlpatterns = [
    path("", views.start, name="start"),
    path("anfrage-gesendet/", views.requested, name="requested"),
    path("bestaetigen/<str:token>/", views.confirm, name="confirm"),
    path("verwalten/<str:token>/", views.manage, name="manage"),
    path("verwalten/<str:token>/kalender.ics", views.ics, name="ics"),
    path("verwalten/<str:token>/absagen/", views.cancel, name="cancel"),
    path("verwalten/<str:token>/umbuchen/", views.rebook, name="rebook"),
    path("verwaltung/tagesliste/", views.day_list, name="day_list"),
    path("verwaltung/<int:pk>/nicht-erschienen/", views.no_show, name="no_show"),
    path("verwaltung/<int:pk>/absagen/", views.staff_cancel, name="staff_cancel"),
    path("<slug:slug>/", views.times, name="times"),
]
