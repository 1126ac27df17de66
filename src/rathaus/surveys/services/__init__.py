"""Public API of the surveys app for writes: building, invitations, taking part, moderation.

Every function is one transaction and audited. Structural edits are refused once a survey has
responses (``SurveyLocked``): answers refer to question, option and row ids, and changing them would
corrupt results. Text fixes (wording, help texts, translations) stay possible.

One module per use-case group; callers import this package (``from rathaus.surveys import services``)
and never a module inside it:

* ``_common``: the errors, the lock rule, the audit helper
* ``building``: settings, pages, questions, options, rows, conditions
* ``copying``: copies and surveys built from a template spec
* ``invitations``: invitation codes and their mails
* ``taking_part``: who may take part, drafts, validation, submission, tallies
* ``moderation``: hiding free-text answers
* ``privacy``: DSGVO export and erasure, the yearly figure
"""

from rathaus.core.audit import services as audit  # the views record exports through services.audit

from ._common import SurveyError, SurveyLocked, categorical, is_locked
from .building import (
    LOCKED_SURVEY_FIELDS,
    QUESTION_FIELDS,
    QUESTION_TEXT_FIELDS,
    SURVEY_FIELDS,
    SURVEY_TEXT_FIELDS,
    add_condition,
    add_page,
    add_question,
    create_survey,
    delete_condition,
    delete_page,
    delete_question,
    update_page,
    update_question,
    update_survey,
)
from .copying import build_from_spec, copy_survey
from .invitations import (
    CODE_ALPHABET,
    CODE_LENGTH,
    MAX_CODES_PER_BATCH,
    code_hash,
    find_invitation,
    format_code,
    generate_invitations,
)
from .moderation import set_answer_hidden
from .privacy import erase_responses, export_responses, responses_in_last_year
from .taking_part import (
    Submission,
    is_verified,
    load_draft,
    may_take_part,
    rebuild_tallies,
    save_draft,
    submit,
    validate_answers,
)

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "LOCKED_SURVEY_FIELDS",
    "MAX_CODES_PER_BATCH",
    "QUESTION_FIELDS",
    "QUESTION_TEXT_FIELDS",
    "SURVEY_FIELDS",
    "SURVEY_TEXT_FIELDS",
    "Submission",
    "SurveyError",
    "SurveyLocked",
    "add_condition",
    "add_page",
    "add_question",
    "audit",
    "build_from_spec",
    "categorical",
    "code_hash",
    "copy_survey",
    "create_survey",
    "delete_condition",
    "delete_page",
    "delete_question",
    "erase_responses",
    "export_responses",
    "find_invitation",
    "format_code",
    "generate_invitations",
    "is_locked",
    "is_verified",
    "load_draft",
    "may_take_part",
    "rebuild_tallies",
    "responses_in_last_year",
    "save_draft",
    "set_answer_hidden",
    "submit",
    "update_page",
    "update_question",
    "update_survey",
    "validate_answers",
]
