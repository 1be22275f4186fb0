"""Every parity comparison of the test suite, as a table.

For each comparison against the real PyTorch, transformers, Optax and timm
schedulers (the cases of ``tests/test_parity_*.py``): the number of steps
compared and the largest relative difference ``|ours - theirs| / |theirs|``
(Optax evaluated in float64). A group whose library is not installed is
reported as skipped.

    python benchmarks/parity.py            # summary per group and the worst comparisons
    python benchmarks/parity.py --all      # every comparison
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import warnings

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

GROUPS = [
    ("torch", "test_parity_torch"),
    ("transformers", "test_parity_hf"),
    ("optax", "test_parity_optax"),
    ("timm", "test_parity_timm"),
]


def largest_relative_difference(ours: np.ndarray, ref: np.ndarray) -> float:
    diff = np.abs(ours - ref)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(ref != 0, diff / np.abs(ref), np.where(diff == 0, 0.0, np.inf))
    return float(rel.max()) if rel.size else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="print every comparison, not only the worst")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    rows, summary = [], []
    for group, module_name in GROUPS:
        try:
            module = importlib.import_module(module_name)
        except pytest.skip.Exception as skip:
            summary.append((group, 0, 0, None, f"skipped: {skip.msg}"))
            continue
        start, worst, steps_total = time.perf_counter(), 0.0, 0
        try:
            for case in module.CASES:
                ours, ref = module.run(case)
                rel = largest_relative_difference(ours, ref)
                rows.append((group, case.id, len(ref), rel))
                worst, steps_total = max(worst, rel), steps_total + len(ref)
        except pytest.skip.Exception as skip:
            summary.append((group, 0, 0, None, f"skipped: {skip.msg}"))
            continue
        ok = "ok" if worst <= 1e-5 else "ABOVE rtol 1e-5"
        summary.append((group, len(module.CASES), steps_total, worst, f"{ok} ({time.perf_counter() - start:.1f} s)"))

    shown = rows if args.all else sorted(rows, key=lambda r: -r[3])[:15]
    width = max([len(r[1]) for r in shown] + [10])
    print(f"{'comparison':<{width}}  {'steps':>6}  {'largest rel. diff':>17}")
    for group, case_id, n, rel in shown:
        print(f"{case_id:<{width}}  {n:>6}  {rel:>17.3e}   [{group}]")
    print()
    print(f"{'group':<13} {'comparisons':>11} {'steps':>7}  {'largest rel. diff':>17}  note")
    for group, count, steps, worst, note in summary:
        shown_worst = "-" if worst is None else f"{worst:.3e}"
        print(f"{group:<13} {count:>11} {steps:>7}  {shown_worst:>17}  {note}")


if __name__ == "__main__":
    main()
