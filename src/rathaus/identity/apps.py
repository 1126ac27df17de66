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
            Extension("rathaus.fim.hooks.register_form_gate", "rathaus.identity.web.form_gate"),
            Extension(
                "rathaus.fim.hooks.register_submission_context", "rathaus.identity.web.submission_context"
            ),
            Extension("rathaus.fim.hooks.register_step_decorator", "rathaus.identity.web.decorate_step"),
            Extension(
                "rathaus.fim.prefill.register_prefill_source",
                "rathaus.identity.services.identity_prefill_source",
            ),
        ),
    )
