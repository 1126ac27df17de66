from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import LifeSituation, Service


@admin.register(Service)
class ServiceAdmin(SimpleHistoryAdmin):
    list_display = ("name", "leika", "themenfeld", "municipality", "reifegrad", "is_published")
    list_filter = ("municipality", "themenfeld", "reifegrad", "is_published")
    search_fields = ("name", "leika", "synonyms")


@admin.register(LifeSituation)
class LifeSituationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "municipality", "order")
    list_filter = ("municipality",)
