from typing import TYPE_CHECKING

from django.contrib import admin

from .models import LifeSituation, Service

if TYPE_CHECKING:  # simple-history ships no type information; its admin is a ModelAdmin
    HistoryAdmin = admin.ModelAdmin
else:
    from simple_history.admin import SimpleHistoryAdmin as HistoryAdmin


@admin.register(Service)
class ServiceAdmin(HistoryAdmin[Service]):
    list_display = ("name", "leika", "themenfeld", "municipality", "reifegrad", "is_published")
    list_filter = ("municipality", "themenfeld", "reifegrad", "is_published")
    search_fields = ("name", "leika", "synonyms")


@admin.register(LifeSituation)
class LifeSituationAdmin(admin.ModelAdmin[LifeSituation]):
    list_display = ("name", "slug", "municipality", "order")
    list_filter = ("municipality",)
