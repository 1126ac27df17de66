from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from rathaus.core.modules import Extension, PortalEntry, RathausModule, StaffEntry


class CasesConfig(AppConfig):
    name = "rathaus.cases"
    label = "cases"
    verbose_name = "Anträge und Sachbearbeitung"
    rathaus_module = RathausModule(
        portal=(
            PortalEntry(
                key="cases",
                title=_("Meine Anträge"),
                description=_("Stand Ihrer Anträge, Rückfragen und Bescheide"),
                url_name="cases:mine",
                order=15,
            ),
        ),
        staff=(
            StaffEntry(
                "services", _("Anträge: Posteingang und Sachbearbeitung"), "cases:inbox", 40, all_staff=True
            ),
            StaffEntry(
                "services",
                _("Anträge: Fachbereiche, Fristen und Aufbewahrung je Leistung"),
                "cases:settings",
                41,
            ),
        ),
        data_exporters=("rathaus.cases.services.export_user_applications",),
        data_erasers=("rathaus.cases.services.erase_user_applications",),
        figures=("rathaus.cases.figures.declarations",),
        schedule=("rathaus.cases.schedule.jobs",),
        file_references=(("cases.Attachment", "rathaus.cases.services.attachment_file_references"),),
        counters=(("cases.ReferenceCounter", "rathaus.cases.services.advance_reference_counters"),),
        private_references=(("cases.attachments", "rathaus.cases.queries.attachment_paths"),),
        extensions=(
            # fim hands submitted forms to cases without importing it (ADR 0006).
            Extension("rathaus.fim.services.register_submit_handler", "rathaus.cases.services.submit_draft"),
            Extension("rathaus.fim.hooks.register_done_url", "rathaus.cases.views.done_url"),
        ),
    )
