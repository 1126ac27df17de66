"""Each module contributes demo data with ``@demo_step(order)`` in its own demo.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

DemoStep = Callable[[Any], None]
_steps: list[tuple[int, str, DemoStep]] = []


def demo_step(order: int) -> Callable[[DemoStep], DemoStep]:
    def register(fn: DemoStep) -> DemoStep:
        name = f"{fn.__module__}.{fn.__name__}"
        if all(existing != name for _o, existing, _f in _steps):
            _steps.append((order, name, fn))
        return fn

    return register


def steps() -> list[tuple[int, str, DemoStep]]:
    return sorted(_steps)
