"""jaxsched: learning-rate schedules for JAX and Optax."""

from jaxsched._compose import clip, join, multiply, offset, repeat, scale, warmup
from jaxsched._config import from_config, parse
from jaxsched._core import Schedule
from jaxsched._cosine import cosine
from jaxsched._cyclic import cyclic, one_cycle
from jaxsched._current_lr import current_lr
from jaxsched._exponential import exponential, multistep_decay, step_decay
from jaxsched._hf import from_hf
from jaxsched._piecewise import piecewise_constant, piecewise_interpolate
from jaxsched._plateau import reduce_on_plateau
from jaxsched._polynomial import constant, linear, polynomial
from jaxsched._warmup import rsqrt, warmup_constant, warmup_cosine, warmup_linear, wsd

__version__ = "0.1.0"

__all__ = [
    "Schedule",
    "clip",
    "constant",
    "cosine",
    "cyclic",
    "current_lr",
    "exponential",
    "from_config",
    "from_hf",
    "join",
    "linear",
    "multiply",
    "multistep_decay",
    "offset",
    "one_cycle",
    "parse",
    "piecewise_constant",
    "piecewise_interpolate",
    "polynomial",
    "reduce_on_plateau",
    "repeat",
    "rsqrt",
    "scale",
    "step_decay",
    "warmup",
    "warmup_constant",
    "warmup_cosine",
    "warmup_linear",
    "wsd",
]
