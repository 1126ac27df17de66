from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "rathaus.core.jobs"
    label = "jobs"
    verbose_name = "Hintergrundarbeit"

    def ready(self) -> None:
        from datetime import timedelta

        from django.apps import apps
        from django.core.management import call_command

        from rathaus.core import storage_migrate

        from . import imports, scheduler, services

        # uploaded import files lie in the private storage: the file migration checks them too
        storage_migrate.register_private_references("jobs.imports", imports.file_paths)
        services.register_stale_source(
            services.StaleSource(
                name="imports",
                count=lambda cutoff: imports.stale_jobs(cutoff).count(),
                fail=imports.fail_stale_jobs,
            )
        )

        scheduler.register(
            scheduler.ScheduledJob(
                name="recover_jobs",
                interval=timedelta(minutes=5),
                run=lambda _none: sum(services.recover().values()),
                description="Markiert Arbeit toter Worker als fehlgeschlagen / fails work of dead workers",
                per_municipality=False,
                module="core",
            )
        )
        scheduler.register(
            scheduler.ScheduledJob(
                name="clearsessions",
                interval=timedelta(days=1),
                run=lambda _none: call_command("clearsessions"),
                description="Löscht abgelaufene Sitzungen / deletes expired sessions",
                per_municipality=False,
                module="core",
            )
        )
        scheduler.register(
            scheduler.ScheduledJob(
                name="purge_import_files",
                interval=timedelta(days=1),
                run=lambda _none: imports.purge_files(),
                description=(
                    "Löscht Importdateien beendeter Importe nach RATHAUS_IMPORT_FILE_DAYS Tagen / "
                    "deletes the files of finished import jobs"
                ),
                per_municipality=False,
                module="core",
            )
        )
        from rathaus.core import tasks

        scheduler.register(
            scheduler.ScheduledJob(
                name="purge_outgoing_mails",
                interval=timedelta(days=1),
                run=lambda _none: tasks.purge_outgoing_mails(),
                description="Löscht liegengebliebene Mails / deletes stored mails left by dead workers",
                per_municipality=False,
                module="core",
            )
        )
        if apps.is_installed("django_tasks_db"):
            scheduler.register(
                scheduler.ScheduledJob(
                    name="prune_db_task_results",
                    interval=timedelta(days=7),
                    run=lambda _none: call_command(
                        "prune_db_task_results", queue_name="*", min_age_days=30, verbosity=0
                    ),
                    description="Löscht alte Aufgaben-Ergebnisse / prunes task results",
                    per_municipality=False,
                    module="core",
                )
            )
