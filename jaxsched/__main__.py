"""The command line: print (or plot) a schedule given as a spec string.

python -m jaxsched "warmup_cosine(peak_value=3e-4, warmup_steps=2000, total_steps=100000)"
python -m jaxsched SPEC --steps 0 1000 2000 50000
python -m jaxsched SPEC --total-steps 100000 --plot lr.png
python -m jaxsched SPEC --config      # the JSON config
"""

import argparse
import json
import sys

import numpy as np

import jaxsched


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jaxsched", description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "spec", help="a schedule spec, e.g. 'cosine(init_value=0.1, total_steps=1000)', or a JSON config"
    )
    parser.add_argument("--steps", type=int, nargs="+", help="the steps to print (default: 11 steps up to the end)")
    parser.add_argument("--total-steps", type=int, default=None, help="the last step shown (default: from the spec)")
    parser.add_argument("--plot", metavar="FILE", help="save a plot to FILE (needs matplotlib)")
    parser.add_argument("--config", action="store_true", help="print the JSON config instead of values")
    args = parser.parse_args(argv)
    try:
        text = args.spec.strip()
        schedule = jaxsched.from_config(json.loads(text)) if text.startswith("{") else jaxsched.parse(text)
    except (ValueError, TypeError, RecursionError) as e:  # RecursionError: json on absurdly deep input
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.config:
        print(json.dumps(schedule.to_config(), indent=2))
        return 0
    total = args.total_steps or _guess_total(schedule)
    steps = np.asarray(args.steps if args.steps else np.linspace(0, total, 11).round(), dtype=np.int64)
    values = np.asarray(schedule(np.clip(steps, -(2**31) + 1, 2**31 - 1).astype(np.int32)))
    print(repr(schedule))
    print(f"{'step':>12s}  value")
    for s, v in zip(steps, values, strict=True):
        print(f"{int(s):12d}  {float(v):.6g}")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        from jaxsched.plotting import plot

        ax = plot(schedule, total_steps=total)
        ax.figure.savefig(args.plot, dpi=120, bbox_inches="tight")
        print(f"saved {args.plot}")
    return 0


def _guess_total(schedule: jaxsched.Schedule) -> int:
    """A view of the whole curve: the last boundary plus the longest length, +10%."""
    items = [(k, v) for k, v in _items(schedule.to_config()) if isinstance(v, int) and not isinstance(v, bool)]
    bounds = [v for k, v in items if k == "boundaries"]
    lengths = [v for k, v in items if "steps" in k or k in ("period", "timescale")]
    return max(int((max(bounds, default=0) + max(lengths, default=1000)) * 1.1), 10)


def _items(config):
    for key, value in config.items():
        if isinstance(value, dict):
            yield from _items(value)
        elif isinstance(value, list):
            for v in value:
                if isinstance(v, dict):
                    yield from _items(v)
                else:
                    yield key, v
        else:
            yield key, value


if __name__ == "__main__":
    sys.exit(main())
