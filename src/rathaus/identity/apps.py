from django.apps import AppConfig

from rathaus.core.modules import Extension, RathausModule


class IdentityConfig(AppConfig):
    name = "rathaus.identity"
    label = "identity"
    verbose_name = "Identität (BundID, Mein Unternehmenskonto)"
    rathaus_module = RathausModule(
        data_exporters=("rathaus.identity.services.export_identity",),
        data_erasers=("rathaus.identity.services.erase_identity",),
        extensions=(
            Extension("rathaus.fim.services.register_form_gate", "rathaus.identity.services.form_gate"),
            Extension(
                "rathaus.fim.services.register_submission_context",
                "rathaus.identity.services.submission_context",
            ),
            Extension(
                "rathaus.fim.services.register_step_decorator", "rathaus.identity.services.decorate_step"
            ),
            Extension(
                "rathaus.fim.prefill.register_prefill_source",
                "rathaus.identity.services.identity_prefill_source",
            ),
        ),
    )
