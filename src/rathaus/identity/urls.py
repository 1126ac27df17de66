from django.urls import path

from . import views

app_name = "identity"

urlpatterns = [
    path("saml/metadata/", views.metadata, name="metadata"),
    path("saml/acs/", views.acs, name="acs"),
    path("saml/slo/", views.slo, name="slo"),
    path("anmelden/<str:provider>/", views.login_start, name="login"),
    path("abmelden/", views.logout_view, name="logout"),
    path("konto/", views.account, name="account"),
    path("konto/<str:provider>/trennen/", views.unlink, name="unlink"),
    path("verwaltung/", views.setup, name="setup"),
    path("verwaltung/<str:provider>/", views.setup_provider, name="setup_provider"),
    path("leistungen/", views.requirements, name="requirements"),
    path("leistungen/<int:form_pk>/", views.requirement_edit, name="requirement_edit"),
]
