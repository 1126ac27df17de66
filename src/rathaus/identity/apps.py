from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "rathaus.identity"
    label = "identity"
    verbose_name = "Identität (BundID, Mein Unternehmenskonto)"

    def ready(self) -> None:
        from rathaus.core.accounts import services as accounts
        from rathaus.fim import prefill
        from rathaus.fim import services as fim

        from . import services

        fim.register_form_gate(services.form_gate)
        fim.register_submission_context(services.submission_context)
        fim.register_step_decorator(services.decorate_step)
        prefill.register_prefill_source(services.identity_prefill_source)
        accounts.register_data_exporter(services.export_identity)
        accounts.register_data_eraser(services.erase_identity)
