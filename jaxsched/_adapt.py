"""What the adapters (``optax_compat``, ``from_hf``) share: errors in the adapter's words.

An adapter translates names and lets the native constructors check
everything. ``renamed`` rewrites their errors, ``"warmup_cosine: total_steps
(100) must be greater than warmup_steps (100)"`` becoming
``"warmup_cosine_decay_schedule: decay_steps (100) must be greater than
warmup_steps (100)"``. An argument that no native constructor takes (a ratio,
a begin step) is converted by its field kind, below, under its own name.
"""

import contextlib
import re
from collections.abc import Iterator
from typing import Any

from jaxsched import _fields as F

VALUE = F.Kind("value")
POSITIVE = F.Kind("value", interval="(0, inf)")
NON_NEGATIVE = F.Kind("value", interval="[0, inf)")
STEPS = F.Kind("length")
LENGTH = F.Kind("length", minimum=1)


@contextlib.contextmanager
def renamed(adapter: str, **names: str) -> Iterator[None]:
    """Errors ``"<fn>: ..."`` of another jaxsched function (a native constructor,
    or an adapter) raised inside (or inside a function it decorates) as errors
    of ``adapter``, each argument ``a`` of ``fn`` named ``names[a]``."""
    try:
        yield
    except (TypeError, ValueError) as err:
        fn, _, message = str(err).partition(": ")
        if fn == adapter or not fn.isidentifier():
            raise
        message = re.sub(r"\w+", lambda m: names.get(m[0], m[0]), message)
        raise type(err)(f"{adapter}: {message}") from None


def times(a: Any, b: Any) -> Any:
    """``a * b`` of two checked leaves, rounded once (float64 when concrete)."""
    return a * b if F.is_traced((a, b)) else float(a) * float(b)
