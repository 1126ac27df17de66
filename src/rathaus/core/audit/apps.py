from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "rathaus.core.audit"
    label = "audit"
    verbose_name = "Protokoll"
