"""Page cache declaration of the portal (ADR 0017): notices and legal pages."""

from rathaus.core.pagecache.registry import register

from .models import LegalPage, Notice

register(
    "ui",
    models=[Notice, LegalPage],
    pages=["ui:home", "ui:legal", "ui:notice", "ui:theme_css", "api:municipality", "api:notices"],
)
