from django.contrib import admin

from .models import Event, EventDate, Registration, Tag


class EventDateInline(admin.TabularInline[EventDate, Event]):
    model = EventDate
    extra = 0


@admin.register(Event)
class EventAdmin(admin.ModelAdmin[Event]):
    list_display = ["title", "municipality", "event_type", "starts_at", "status", "capacity"]
    list_filter = ["municipality", "status", "event_type"]
    search_fields = ["title"]
    inlines = [EventDateInline]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin[Registration]):
    list_display = ["event", "municipality", "status", "requested_at"]
    list_filter = ["municipality", "status"]
    # Personal data stays out of list views; tokens are never shown.
    exclude = ["nonce", "confirm_token_hash", "cancel_token_hash"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin[Tag]):
    list_display = ["name", "slug", "municipality"]
