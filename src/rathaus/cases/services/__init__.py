"""All writes of the case management (Anträge und Sachbearbeitung): transactional and audited.

One module per use-case group; every public name is re-exported here, so callers keep writing
``from rathaus.cases import services`` and ``services.submit_draft(...)``. See docs/architecture.md.
"""

from __future__ import annotations

from .applicant import answer_query as answer_query
from .applicant import withdraw as withdraw
from .attachments import StagedFiles as StagedFiles
from .attachments import after_files_written as after_files_written
from .attachments import atomic_with_files as atomic_with_files
from .attachments import check_attachment as check_attachment
from .attachments import delete_files as delete_files
from .attachments import read_attachment as read_attachment
from .attachments import safe_name as safe_name
from .attachments import setting_for as setting_for
from .attachments import sniff as sniff
from .attachments import store_attachment as store_attachment
from .decisions import build_letter as build_letter
from .decisions import close as close
from .decisions import decide as decide
from .decisions import render_decision as render_decision
from .dsgvo import erase_user_applications as erase_user_applications
from .dsgvo import export_user_applications as export_user_applications
from .extensions import CaseExtension as CaseExtension
from .extensions import extensions as extensions
from .extensions import notify_applicant as notify_applicant
from .extensions import payment_confirmed as payment_confirmed
from .extensions import payment_expired as payment_expired
from .extensions import register_extension as register_extension
from .fitconnect import export_document as export_document
from .fitconnect import fitconnect_metadata as fitconnect_metadata
from .fitconnect import record_export as record_export
from .guest_links import application_for_guest as application_for_guest
from .guest_links import hash_token as hash_token
from .guest_links import new_guest_token as new_guest_token
from .inbox import MissingReasons as MissingReasons
from .inbox import add_note as add_note
from .inbox import ask as ask
from .inbox import assign as assign
from .inbox import set_due_date as set_due_date
from .inbox import start_review as start_review
from .intake import IntakeError as IntakeError
from .intake import create_intake as create_intake
from .intake import submit_intake as submit_intake
from .intake import upload_intake_attachment as upload_intake_attachment
from .mails import receipt_pdf as receipt_pdf
from .mails import status_url as status_url
from .references import advance_reference_counters as advance_reference_counters
from .references import allocate_reference as allocate_reference
from .references import attachment_file_references as attachment_file_references
from .retention import DEFAULT_RETENTION_DAYS as DEFAULT_RETENTION_DAYS
from .retention import erase as erase
from .retention import erase_expired as erase_expired
from .retention import expired as expired
from .settings import letter_settings_of as letter_settings_of
from .settings import save_letter_settings as save_letter_settings
from .settings import save_setting as save_setting
from .submission import EMAIL_RE as EMAIL_RE
from .submission import FIRST_NAME_LABELS as FIRST_NAME_LABELS
from .submission import NAME_LABELS as NAME_LABELS
from .submission import Incoming as Incoming
from .submission import applicant_from as applicant_from
from .submission import submit_draft as submit_draft
from .workflow import TRANSITIONS as TRANSITIONS
from .workflow import AttachmentRejected as AttachmentRejected
from .workflow import IllegalTransition as IllegalTransition
from .workflow import S as S
from .workflow import allowed_targets as allowed_targets
from .workflow import can_transition as can_transition
from .workflow import transition as transition

__all__ = [
    "DEFAULT_RETENTION_DAYS",
    "EMAIL_RE",
    "FIRST_NAME_LABELS",
    "NAME_LABELS",
    "TRANSITIONS",
    "AttachmentRejected",
    "CaseExtension",
    "IllegalTransition",
    "Incoming",
    "IntakeError",
    "MissingReasons",
    "S",
    "StagedFiles",
    "add_note",
    "advance_reference_counters",
    "after_files_written",
    "allocate_reference",
    "allowed_targets",
    "answer_query",
    "applicant_from",
    "application_for_guest",
    "ask",
    "assign",
    "atomic_with_files",
    "attachment_file_references",
    "build_letter",
    "can_transition",
    "check_attachment",
    "close",
    "create_intake",
    "decide",
    "delete_files",
    "erase",
    "erase_expired",
    "erase_user_applications",
    "expired",
    "export_document",
    "export_user_applications",
    "extensions",
    "fitconnect_metadata",
    "hash_token",
    "letter_settings_of",
    "new_guest_token",
    "notify_applicant",
    "payment_confirmed",
    "payment_expired",
    "read_attachment",
    "receipt_pdf",
    "record_export",
    "register_extension",
    "render_decision",
    "safe_name",
    "save_letter_settings",
    "save_setting",
    "set_due_date",
    "setting_for",
    "sniff",
    "start_review",
    "status_url",
    "store_attachment",
    "submit_draft",
    "submit_intake",
    "transition",
    "upload_intake_attachment",
    "withdraw",
]
