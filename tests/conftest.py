"""Test-wide settings: strict dtype promotion, so a hidden int/float mix fails; the
``fast`` and ``slow`` markers (``make test-fast``)."""

import jax
import pytest

jax.config.update("jax_numpy_dtype_promotion", "strict")

# `make test-fast` (the inner loop, a minute at most) runs the tests marked `fast` and not
# `slow`: the core contract (steps, dtypes, jit / eager / device, pytrees, validation,
# configs, composition, the Optax integration) and the doctests. Everything else, the
# per-schedule reference values included, runs in `make test`. A module joins the fast set
# here; a heavy test of a fast module leaves it with `@pytest.mark.slow`.
FAST_MODULES = {
    "test_core.py",
    "test_validation.py",
    "test_config.py",
    "test_compose.py",
    "test_optax.py",
    "test_current_lr.py",
    "test_precise.py",
    "test_phases.py",
}
# Slow: builds, subprocesses, training runs, documentation sites, Hypothesis searches,
# every schedule on every device. Marked so that `-m "not slow"` leaves them out too.
SLOW_MODULES = {
    "test_install.py",
    "test_examples.py",
    "test_examples_plateau.py",
    "test_readme.py",
    "test_docs.py",
    "test_sharded.py",
    "test_checkpoint.py",
    "test_properties.py",
    "test_backends.py",
    "test_plotting.py",
    "test_cli.py",
    "test_lr_find.py",
    "test_stacks.py",
    "test_cooldown.py",
    "test_momentum.py",
    "test_units.py",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        name = item.path.name
        if name in FAST_MODULES or item.path.parent.name != "tests":  # the doctests of jaxsched/
            item.add_marker(pytest.mark.fast)
        elif name in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
