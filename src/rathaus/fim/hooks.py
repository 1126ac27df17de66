"""The form views' hooks: what other modules add to filling in and submitting a form.

These run inside the form views with the HTTP request (the person's session decides), so they are
the HTTP boundary of the form engine, not services (docs/decisions/0025-service-context.md). Other
modules never import this module: they register their functions in ``apps.py`` (ADR 0014), e.g.
``Extension("rathaus.fim.hooks.register_form_gate", "rathaus.identity.web.form_gate")``.

- ``register_done_url``: ``fn(submission, request)`` → the confirmation page after submitting (or
  None: the default). The case management registers its own.
- ``register_form_gate``: ``fn(form, request)`` → None when the person may fill in and submit the
  form, or a ``fim.services.Gate`` saying why not and where to log in. The form asks at the start
  and checks again when submitting (a login provider such as rathaus.identity registers one).
- ``register_submission_context``: ``fn(draft, request)`` → keys merged into the payload (e.g.
  ``payload["identity"]``: who identified, how; may set locked answers back).
- ``register_step_decorator``: ``fn(draft, step_form, request)`` may mark fields (help text,
  read-only) before the step is rendered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from .models import Draft, FormDefinition, FormSubmission
from .services import Gate

DoneUrl = Callable[[FormSubmission, HttpRequest], str | None]
FormGate = Callable[[FormDefinition, HttpRequest], Gate | None]
SubmissionContext = Callable[[Draft, HttpRequest], dict[str, Any]]
StepDecorator = Callable[[Draft, Any, HttpRequest], None]

_done_urls: list[DoneUrl] = []
_gates: list[FormGate] = []
_submission_context: list[SubmissionContext] = []
_step_decorators: list[StepDecorator] = []


def register_done_url(fn: DoneUrl) -> None:
    if fn not in _done_urls:
        _done_urls.append(fn)


def done_url(submission: FormSubmission, request: HttpRequest) -> str | None:
    for fn in _done_urls:
        url = fn(submission, request)
        if url:
            return url
    return None


def register_form_gate(fn: FormGate) -> None:
    if fn not in _gates:
        _gates.append(fn)


def form_gate(form: FormDefinition, request: HttpRequest) -> Gate | None:
    for fn in _gates:
        gate = fn(form, request)
        if gate is not None:
            return gate
    return None


def register_submission_context(fn: SubmissionContext) -> None:
    if fn not in _submission_context:
        _submission_context.append(fn)


def submission_context(draft: Draft, request: HttpRequest) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for fn in _submission_context:
        out.update(fn(draft, request))
    return out


def register_step_decorator(fn: StepDecorator) -> None:
    if fn not in _step_decorators:
        _step_decorators.append(fn)


def decorate_step(draft: Draft, step_form: Any, request: HttpRequest) -> None:
    for fn in _step_decorators:
        fn(draft, step_form, request)
