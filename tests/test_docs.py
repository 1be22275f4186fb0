"""The documentation site: it builds in strict mode, its gallery has a picture of every
registered schedule, every Python example on its pages runs, and every command-line
example is accepted by the command line."""

from __future__ import annotations

import contextlib
import io
import os
import pathlib
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator

import jax
import pytest

import jaxsched
from jaxsched._core import REGISTRY

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))

# A fenced block, with the HTML comment (if any) on the line just before it.
FENCE = re.compile(r"^(?:<!--\s*(?P<mark>[\w-]+)\s*-->\n)?```(?P<lang>\w*)[^\n]*\n(?P<body>.*?)^```\s*$", re.S | re.M)


def blocks(page: pathlib.Path, lang: str) -> list[tuple[int, str]]:
    """The ``lang`` code blocks of a page not marked ``<!-- skip -->``: (first line number, code)."""
    text = page.read_text()
    return [
        (text.count("\n", 0, m.start("body")) + 1, m.group("body"))
        for m in FENCE.finditer(text)
        if m.group("lang") == lang and m.group("mark") != "skip"
    ]


@pytest.fixture(scope="module", autouse=True)
def _build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[subprocess.Popen, pathlib.Path]]:
    """Starts the strict build (a warning is an error) of the site into a temporary folder when the
    module starts, in a subprocess: it runs on another core while the page examples run."""
    out = tmp_path_factory.mktemp("site")
    log = (out.parent / "mkdocs.log").open("w+")
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    build = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    yield build, out
    if build.poll() is None:
        build.kill()
    build.wait()
    log.close()


@pytest.fixture
def site(_build: tuple[subprocess.Popen, pathlib.Path]) -> pathlib.Path:
    """The built site (waits for the build)."""
    build, out = _build
    build.wait(timeout=600)
    if build.returncode != 0:
        log = (out.parent / "mkdocs.log").read_text()
        if "No module named mkdocs" in log:
            pytest.skip("mkdocs is not installed: pip install '.[docs]'")
        pytest.fail(f"mkdocs build --strict failed:\n{log}")
    return out


def test_every_public_name_is_in_the_api_reference() -> None:
    text = (DOCS / "api.md").read_text()
    documented = set(re.findall(r"^::: jaxsched\.(\w+)$", text, re.M))
    assert set(jaxsched.__all__) <= documented, sorted(set(jaxsched.__all__) - documented)


def test_migration_tables_match_the_readme() -> None:
    """The README's vocabulary and migration table rows appear unchanged in docs/migrating.md."""
    readme = (ROOT / "README.md").read_text()
    start = readme.find("## Migrating")
    vocabulary = re.search(r"^\| concept \|.*?(?=\n\n)", readme, re.S | re.M)
    rows = [line for line in readme[start:].splitlines() if line.startswith("|")] if start >= 0 else []
    rows += vocabulary.group(0).splitlines() if vocabulary else []
    page = set((DOCS / "migrating.md").read_text().splitlines())
    assert [row for row in rows if row not in page] == []


COMMAND = re.compile(r"^\s*(?:python -m jaxsched|jaxsched)\s+(.*)$")


def commands(page: pathlib.Path) -> list[list[str]]:
    """The arguments of each ``jaxsched ...`` / ``python -m jaxsched ...`` command in a page's bash blocks."""
    found = []
    for _, code in blocks(page, "bash"):
        for line in code.replace("\\\n", " ").splitlines():
            match = COMMAND.match(line)
            if match:
                found.append(shlex.split(match.group(1), comments=True))
    return found


@pytest.mark.parametrize("page", [p for p in PAGES if blocks(p, "python") or commands(p)], ids=lambda p: p.name)
def test_page_examples_run(page: pathlib.Path, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page's Python blocks run in order in one fresh namespace (a later block may use what an
    earlier one defined), in an empty working folder, under JAX's default dtype promotion (they
    are user code; tests/conftest.py makes the tests' promotion strict); then its command lines
    run there too (they may read what the Python blocks wrote) and exit with status 0."""
    from jaxsched.__main__ import main

    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": f"docs_{page.stem.replace('-', '_')}"}
    with jax.numpy_dtype_promotion("standard"), contextlib.redirect_stdout(io.StringIO()):
        for line, code in blocks(page, "python"):
            try:
                exec(compile(code, f"{page.name}:{line}", "exec"), namespace)
            except Exception as error:
                raise AssertionError(f"the Python block at {page.name}, line {line}, failed: {error!r}") from error
        for args in commands(page):
            assert main(args) == 0, f"{page.name}: jaxsched {shlex.join(args)}"
    AFTER.get(page.stem, lambda _: None)(tmp_path)


def _logging_wrote_files(folder: pathlib.Path) -> None:
    assert any(folder.glob("runs/**/events.out.tfevents.*")), "no TensorBoard event file"
    rows = (folder / "lr.csv").read_text().splitlines()
    assert rows[0] == "step,lr,loss" and len(rows) > 2


def _cli_wrote_plots(folder: pathlib.Path) -> None:
    assert (folder / "compare.png").stat().st_size > 1000 and (folder / "sgdr.png").stat().st_size > 1000


# Checks of what a page's examples wrote into the working folder.
AFTER = {"logging": _logging_wrote_files, "configs-and-cli": _cli_wrote_plots}


# The site's tests come last: the build runs in the background while the examples above run.
def test_site_builds_strictly(site: pathlib.Path) -> None:
    for page in PAGES:
        name = page.stem
        assert (site / ("index.html" if name == "index" else f"{name}/index.html")).is_file(), name
    api = (site / "api" / "index.html").read_text()
    for name in jaxsched.__all__:
        assert f'id="jaxsched.{name}"' in api, f"{name} is missing from docs/api.md"
    # The doctests render as Python sessions, not as Markdown quotes.
    assert "<blockquote>\n<blockquote>" not in api


def test_gallery_has_a_picture_of_every_registered_schedule(site: pathlib.Path) -> None:
    import matplotlib.image

    pictures = {p.stem: p for p in (site / "gallery").glob("*.png")}
    assert sorted(pictures) == sorted(REGISTRY)
    for name, path in pictures.items():
        image = matplotlib.image.imread(path)
        assert (image != image[0, 0]).any(), f"{name}.png is blank: one colour"
    page = (site / "gallery" / "index.html").read_text()
    for name in REGISTRY:
        assert f'src="{name}.png"' in page or f'src="./{name}.png"' in page, name


if __name__ == "__main__":  # print what a page's examples print: python tests/test_docs.py docs/PAGE.md
    for page in map(pathlib.Path, sys.argv[1:]):
        namespace = {"__name__": "docs"}
        for line, code in blocks(page, "python"):
            print(f"--- {page.name}:{line}")
            exec(compile(code, f"{page.name}:{line}", "exec"), namespace)
