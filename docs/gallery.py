"""The gallery: one PNG per registered schedule, drawn from the shared example table.

The examples come from ``tests/cases.py`` (``EXAMPLES``: a few constructions per
registered name, the table the config, backend and property tests use), so a
schedule added to the registry appears here as soon as the tests know it.

Two uses:

- a MkDocs hook (``hooks:`` in ``mkdocs.yml``): every build draws the gallery
  into a temporary folder and adds ``gallery.md`` and ``gallery/<name>.png`` to
  the site, so nothing generated is written into ``docs/`` or committed;
- a script: ``python docs/gallery.py OUT_DIR`` writes ``OUT_DIR/gallery.md``
  and ``OUT_DIR/gallery/<name>.png``.
"""

from __future__ import annotations

import importlib.util
import pathlib
import sys
import tempfile
from collections.abc import Callable
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent

# How many times its natural length to draw a schedule that goes on: several
# periods of a periodic one, several timescales of an endless decay.
STRETCH = {
    **dict.fromkeys(["exponential", "step_decay", "cyclic", "sgdr", "repeat"], 4),
    **dict.fromkeys(["rsqrt", "noam"], 10),
    "warmup_constant": 2,
}
LENGTHS = ("period", "timescale")  # lengths whose names do not end in "steps"

INTRO = """# Gallery

Every registered schedule, drawn from the example constructions in
`tests/cases.py`: the table the config, backend and property tests share, so
each curve below is one the tests check. The pictures are drawn again at every
build of this site, with [`jaxsched.plotting.plot`][jaxsched.plotting.plot];
each one lists the spec of its examples (`repr(schedule)`, which
[`jaxsched.parse`][jaxsched.parse] reads back).
"""


def load_examples() -> dict[str, list[Callable[[], Any]]]:
    """``EXAMPLES`` from ``tests/cases.py``: registered name -> constructors of example schedules."""
    spec = importlib.util.spec_from_file_location("_jaxsched_cases", ROOT / "tests" / "cases.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.EXAMPLES


def _extent(config: dict[str, Any]) -> int:
    """The natural length of a config: its ``total_steps``, or the sum of its other lengths (or its
    last boundary), plus the extent of its longest child."""
    lengths, children = [], [0]
    for key, value in config.items():
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, dict):
                children.append(_extent(v))
            elif isinstance(v, int) and not isinstance(v, bool) and (key.endswith("steps") or key in LENGTHS):
                lengths.append(abs(v))  # abs: offset's steps may be negative
    if config["schedule"] == "per_step":  # the child's lengths are in units (epochs, samples)
        return int(max(children) * config.get("steps_per_unit", 1) / config.get("units_per_step", 1))
    own = config.get("total_steps") or max(config.get("boundaries") or [0]) or sum(lengths)
    return own + max(children)


def _names(config: dict[str, Any]) -> set[str]:
    names = {config["schedule"]}
    for value in config.values():
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, dict):
                names |= _names(v)
    return names


def total_steps(schedule: Any) -> int:
    """How many steps to draw: the schedule's natural length (a default of 1,000 for a
    constant), stretched for periodic and endless schedules, plus 20%."""
    config = schedule.to_config()
    stretch = max(STRETCH.get(name, 1) for name in _names(config))
    return max(int((_extent(config) or 1000) * stretch * 1.2), 10)


def draw(name: str, schedules: list[Any], path: pathlib.Path) -> None:
    """One PNG for one registered name: a panel per example schedule."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from jaxsched.plotting import plot

    height = 2.6 * len(schedules)  # inches; fixed margins (tight_layout would triple the drawing time)
    fig, axes = plt.subplots(len(schedules), 1, figsize=(7.5, height), squeeze=False)
    fig.subplots_adjust(left=0.12, right=0.96, bottom=0.55 / height, top=1 - 0.35 / height, hspace=0.7)
    for i, (schedule, ax) in enumerate(zip(schedules, axes[:, 0], strict=True)):
        plot(schedule, total_steps=total_steps(schedule), ax=ax)  # one curve: no legend
        ax.set_title(f"{name}, example {i + 1}" if len(schedules) > 1 else name)
    fig.savefig(path, dpi=72)
    plt.close(fig)


def generate(out_dir: pathlib.Path | str) -> list[str]:
    """Writes ``out_dir/gallery/<name>.png`` per registered schedule and ``out_dir/gallery.md``.

    Returns:
        The paths written, relative to ``out_dir`` (``gallery.md`` first).

    Raises:
        LookupError: a registered schedule has no example in ``tests/cases.py``.
    """
    from jaxsched._core import REGISTRY

    out_dir = pathlib.Path(out_dir)
    examples = load_examples()
    missing = sorted(set(REGISTRY) - set(examples))
    if missing:
        raise LookupError(f"registered schedules without an example in tests/cases.py: {missing}")
    (out_dir / "gallery").mkdir(parents=True, exist_ok=True)
    page, written = [INTRO], ["gallery.md"]
    for name in [n for n in examples if n in REGISTRY]:
        schedules = [make() for make in examples[name]]
        draw(name, schedules, out_dir / "gallery" / f"{name}.png")
        written.append(f"gallery/{name}.png")
        page.append(f"## {name}\n\n[`jaxsched.{name}`][jaxsched.{name}]\n\n![{name}](gallery/{name}.png)\n")
        page.extend(f"{i + 1}. `{schedule!r}`" for i, schedule in enumerate(schedules))
        page.append("")
    (out_dir / "gallery.md").write_text("\n".join(page))
    return written


# --- the MkDocs hook ------------------------------------------------------------------------

_tmp: tempfile.TemporaryDirectory[str] | None = None


def on_files(files: Any, config: Any) -> Any:
    """Draws the gallery into a temporary folder and adds its page and pictures to the site."""
    from mkdocs.structure.files import File

    global _tmp
    _tmp = tempfile.TemporaryDirectory(prefix="jaxsched-gallery-")
    for rel in generate(_tmp.name):
        files.append(File.generated(config, rel, abs_src_path=str(pathlib.Path(_tmp.name, rel))))
    return files


def on_post_build(config: Any) -> None:
    global _tmp
    if _tmp is not None:
        _tmp.cleanup()
        _tmp = None


def on_build_error(error: Exception) -> None:
    on_post_build(None)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python docs/gallery.py OUT_DIR")
    for path in generate(sys.argv[1]):
        print(pathlib.Path(sys.argv[1], path))
