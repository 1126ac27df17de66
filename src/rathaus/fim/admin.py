from django.contrib import admin

from .models import Draft, FormDefinition, FormSubmission, FormVersion


@admin.register(FormDefinition)
class FormDefinitionAdmin(admin.ModelAdmin[FormDefinition]):
    list_display = ["name", "schema_id", "leika", "municipality"]


@admin.register(FormVersion)
class FormVersionAdmin(admin.ModelAdmin[FormVersion]):
    list_display = ["form", "version_label", "imported_at"]
    readonly_fields = ["definition", "warnings", "source_hash"]


admin.site.register(Draft)
admin.site.register(FormSubmission)
