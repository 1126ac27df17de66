"""Discovered by load_demo: importing registers the platform's own demo steps."""

from . import core_demo  # noqa: F401
