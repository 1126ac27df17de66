"""Intake API for other systems (FIT-Connect-like submission flow), mounted at /api/v1/submissions."""

from ninja import Router

router = Router(tags=["Anträge / submissions"])
