from django.contrib import admin

from .models import ApiToken, Department, Membership, Organisation, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin[User]):
    list_display = ["email", "display_name", "account_type", "is_superuser", "is_active", "date_joined"]
    search_fields = ["email", "display_name"]
    exclude = ["password", "user_permissions", "groups"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "municipality", "role"]
    list_filter = ["municipality", "role"]
    filter_horizontal = ["departments"]


admin.site.register(Department)
admin.site.register(Organisation)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ["name", "municipality", "prefix", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "token_hash", "last_used_at"]
