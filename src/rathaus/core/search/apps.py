from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "rathaus.core.search"
    label = "search"
    verbose_name = "Suche"
