"""Plots of schedules with matplotlib (``pip install jaxsched[plot]``)."""

from collections.abc import Sequence
from typing import Any

import numpy as np

from jaxsched._core import Schedule


def default_labels(schedules: Sequence[Schedule]) -> list[str]:
    """Short labels: each schedule's name, numbered where names repeat.

    Example:
        >>> import jaxsched
        >>> from jaxsched.plotting import default_labels
        >>> default_labels([jaxsched.constant(value=1.0), jaxsched.cosine(init_value=1.0, total_steps=10),
        ...                 jaxsched.constant(value=0.5)])
        ['constant 1', 'cosine', 'constant 2']
    """
    names = [s.name for s in schedules]
    return [f"{n} {names[: i + 1].count(n)}" if names.count(n) > 1 else n for i, n in enumerate(names)]


def plot(
    schedules: Schedule | Sequence[Schedule],
    *,
    total_steps: int,
    labels: Sequence[str] | None = None,
    ax: Any = None,
    num_points: int = 1000,
    log_scale: bool = False,
    title: str | None = None,
    ylabel: str = "learning rate",
) -> Any:
    """Draws schedules over ``[0, total_steps]`` on a matplotlib axes, their phases marked.

    Each schedule is evaluated in one call on ``num_points`` evenly spaced
    whole steps plus each phase boundary ``b`` and ``b - 1`` (``schedule.phases``),
    so jumps are sharp; the first 20 boundaries of each schedule are marked
    with thin dotted vertical lines of its colour. The x axis spans exactly
    ``[0, total_steps]``; the legend sits outside the axes, to the right (it is
    left out for one schedule without ``labels``: the title names it).

    Args:
        schedules: a schedule or a list of schedules, drawn on the same axes.
        total_steps: the last step drawn (at least 1).
        labels: legend labels, one per schedule; defaults to each schedule's
            name (``warmup_cosine``), numbered where names repeat.
        ax: the axes to draw on; a new figure's axes when None.
        num_points: how many evenly spaced steps to evaluate (at least 2).
        log_scale: a logarithmic value axis.
        title: the title; defaults to the schedule's name for one schedule,
            "learning-rate schedules" for several.
        ylabel: the value axis label.

    Returns:
        The matplotlib axes.

    Example:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import jaxsched
        >>> from jaxsched.plotting import plot
        >>> s = jaxsched.warmup_cosine(peak_value=1e-3, warmup_steps=100, total_steps=1000)
        >>> ax = plot(s, total_steps=1000, labels=["warmup + cosine"])
        >>> ax.get_title(), ax.get_xlabel(), ax.get_ylabel()
        ('warmup_cosine', 'step', 'learning rate')
        >>> [text.get_text() for text in ax.get_legend().get_texts()]
        ['warmup + cosine']
        >>> ax.figure.savefig("lr.png", bbox_inches="tight")  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    schedules = [schedules] if isinstance(schedules, Schedule) else list(schedules)
    if not isinstance(total_steps, int) or isinstance(total_steps, bool) or total_steps < 1:
        raise ValueError(f"plot: total_steps must be a positive whole number, got {total_steps!r}")
    if num_points < 2:
        raise ValueError(f"plot: num_points must be at least 2, got {num_points!r}")
    if labels is not None and len(labels) != len(schedules):
        raise ValueError(f"plot: labels must have one entry per schedule ({len(schedules)}), got {labels!r}")
    if bad := [s for s in schedules if not isinstance(s, Schedule)]:
        raise TypeError(f"plot: every schedule must be a jaxsched schedule, got {bad[0]!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")  # room for the legend
    grid = np.linspace(0, total_steps, num_points).round()
    for schedule, label in zip(schedules, labels or default_labels(schedules), strict=True):
        phases = np.asarray(schedule.phases(total_steps), np.int64)
        steps = np.unique(np.r_[grid, phases, phases - 1]).astype(np.int64)
        (line,) = ax.plot(steps, np.asarray(schedule(steps)), label=label)
        ax.vlines(phases[:20], 0, 1, transform=ax.get_xaxis_transform(), colors=line.get_color(), ls=":", lw=0.8)
    title = title or (schedules[0].name if len(schedules) == 1 else "learning-rate schedules")  # several, or none
    ax.set(xlabel="step", ylabel=ylabel, xlim=(0, total_steps), title=title, yscale="log" if log_scale else "linear")
    if len(schedules) > 1 or labels is not None:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    ax.grid(alpha=0.3)
    return ax
