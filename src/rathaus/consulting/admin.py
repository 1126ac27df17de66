from django.contrib import admin

from .models import Advisor, Booking, Slot, Topic


@admin.register(Advisor)
class AdvisorAdmin(admin.ModelAdmin[Advisor]):
    list_display = ["display_name", "organisation", "municipality", "is_active"]
    list_filter = ["municipality", "is_active"]
    raw_id_fields = ["user"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin[Topic]):
    list_display = ["name", "slug", "municipality", "is_active"]
    list_filter = ["municipality"]


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin[Slot]):
    list_display = ["advisor", "starts_at", "ends_at", "mode", "municipality", "withdrawn_at"]
    list_filter = ["municipality", "mode"]
    raw_id_fields = ["advisor", "created_by"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin[Booking]):
    list_display = ["pk", "slot", "status", "municipality", "created_at"]
    list_filter = ["municipality", "status"]
    raw_id_fields = ["slot", "user", "topic", "cancelled_by", "rebooked_from"]
    # Bookings change only through the services (audited); the technical admin only reads them.
    readonly_fields = [
        "slot",
        "user",
        "topic",
        "need",
        "status",
        "cancelled_at",
        "cancelled_by",
        "reminder_sent_at",
    ]
