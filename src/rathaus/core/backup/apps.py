from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "rathaus.core.backup"
    label = "backup"
    verbose_name = "Sicherung und Wiederherstellung"
