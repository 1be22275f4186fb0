"""The command line: print, compare and plot schedules given as spec strings or JSON configs.

examples:
  jaxsched "warmup_cosine(peak_value=3e-4, warmup_steps=2000, total_steps=100000)"
  jaxsched SPEC --steps 0 1000 2000 50000
  jaxsched SPEC --config --plot lr.png      the JSON config, and a plot
  jaxsched SPEC1 SPEC2 --log --label a b --plot cmp.png
  jaxsched path/to/config.json
  jaxsched list                             every schedule, one line each
  jaxsched show wsd                         a schedule's signature and documentation

The default table shows step 0, ten evenly spaced steps up to the end
(--total-steps, or the last phase boundary + 10%) and each phase boundary b
and b - 1 (warmup end, cooldown start, ...), one column per schedule.
"python -m jaxsched" is the same command. A user error is one line on
stderr, "jaxsched: error: ...", and exit status 2.
"""

import argparse
import inspect
import json
import pathlib
import sys

import numpy as np

import jaxsched
from jaxsched._config import _suggest
from jaxsched._core import REGISTRY
from jaxsched._fields import MAX_STEPS, _children, _declared
from jaxsched.plotting import default_labels, plot

USAGE = "%(prog)s SPEC [SPEC ...] [options]  |  %(prog)s list  |  %(prog)s show NAME"


def main(argv: list[str] | None = None) -> int:
    """Runs the command line on ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    parser = argparse.ArgumentParser("jaxsched", USAGE, __doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("spec", nargs="+", metavar="SPEC", help="a spec, a JSON config or a .json file")
    parser.add_argument("--steps", type=int, nargs="+", help="the steps to print (default: see above)")
    parser.add_argument("--total-steps", type=int, help="the last step shown (default: from the phases)")
    parser.add_argument("--config", action="store_true", help="print the JSON config (no table unless --steps)")
    parser.add_argument("--plot", metavar="FILE", help="save a plot to FILE (needs matplotlib)")
    parser.add_argument("--log", action="store_true", help="a logarithmic value axis in the plot")
    parser.add_argument("--label", nargs="+", action="extend", help="legend labels, one per SPEC (default: names)")
    args = parser.parse_args(argv)
    try:
        if args.spec[0] in ("list", "show"):
            return _describe(*args.spec)
        schedules = [_load(text) for text in args.spec]
        if args.label and len(args.label) != len(schedules):
            raise ValueError(f"--label: {len(args.label)} label(s) for {len(schedules)} schedule(s)")
        total = args.total_steps or max(map(_horizon, schedules))
        if args.config:
            configs = [s.to_config() for s in schedules]
            print(json.dumps(configs if len(configs) > 1 else configs[0], indent=2))
        if args.steps or not args.config:
            _table(schedules, args.label or default_labels(schedules), args.steps or _default_steps(schedules, total))
        if args.plot:
            ax = plot(schedules, total_steps=total, labels=args.label, log_scale=args.log)
            ax.figure.savefig(args.plot, dpi=120, bbox_inches="tight")
            print(f"saved {args.plot}", file=sys.stderr)
    except BrokenPipeError:  # `jaxsched list | head`: the reader left, nothing is wrong
        return 0
    except (ValueError, TypeError, OSError, ImportError, RecursionError) as e:  # deep JSON: Recursion
        hint = " (--plot needs matplotlib: pip install 'jaxsched[plot]')" if isinstance(e, ImportError) else ""
        print(f"jaxsched: error: {e}".splitlines()[0] + hint, file=sys.stderr)
        return 2
    return 0


def _load(text: str) -> jaxsched.Schedule:
    """A schedule from a spec string, an inline JSON config or a ``.json`` file."""
    if not text.lstrip().startswith("{") and text.rstrip().endswith(".json"):
        text = pathlib.Path(text.strip()).read_text()
    return jaxsched.from_config(json.loads(text)) if text.lstrip().startswith("{") else jaxsched.parse(text)


def _horizon(schedule: jaxsched.Schedule) -> int:
    """The end of the view: the last phase boundary + 10% (for a periodic schedule, with a thousand
    boundaries, the sixth + 10%); without phases, ten times the longest length in the spec."""
    phases = schedule.phases(MAX_STEPS)
    end = 1.1 * phases[5 if len(phases) >= 1000 else -1] if phases else 10 * max(_lengths(schedule), default=100)
    return int(min(max(end, 10), MAX_STEPS))


def _lengths(schedule: jaxsched.Schedule) -> list[int]:
    """The lengths (fields declared as lengths) of a schedule and its children."""
    own = [int(v) for _, kind, v in _declared(schedule) if kind.what == "length"]
    return own + [n for child in _children(schedule) for n in _lengths(child)]


def _default_steps(schedules: list[jaxsched.Schedule], total: int) -> list[int]:
    """0, ten evenly spaced steps up to ``total``, and each phase boundary b and b - 1 (the first 12)."""
    steps = {int(s) for s in np.linspace(0, total, 11).round()}
    return sorted(steps | {b - d for s in schedules for b in s.phases(total)[:12] for d in (0, 1)})


def _table(schedules: list[jaxsched.Schedule], labels: list[str], steps: list[int]) -> None:
    """Each schedule's repr, then one row per step: the step and one column per schedule."""
    print(*map(repr, schedules), sep="\n")
    width = max(12, *map(len, labels))
    print(f"{'step':>12s}" + "".join(f"  {label:>{width}s}" for label in labels))
    values = np.stack([np.asarray(s(np.asarray(steps, np.int64))) for s in schedules], axis=1)
    for step, row in zip(steps, values, strict=True):
        print(f"{step:12d}" + "".join(f"  {float(v):>{width}.6g}" for v in row))


def _describe(command: str, *names: str) -> int:
    """``list``: every registered schedule and its summary line; ``show NAME ...``: signature and docstring."""
    for name, fn in sorted(REGISTRY.items()) if command == "list" else ():
        print(f"{name:22s}{(inspect.getdoc(fn) or '').splitlines()[0]}")
    if command == "show" and not names:
        raise ValueError("show needs a schedule's name, e.g. jaxsched show wsd (jaxsched list names them all)")
    for name in names if command == "show" else ():
        if name not in REGISTRY:
            raise ValueError(f"unknown schedule {name!r}{_suggest(name, sorted(REGISTRY))}")
        sig = inspect.signature(REGISTRY[name])  # without the annotations: value types are long unions
        sig = sig.replace(parameters=[p.replace(annotation=p.empty) for p in sig.parameters.values()])
        print(f"{name}{sig.replace(return_annotation=sig.empty)}\n\n{inspect.getdoc(REGISTRY[name])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
