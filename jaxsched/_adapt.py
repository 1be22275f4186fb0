"""What the adapters (``optax_compat``, ``from_hf``) share: native errors in the adapter's words.

An adapter translates names and lets the native constructors check
everything. ``renamed`` rewrites their errors, ``"warmup_cosine: total_steps
(100) must be greater than warmup_steps (100)"`` becoming
``"warmup_cosine_decay_schedule: decay_steps (100) must be greater than
warmup_steps (100)"``. An argument that no native constructor takes (a ratio,
a begin step) is converted by its field kind, below, under its own name.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

from jaxsched import _fields as F
from jaxsched._core import REGISTRY

VALUE = F.Kind("value")
NON_NEGATIVE = F.Kind("value", interval="[0, inf)")
POSITIVE = F.Kind("value", interval="(0, inf)")
STEPS = F.Kind("length")


@contextlib.contextmanager
def renamed(adapter: str, **names: str) -> Iterator[None]:
    """Native errors raised inside (or inside a function it decorates) as
    errors of ``adapter``: ``"<native>: ..."`` becomes ``"<adapter>: ..."``,
    each native argument ``a`` named ``names[a]``."""
    try:
        yield
    except (TypeError, ValueError) as err:
        native, _, message = str(err).partition(": ")
        if native not in REGISTRY:
            raise
        if names:
            message = re.sub(rf"\b({'|'.join(names)})\b", lambda m: names[m[1]], message)
        raise type(err)(f"{adapter}: {message}") from None


def times(a: Any, b: Any) -> Any:
    """``a * b`` of two checked leaves, rounded once (float64 when concrete)."""
    return a * b if F.is_traced((a, b)) else float(a) * float(b)
