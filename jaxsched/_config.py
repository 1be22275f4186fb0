"""Configs, both directions: ``repr`` / ``parse`` for spec strings and
``to_config`` / ``from_config`` for JSON-safe dicts.

The parser reads literals only (numbers, strings, lists, None, True/False and
schedule calls with keyword arguments); it never evaluates code.
"""

import ast
import dataclasses
import difflib
import inspect
from collections.abc import Mapping
from typing import Any

import jax
import numpy as np

from jaxsched._core import REGISTRY, Schedule
from jaxsched._fields import MAX_DEPTH, batch_shape, is_traced


def config_key(argument: str) -> str:
    """The config key of a constructor argument: a wrapper's ``schedule`` argument
    is written ``schedule_``, since ``"schedule"`` holds the name."""
    return "schedule_" if argument == "schedule" else argument


def public_fields(schedule: Schedule) -> dict[str, Any]:
    """The constructor arguments that differ from their defaults, in order."""
    params = inspect.signature((REGISTRY | STATEFUL)[schedule.name]).parameters
    kinds = {f.name: f.metadata.get("kind") for f in dataclasses.fields(schedule) if f.init}
    out = {}
    for name, param in params.items():  # the fields are the constructor's arguments
        kind, value = kinds[name], getattr(schedule, name)
        value = value if kind is None else kind.public(value)
        if param.default is inspect.Parameter.empty or not _same(value, param.default):
            out[name] = value
    return out


def _plain(x: Any) -> Any:
    """A field value -> JSON-safe Python (float32 values keep their short form)."""
    if isinstance(x, Schedule):
        return config(x)
    if isinstance(x, (tuple, list)):
        return [_plain(v) for v in x]
    if isinstance(x, (jax.Array, np.ndarray, np.generic)):
        arr = np.asarray(x)
        return _floats(arr) if arr.dtype.kind == "f" else arr.tolist()
    return x


def _floats(arr: np.ndarray) -> Any:
    return float(str(arr.astype(np.float32))) if arr.ndim == 0 else [_floats(a) for a in arr]


def _spec(x: Any) -> str:
    if isinstance(x, Schedule):
        return spec(x)
    if isinstance(x, (tuple, list)) and any(isinstance(v, Schedule) for v in x):
        return "[" + ", ".join(_spec(v) for v in x) + "]"
    return repr(_plain(x))


def _same(x: Any, default: Any) -> bool:
    """Whether a stored field equals the constructor's default (then omitted)."""
    if isinstance(x, (Schedule, tuple, list)):
        return False
    if default is None or isinstance(default, (str, bool)):
        return type(x) is type(default) and x == default
    if isinstance(x, float):
        return x == default
    arr = np.asarray(x)
    return arr.ndim == 0 and float(arr) == float(np.float32(default))


def spec(schedule: Schedule) -> str:
    """``repr(schedule)``: a spec string that ``parse`` reads back."""
    if is_traced(schedule):
        return f"{schedule.name}(<traced>)"
    if batch := batch_shape(schedule):  # a stack from a vmap sweep: no single spec describes it
        return f"{schedule.name}(<stack of {batch}>)"
    args = ", ".join(f"{k}={_spec(v)}" for k, v in public_fields(schedule).items())
    return f"{schedule.name}({args})"


def config(schedule: Schedule) -> dict[str, Any]:
    """``schedule.to_config()``."""
    fields = public_fields(schedule).items()
    return {"schedule": schedule.name, **{config_key(k): _plain(v) for k, v in fields}}


