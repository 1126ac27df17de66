from django.contrib import admin

from .models import Domain, Municipality


class DomainInline(admin.TabularInline[Domain, Municipality]):
    model = Domain
    extra = 0


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin[Municipality]):
    list_display = ["name", "slug", "ags", "ars", "state", "is_active"]
    search_fields = ["name", "slug", "ags"]
    inlines = [DomainInline]
