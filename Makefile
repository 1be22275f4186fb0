# The README's quick start: `make demo` runs the main job, `make test` the tests.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q

.PHONY: demo test test-backends lint bench venv parity-deps clean docs test-fast test-oldest

$(PY):
	python3 -m venv $(VENV)
	$(PIP) install -U pip

venv: $(PY)

demo: $(PY)
	$(PIP) install '.[examples]'
	$(PY) examples/quickstart.py

# The parity group needs torch (the 2.13.0 CPU build) and transformers; timm
# is installed without its dependencies (its torchvision has no build on every
# platform; the tests load only timm's scheduler files, which need torch).
# When they cannot be installed the group is skipped and says how to run it.
parity-deps: $(PY)
	$(PIP) install 'torch==2.13.0' transformers || echo "parity packages unavailable: the parity tests will be skipped"
	$(PIP) install --no-deps timm || echo "timm unavailable: the timm parity tests will be skipped"

# The tests run on JOBS cores (pytest-xdist; JOBS=0: in one process), one test module per
# worker, so a module's fixtures and compiled programs are shared by its tests.
JOBS ?= 2
PYTEST = -m pytest -q -n $(JOBS) --dist loadfile

test: $(PY) parity-deps
	$(PIP) install '.[test]'
	$(PY) $(PYTEST)

# The inner loop, a minute at most: the core contract and the doctests (the `fast` tests
# of tests/conftest.py); no parity group, examples, installs, docs site or Hypothesis.
test-fast: $(PY)
	$(PIP) install '.[test]'
	$(PY) $(PYTEST) -m "fast and not slow"

# The whole suite on the oldest supported versions, in a venv of its own: the lower bounds
# of jax and optax in pyproject.toml, with the jaxlib and Flax of their time
# (tests/test_install.py checks that OLDEST and the lower bounds agree).
OLDEST_VENV := .venv-oldest
OLDEST := jax==0.7.2 jaxlib==0.7.2 optax==0.2.7 flax==0.11.0

test-oldest:
	$(MAKE) --no-print-directory parity-deps VENV=$(OLDEST_VENV)
	$(OLDEST_VENV)/bin/python -m pip --disable-pip-version-check -q install $(OLDEST) '.[test]'
	$(OLDEST_VENV)/bin/python $(PYTEST)

# Backend tests on an accelerator machine: JAX_PLATFORMS=cuda (or tpu) make test-backends
test-backends: $(PY)
	$(PIP) install '.[test]'
	$(PY) -m pytest -q tests/test_backends.py

# ruff (style) and pyright (types) on the package; both must be clean.
lint: $(PY)
	$(PIP) install . ruff pyright
	$(VENV)/bin/ruff check jaxsched tests examples benchmarks
	$(VENV)/bin/ruff format --check jaxsched tests examples benchmarks
	$(VENV)/bin/pyright

# The documentation site (MkDocs + Material + mkdocstrings) into site/, strict: a
# warning fails the build. The gallery is drawn during the build by the hook
# docs/gallery.py, so a fresh clone needs nothing else.
docs: $(PY)
	$(PIP) install '.[docs]'
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --site-dir site

bench: $(PY)
	$(PIP) install .
	$(PY) benchmarks/bench_eager.py
	$(PY) benchmarks/bench_train_step.py
	$(PY) benchmarks/bench_vmap.py
	$(PY) benchmarks/bench_build.py
	$(PY) benchmarks/accuracy.py

clean:
	rm -rf $(VENV) build *.egg-info