def _suggest(word: str, allowed: list[str], listed: str = "allowed") -> str:
    """`` (did you mean 'x'?); allowed: a, b, ...`` for a word that is none of ``allowed``."""
    close = difflib.get_close_matches(word, allowed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{hint}; {listed}: {', '.join(allowed)}"


# Stateful schedules (not ``Schedule``s, so not in ``REGISTRY``) that configs can name too.
STATEFUL: dict[str, Any] = {}


def build(fn: str, name: Any, kwargs: Mapping[str, Any]) -> Schedule:
    """Calls the constructor registered as ``name`` with checked arguments."""
    known = REGISTRY | STATEFUL
    if not isinstance(name, str) or name not in known:
        raise ValueError(f"{fn}: unknown schedule {name!r}{_suggest(str(name), sorted(known))}")
    constructor = known[name]
    params = inspect.signature(constructor).parameters
    for key in kwargs:
        if key not in params:
            raise ValueError(f"{fn}: {name} has no argument {key!r}{_suggest(key, list(params))}")
    missing = [p.name for p in params.values() if p.default is inspect.Parameter.empty and p.name not in kwargs]
    if missing:
        raise ValueError(f"{fn}: {name} is missing required argument(s): {', '.join(missing)}")
    return constructor(**kwargs)


def from_config(config: Mapping[str, Any]) -> Schedule:
    """Builds a schedule from the dict that ``Schedule.to_config()`` returns.

    Args:
        config: ``{"schedule": name, **arguments}``; arguments that are
            schedules are nested dicts of the same form.

    Returns:
        The ``Schedule``.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.from_config({"schedule": "cosine", "init_value": 1.0, "total_steps": 100})
        >>> s
        cosine(init_value=1.0, total_steps=100)
        >>> jaxsched.from_config(s.to_config()) == s
        True
    """
    fn = "from_config"

    def convert(x: Any, depth: int) -> Any:
        if depth > 2 * MAX_DEPTH:
            raise ValueError(f"{fn}: a config nests at most {2 * MAX_DEPTH} levels deep (schedules nest {MAX_DEPTH})")
        if isinstance(x, Mapping):
            return node(x, depth + 1)
        if isinstance(x, (list, tuple)):
            return [convert(v, depth + 1) for v in x]
        return x

    def node(d: Mapping[str, Any], depth: int = 0) -> Schedule:
        if "schedule" not in d:
            raise ValueError(f"{fn}: a schedule config needs a 'schedule' key, got keys {sorted(d)}")
        kwargs = {
            ("schedule" if k == config_key("schedule") else k): convert(v, depth)
            for k, v in d.items()
            if k != "schedule"
        }
        return build(fn, d["schedule"], kwargs)

    if not isinstance(config, Mapping):
        raise TypeError(f"{fn}: config must be a dict, got {config!r}")
    return node(config)


def parse(text: str) -> Schedule:
    """Reads a spec string such as ``repr(schedule)`` back into a schedule.

    Only literals are read: numbers, strings, lists, ``None``, ``True``,
    ``False`` and schedule calls with keyword arguments, nested as deep as
    needed. Nothing is evaluated.

    Args:
        text: e.g. ``"warmup_cosine(peak_value=3e-4, warmup_steps=2000, total_steps=100000)"``.

    Returns:
        The ``Schedule``.

    Example:
        >>> import jaxsched
        >>> s = jaxsched.parse("join(schedules=[constant(value=1.0), constant(value=0.5)], boundaries=[10])")
        >>> print(f"{s(9):.2f} {s(10):.2f}")
        1.00 0.50
        >>> jaxsched.parse(repr(s)) == s
        True
    """
    fn = "parse"
    if not isinstance(text, str):
        raise TypeError(f"{fn}: text must be a string, got {text!r}")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as e:
        raise ValueError(f"{fn}: not a valid schedule spec: {text!r} ({e.msg})") from None

    def literal(n: ast.AST, depth: int) -> Any:
        if depth > 2 * MAX_DEPTH:
            raise ValueError(f"{fn}: a spec nests at most {2 * MAX_DEPTH} levels deep (schedules nest {MAX_DEPTH})")
        if isinstance(n, ast.Call):
            return call(n, depth + 1)
        if isinstance(n, (ast.List, ast.Tuple)):
            return [literal(e, depth + 1) for e in n.elts]
        if isinstance(n, ast.Constant) and (n.value is None or isinstance(n.value, (bool, int, float, str))):
            return n.value
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
            inner = literal(n.operand, depth + 1)
            if isinstance(inner, (int, float)) and not isinstance(inner, bool):
                return -inner if isinstance(n.op, ast.USub) else inner
        raise ValueError(f"{fn}: only literals and schedule calls are allowed, got {ast.unparse(n)!r}")

    def call(n: ast.Call, depth: int = 0) -> Schedule:
        if not isinstance(n.func, ast.Name):
            raise ValueError(f"{fn}: expected a schedule name, got {ast.unparse(n.func)!r}")
        if n.args or any(k.arg is None for k in n.keywords):
            raise ValueError(f"{fn}: {n.func.id}: write arguments as name=value, got {ast.unparse(n)!r}")
        names = [str(k.arg) for k in n.keywords]
        repeated = sorted({k for k in names if names.count(k) > 1})
        if repeated:
            raise ValueError(f"{fn}: {n.func.id}: keyword argument repeated: {', '.join(map(str, repeated))}")
        return build(fn, n.func.id, {str(k.arg): literal(k.value, depth) for k in n.keywords})

    if not isinstance(tree, ast.Call):
        raise ValueError(f"{fn}: expected a schedule call such as 'constant(value=0.1)', got {text!r}")
    return call(tree)
