"""200 parallel submissions on PostgreSQL: 200 applications, 200 distinct reference numbers, no orphans;
and a double submit racing on one draft key yields one application."""

from __future__ import annotations

from pathlib import Path

import pytest

from rathaus.cases.models import Application, Attachment
from rathaus.fim import services as fim
from rathaus.fim.models import FormSubmission
from tests.concurrency import errors, race, require_postgresql

from .conftest import PDF, answers, store_draft_file

N = 200
WORKERS = 16


def _pg_only() -> None:
    require_postgresql(
        "real parallel writers need PostgreSQL; SQLite serialises writers (IMMEDIATE transactions)"
    )


@pytest.mark.django_db(transaction=True)
def test_200_parallel_submissions(form_a, setting_a, _media):
    _pg_only()
    drafts = []
    for i in range(N):
        draft, _ = fim.start_draft(form_a)
        plan = store_draft_file(form_a.municipality, f"plan-{i}.pdf", PDF + str(i).encode()) if i % 2 else ""
        draft.answers = answers(name=f"Person {i}", plan=plan)
        draft.save()
        drafts.append(draft)
    outcomes = race(lambda draft: fim.submit(draft).reference, drafts, workers=WORKERS, barrier_timeout=5)
    failed = errors(outcomes)  # anything would be a 500 for a citizen
    refs = [o.value or "" for o in outcomes]
    assert not failed, failed[:5]
    assert Application.objects.count() == N and FormSubmission.objects.count() == N
    assert len(set(refs)) == N
    assert set(Application.objects.values_list("reference", flat=True)) == set(refs)
    numbers = sorted(int(r.rsplit("-", 1)[1]) for r in refs)
    assert numbers == list(range(1, N + 1))  # gap-free, none twice
    stored = set(Attachment.objects.values_list("path", flat=True))
    assert len(stored) == N // 2
    private = Path(_media).parent / "private"  # attachments live in the private storage (ADR 0008)
    on_disk = {str(p.relative_to(private)) for p in (private / "cases").rglob("*") if p.is_file()}
    assert on_disk == stored  # no orphan files, none missing


@pytest.mark.django_db(transaction=True)
def test_double_submit_race_yields_one_application(form_a, setting_a):
    _pg_only()
    draft, _ = fim.start_draft(form_a)
    draft.answers = answers()
    draft.save()
    key = str(draft.submit_key)

    def click(_n: int) -> int:
        stale = type(draft).objects.filter(pk=draft.pk).first() or draft
        return fim.submit(stale, key=key).pk

    outcomes = race(click, range(8), barrier_timeout=5)
    failed = errors(outcomes)
    results = [o.value for o in outcomes if o.error is None]
    assert not failed, failed
    assert len(set(results)) == 1 and Application.objects.count() == 1
