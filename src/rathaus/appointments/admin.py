from django.contrib import admin

from .models import Appointment, Availability, BlockedDay, Counter, Location, OpeningHours, ServiceSetting


class OpeningHoursInline(admin.TabularInline[OpeningHours, Location]):
    model = OpeningHours
    extra = 0


class CounterInline(admin.TabularInline[Counter, Location]):
    model = Counter
    extra = 0


class BlockedDayInline(admin.TabularInline[BlockedDay, Location]):
    model = BlockedDay
    extra = 0


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin[Location]):
    list_display = ["name", "municipality", "is_active"]
    inlines = [OpeningHoursInline, CounterInline, BlockedDayInline]


@admin.register(ServiceSetting)
class ServiceSettingAdmin(admin.ModelAdmin[ServiceSetting]):
    list_display = [
        "service",
        "location",
        "duration_minutes",
        "max_quantity",
        "lead_time_hours",
        "is_bookable",
    ]


@admin.register(Availability)
class AvailabilityAdmin(admin.ModelAdmin[Availability]):
    list_display = ["staff", "counter", "weekday", "starts", "ends"]
    filter_horizontal = ["services"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin[Appointment]):
    list_display = ["starts_at", "location", "counter", "status", "name"]
    list_filter = ["status", "location"]
    readonly_fields = ["person_key", "manage_hash", "confirm_hash"]
