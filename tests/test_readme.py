"""Every Python block of the README runs as shown, and prints what its comments say.

Each block runs on its own, in a fresh namespace, under JAX's default dtype promotion
(it is user code: Optax's Adam mixes int and float, which the suite's strict promotion
refuses). A top-level ``print(...)`` or expression whose trailing comment is a value
(``# 0.00015``, ``# True``, ``# warmup_cosine(...)``; a comment with words, such as
``# the learning rate this update used``, is prose) must print or evaluate to exactly it.
"""

from __future__ import annotations

import ast
import contextlib
import io
import itertools
import pathlib
import re
import tokenize
from collections.abc import Callable

import jax
import numpy as np
import pytest

import jaxsched

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"
if not README.is_file():
    pytest.skip("no README.md next to the tests", allow_module_level=True)

FENCE = re.compile(r"^```python\n(.*?)^```\s*$", re.S | re.M)


def _blocks() -> list[tuple[int, str, str]]:
    """(line of the first statement, the section's heading, code) of every Python block."""
    text = README.read_text()
    out = []
    for m in FENCE.finditer(text):
        headings = re.findall(r"^## (.+)$", text[: m.start()], re.M)
        out.append((text.count("\n", 0, m.start(1)) + 1, headings[-1] if headings else "", m.group(1)))
    return out


BLOCKS = _blocks()


def _is_value(comment: str) -> bool:
    """A comment that shows a value: no space outside brackets and quotes, not ``= ...``."""
    depth, quote = 0, None
    for ch in comment:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == " " and depth == 0:
            return False
    return not comment.startswith("=")


def run_block(code: str, first_line: int) -> str:
    """Runs ``code`` statement by statement (line numbers as in the README) and returns its output."""
    tree = ast.parse(code, filename=str(README))
    ast.increment_lineno(tree, first_line - 1)
    comments = {
        tok.start[0] + first_line - 1: tok.string[1:].strip()
        for tok in tokenize.generate_tokens(io.StringIO(code).readline)
        if tok.type == tokenize.COMMENT
    }
    namespace: dict = {"__name__": "__readme__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out), jax.numpy_dtype_promotion("standard"):
        for stmt in tree.body:
            start = out.tell()
            if isinstance(stmt, ast.Expr):
                value = eval(compile(ast.Expression(stmt.value), str(README), "eval"), namespace)
            else:
                exec(compile(ast.Module([stmt], type_ignores=[]), str(README), "exec"), namespace)
            comment = comments.get(stmt.end_lineno)
            if not (isinstance(stmt, ast.Expr) and comment and _is_value(comment)):
                continue
            call = stmt.value
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "print":
                shown = out.getvalue()[start:].strip()
            else:
                shown = repr(value)
            assert shown == comment, f"README.md line {stmt.lineno}: shows {shown!r}, the comment says {comment!r}"
    return out.getvalue()


def _flax_nnx_training(output: str) -> None:
    """The training loop logs the schedule's value at each logged step, and the loss falls."""
    lines = [line.split() for line in output.splitlines() if line.startswith("step")]
    assert [int(words[1]) for words in lines] == list(range(0, 500, 50))
    schedule = jaxsched.warmup_cosine(peak_value=1e-2, warmup_steps=50, total_steps=500)
    for words in lines:
        assert float(words[5]) == pytest.approx(float(schedule(int(words[1]))), rel=1e-2)  # printed with 3 digits
    losses = [float(words[3]) for words in lines]
    assert np.mean(losses[-3:]) < 0.5 * losses[0]


def _reduce_on_plateau(output: str) -> None:
    """The logged rate is the base times a scale that only shrinks, by the factor, and did."""
    scales = [float(line.split()[-1]) for line in output.splitlines() if line.startswith("step")]
    assert scales and scales[0] == 1.0 and scales[-1] < 1.0
    assert all(b <= a for a, b in itertools.pairwise(scales))
    assert all(np.log2(s) == pytest.approx(round(np.log2(s)), abs=1e-3) for s in scales)  # powers of factor=0.5


# What some sections' blocks must also print (checked on their output).
CHECKS: dict[str, Callable[[str], None]] = {
    "Training with Flax NNX": _flax_nnx_training,
    "Reduce on plateau": _reduce_on_plateau,
}


def test_every_check_has_its_block():
    assert set(CHECKS) <= {section for _, section, _ in BLOCKS}


@pytest.mark.parametrize(("line", "section", "code"), BLOCKS, ids=[f"line{line}" for line, _, _ in BLOCKS])
def test_python_block_runs_as_shown(line: int, section: str, code: str) -> None:
    output = run_block(code, line)
    if section in CHECKS:
        CHECKS[section](output)


def test_a_wrong_comment_is_caught():
    with pytest.raises(AssertionError, match="shows '3', the comment says '4'"):
        run_block("print(1 + 2)  # 4\n", 1)
    with pytest.raises(AssertionError, match="shows 'False'"):
        run_block("1 == 2  # True\n", 1)
    assert run_block("print(1 + 2)  # the sum, not checked\nx = 5  # 6\n", 1) == "3\n"
