"""Django's technical admin (platform operators only).

Municipalities use the pages under /digital-hub/verwaltung/."""

from django.contrib import admin

from .models import Booking, ClosingDay, Location, OpeningHours, Resource, ResourceGroup


class OpeningHoursInline(admin.TabularInline[OpeningHours, Location]):
    model = OpeningHours
    extra = 0


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin[Location]):
    list_display = ["name", "municipality", "step_free", "is_active"]
    list_filter = ["municipality"]
    inlines = [OpeningHoursInline]


@admin.register(ResourceGroup)
class ResourceGroupAdmin(admin.ModelAdmin[ResourceGroup]):
    list_display = ["name", "location", "organisation", "max_days_ahead", "max_active_bookings"]
    list_filter = ["municipality"]


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin[Resource]):
    list_display = ["name", "group", "kind", "booking_unit", "is_active"]
    list_filter = ["municipality", "kind"]


@admin.register(ClosingDay)
class ClosingDayAdmin(admin.ModelAdmin[ClosingDay]):
    list_display = ["date", "location", "reason"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin[Booking]):
    list_display = ["resource", "starts_at", "ends_at", "status"]
    list_filter = ["municipality", "status"]
    raw_id_fields = ["user"]
