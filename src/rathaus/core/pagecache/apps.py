from django.apps import AppConfig


class PageCacheConfig(AppConfig):
    name = "rathaus.core.pagecache"
    label = "pagecache"
    verbose_name = "Seiten-Cache"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate, pre_migrate
        from django.utils.module_loading import autodiscover_modules

        from . import registry, writes

        registry.register_core()
        autodiscover_modules("pagecache")  # rathaus/<module>/pagecache.py: one declaration per module
        registry.freeze()
        connection_created.connect(writes.install, dispatch_uid="rathaus-pagecache-writes")
        writes.install_on_open_connections()
        pre_migrate.connect(writes.migration_started, dispatch_uid="rathaus-pagecache-migrating")
        post_migrate.connect(
            writes.migration_finished, sender=self, dispatch_uid="rathaus-pagecache-migrated"
        )
        from django.core.signals import setting_changed

        from . import shared, signals  # noqa: F401

        setting_changed.connect(shared.settings_changed, dispatch_uid="rathaus-pagecache-settings")
        from rathaus.core.backup.registry import register_counter

        register_counter("pagecache", writes.advance_after_restore)
