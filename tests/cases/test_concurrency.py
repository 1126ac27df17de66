"""200 parallel submissions on PostgreSQL: 200 applications, 200 distinct reference numbers, no orphans;
and a double submit racing on one draft key yields one application."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection, connections

from rathaus.cases.models import Application, Attachment
from rathaus.fim import services as fim
from rathaus.fim.models import FormSubmission

from .conftest import PDF, answers, store_draft_file

N = 200
WORKERS = 16


def _pg_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
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
    barrier = threading.Barrier(WORKERS)
    errors: list[str] = []

    def submit(draft) -> str:
        try:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=5)
            return fim.submit(draft).reference
        except Exception as exc:  # anything would be a 500 for a citizen
            errors.append(f"{type(exc).__name__}: {exc}")
            return ""
        finally:
            connections.close_all()

    with ThreadPoolExecutor(WORKERS) as pool:
        refs = list(pool.map(submit, drafts))
    assert not errors, errors[:5]
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
    barrier = threading.Barrier(8)
    results: list[int] = []
    errors: list[str] = []

    def click() -> None:
        try:
            barrier.wait(timeout=5)
            stale = type(draft).objects.filter(pk=draft.pk).first() or draft
            results.append(fim.submit(stale, key=key).pk)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(set(results)) == 1 and Application.objects.count() == 1
