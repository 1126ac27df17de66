from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("antrag/<int:pk>/", views.pay, name="pay"),
    path("antrag/<int:pk>/beleg/", views.receipt, name="receipt"),
    path("antrag/<int:pk>/beleg.pdf", views.receipt_pdf, name="receipt_pdf"),
    path("rueckkehr/<str:token>/", views.return_view, name="return"),
    path("benachrichtigung/<slug:provider>/", views.notify, name="notify"),
    path("verwaltung/", views.day, name="day"),
    path("verwaltung/export.csv", views.export, name="export"),
    path("verwaltung/gebuehr/<int:pk>/", views.fee_action, name="fee_action"),
    path("verwaltung/gebuehr/<int:pk>/beleg.pdf", views.staff_receipt_pdf, name="staff_receipt_pdf"),
    path("verwaltung/einstellungen/", views.settings_page, name="settings"),
    path("verwaltung/leistung/<int:pk>/", views.rule_edit, name="rule_edit"),
]
