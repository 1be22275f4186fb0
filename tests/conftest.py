"""Test-wide settings: strict dtype promotion, so a hidden int/float mix fails."""

import jax

jax.config.update("jax_numpy_dtype_promotion", "strict")
