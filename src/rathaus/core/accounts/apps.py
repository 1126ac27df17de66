from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "rathaus.core.accounts"
    label = "accounts"
    verbose_name = "Konten und Rollen"

    def ready(self) -> None:
        from . import signals  # noqa: F401
