"""``python -m build`` makes a wheel and an sdist that install into a fresh venv and work there.

Offline and quick: the build uses this environment's setuptools (``--no-isolation``),
the fresh venvs have no pip of their own (this environment's pip installs into them
with ``--python``, ``--no-index --no-deps``), and they see this environment's
dependencies (jax, optax) through a ``.pth`` file. Everything runs from a temporary
folder, so the imports are of the installed copy, never of the checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

import jaxsched

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow

if not (ROOT / "pyproject.toml").is_file():
    pytest.skip("not in a checkout: nothing to build", allow_module_level=True)
pytest.importorskip("build", reason="the test extra installs `build`")


def _run(args: list, cwd: Path, env: dict | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{args} failed:\n{output}"
    return output


def _clean_env() -> dict:
    """This environment, minus what would change the build's output or the imports."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


# What a build never reads: left out of the copy of the checkout that is built.
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv*", "build", "dist", "site", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", "*.png"
)


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The sdist and the wheel of the checkout (the wheel built from the sdist, as ``build`` does).

    Built from a copy, so that the build's egg-info and build/ folders never land in the checkout."""
    source = tmp_path_factory.mktemp("source") / "jaxsched"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    out = tmp_path_factory.mktemp("dist")
    log = _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)], out, _clean_env())
    warnings = [line for line in log.splitlines() if re.search(r"warn", line, re.IGNORECASE)]
    assert not warnings, "the build warns:\n" + "\n".join(warnings)
    return out


def _fresh_venv(path: Path) -> Path:
    """A venv without pip that sees this environment's packages after its own."""
    _run([sys.executable, "-m", "venv", "--without-pip", str(path)], path.parent)
    python = path / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], path).strip())
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_jaxsched_test_deps.pth").write_text("\n".join(sorted(ours)) + "\n")
    return python


def _check_installed(python: Path, cwd: Path) -> None:
    env = _clean_env()
    where = _run([str(python), "-c", "import jaxsched; print(jaxsched.__file__)"], cwd, env).strip()
    assert Path(where).is_relative_to(python.parent.parent), f"imported {where}, not the installed copy"
    assert not Path(where).is_relative_to(ROOT)
    script = python.parent / "jaxsched"
    out = _run([str(script), "constant(value=1.0)", "--steps", "0"], cwd, env)
    assert out == _run([str(python), "-m", "jaxsched", "constant(value=1.0)", "--steps", "0"], cwd, env)
    assert out.splitlines()[0] == "constant(value=1.0)" and out.split()[-2:] == ["0", "1"], out
    version = _run([str(python), "-c", "import importlib.metadata as m; print(m.version('jaxsched'))"], cwd, env)
    assert version.strip() == jaxsched.__version__


def test_sdist_holds_the_package_readme_and_license(dist):
    (sdist,) = dist.glob("jaxsched-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    package = {p.relative_to(ROOT).as_posix() for p in (ROOT / "jaxsched").rglob("*.py")}
    assert package <= names, sorted(package - names)
    assert {"README.md", "LICENSE", "CHANGELOG.md", "pyproject.toml", "jaxsched/py.typed"} <= names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_wheel_holds_the_package_only(dist):
    (wheel,) = dist.glob("jaxsched-*-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        metadata = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        entry_points = zf.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    assert {n.split("/")[0] for n in names} == {"jaxsched", wheel.name.split("-py3")[0] + ".dist-info"}
    assert "jaxsched/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "jaxsched = jaxsched.__main__:main" in entry_points
    requires = [line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert any(re.fullmatch(r"jax>=[\d.]+", r) for r in requires), requires  # lower bounds, tested by test-oldest
    assert any(re.fullmatch(r"optax>=[\d.]+", r) for r in requires), requires


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_installs_into_a_fresh_venv(dist, kind, tmp_path):
    (artifact,) = dist.glob("jaxsched-*-py3-none-any.whl" if kind == "wheel" else "jaxsched-*.tar.gz")
    python = _fresh_venv(tmp_path / "venv")
    # --ignore-installed: a jaxsched that the venv sees through the .pth file is neither
    # taken for this one nor uninstalled.
    pip = [
        sys.executable,
        "-m",
        "pip",
        "--python",
        str(python),
        "install",
        "--no-index",
        "--no-deps",
        "--ignore-installed",
    ]
    if kind == "sdist":
        pip.append("--no-build-isolation")  # builds with this environment's setuptools, offline
    _run([*pip, str(artifact)], tmp_path, _clean_env())
    _check_installed(python, tmp_path)


def test_make_test_oldest_pins_the_lower_bounds():
    """`make test-oldest` tests what pyproject.toml promises: its pins are the lower bounds."""
    oldest = re.search(r"^OLDEST :?= (.*)$", (ROOT / "Makefile").read_text(), re.M)
    assert oldest, "the Makefile has no OLDEST pins"
    pins = dict(pin.split("==") for pin in oldest.group(1).split())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    bounds = dict(re.fullmatch(r"([\w-]+)>=([\d.]+)", dep).groups() for dep in project["dependencies"])
    assert set(bounds) == {"jax", "optax"}
    assert {name: pins[name] for name in bounds} == bounds
    assert pins["jaxlib"] == pins["jax"]
    flax = next(dep for dep in project["optional-dependencies"]["test"] if dep.startswith("flax"))
    assert flax == f"flax>={'.'.join(pins['flax'].split('.')[:2])}", (flax, pins["flax"])
