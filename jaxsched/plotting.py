"""Plots of schedules with matplotlib (``pip install jaxsched[plot]``)."""

from collections.abc import Sequence
from typing import Any

import numpy as np

from jaxsched._core import Schedule


def plot(
    schedules: Schedule | Sequence[Schedule],
    *,
    total_steps: int,
    labels: Sequence[str] | None = None,
    ax: Any = None,
    num_points: int = 1000,
    log_scale: bool = False,
) -> Any:
    """Draws schedules over ``[0, total_steps]`` on a matplotlib axes.

    Each schedule is evaluated in one call on ``num_points`` evenly spaced
    whole steps (boundaries of step functions are added so jumps are sharp).

    Args:
        schedules: a schedule or a list of schedules.
        total_steps: the last step drawn (at least 1).
        labels: legend labels; defaults to each schedule's ``repr``.
        ax: the axes to draw on; a new figure's axes when None.
        num_points: how many steps to evaluate (at least 2).
        log_scale: a logarithmic value axis.

    Returns:
        The matplotlib axes.

    Example:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import jaxsched
        >>> from jaxsched.plotting import plot
        >>> s = jaxsched.warmup_cosine(peak_value=1e-3, warmup_steps=100, total_steps=1000)
        >>> ax = plot(s, total_steps=1000, labels=["warmup + cosine"])
        >>> len(ax.lines)
        1
    """
    import matplotlib.pyplot as plt

    if isinstance(schedules, Schedule):
        schedules = [schedules]
    if not isinstance(total_steps, int) or isinstance(total_steps, bool) or total_steps < 1:
        raise ValueError(f"plot: total_steps must be a positive whole number, got {total_steps!r}")
    if num_points < 2:
        raise ValueError(f"plot: num_points must be at least 2, got {num_points!r}")
    if labels is not None and len(labels) != len(schedules):
        raise ValueError(f"plot: labels must have one entry per schedule ({len(schedules)}), got {list(labels)!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    steps = np.unique(np.linspace(0, total_steps, num_points).round().astype(np.int64))
    steps = np.unique(np.concatenate([steps, np.maximum(steps - 1, 0)]))
    for i, schedule in enumerate(schedules):
        if not isinstance(schedule, Schedule):
            raise TypeError(f"plot: schedules[{i}] must be a jaxsched schedule, got {schedule!r}")
        label = labels[i] if labels is not None else repr(schedule)
        ax.plot(steps, np.asarray(schedule(steps.astype(np.int32))), label=label)
    ax.set_xlabel("step")
    ax.set_ylabel("value")
    if log_scale:
        ax.set_yscale("log")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return ax
