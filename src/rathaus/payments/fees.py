"""Fee calculation: exact Decimal euros, from a FeeRule and the answers of a form.

The only rule language is deliberately tiny (no expressions are evaluated): grundgebühr + number from
one field × price per unit (the number bounded by 1..max_units) − reduction in per cent when a yes/no
field is answered "ja"."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")


@dataclass
class Quote:
    amount: Decimal
    lines: list[dict[str, str]] = field(default_factory=list)
    exempt_reason: str = ""

    @property
    def is_due(self) -> bool:
        return self.amount > 0


def find_answer(answers: Any, field_id: str) -> Any:
    """The first answer of ``field_id`` anywhere in the nested answers (groups are lists of dicts)."""
    if isinstance(answers, dict):
        if field_id in answers:
            return answers[field_id]
        for v in answers.values():
            found = find_answer(v, field_id)
            if found is not None:
                return found
    elif isinstance(answers, list):
        for v in answers:
            found = find_answer(v, field_id)
            if found is not None:
                return found
    return None


def _units(value: Any, max_units: int) -> int:
    try:
        n = int(Decimal(str(value).replace(",", ".")).to_integral_value(rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError):
        n = 1
    return max(1, min(n, max_units))


def _yes(value: Any) -> bool:
    return value is True or str(value).strip().lower() in {"true", "ja", "1", "yes"}


def money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def quote(rule: Any, answers: dict[str, Any] | None = None) -> Quote:
    """What the answers cost under ``rule``; without answers the amount before reductions."""
    answers = answers or {}
    lines: list[dict[str, str]] = []
    total = Decimal(rule.base_amount).quantize(CENT)
    if total:
        lines.append({"text": "Grundgebühr", "amount": money(total)})
    if rule.unit_field and rule.unit_price:
        n = _units(find_answer(answers, rule.unit_field), rule.max_units) if answers else 1
        part = (Decimal(rule.unit_price) * n).quantize(CENT)
        lines.append(
            {
                "text": f"{n} × {money(Decimal(rule.unit_price))} EUR {rule.unit_label}".strip(),
                "amount": money(part),
            }
        )
        total += part
    reason = ""
    if (
        rule.reduction_field
        and rule.reduction_percent
        and answers
        and _yes(find_answer(answers, rule.reduction_field))
    ):
        cut = (total * Decimal(rule.reduction_percent) / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)
        reason = rule.reduction_reason or "Ermäßigung"
        lines.append({"text": f"{reason} ({rule.reduction_percent} %)", "amount": money(-cut)})
        total -= cut
    return Quote(amount=max(total, Decimal("0.00")), lines=lines, exempt_reason=reason if total <= 0 else "")
