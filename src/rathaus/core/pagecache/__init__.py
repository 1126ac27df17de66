"""Whole-page cache for anonymous visitors with precise, transactional invalidation.

See docs/decisions/0017-page-cache.md. Modules declare, in one ``pagecache.py`` each, which of
their models bump which generation and which of their pages are cached (``registry.register``).
"""
