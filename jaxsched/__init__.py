"""jaxsched: learning-rate schedules for JAX and Optax."""

from jaxsched._compose import clip, multiply, offset, repeat, scale, warmup
from jaxsched._config import from_config, parse
from jaxsched._cooldown import cooldown
from jaxsched._core import Schedule
from jaxsched._cosine import cosine, cosine_cycles, tanh_decay
from jaxsched._current_lr import current_lr
from jaxsched._cyclic import cyclic, one_cycle
from jaxsched._exponential import exponential, multistep_decay, step_decay
from jaxsched._hf import from_hf
from jaxsched._join import join
from jaxsched._lr_find import LRFindResult, lr_find, lr_find_nnx
from jaxsched._momentum import cyclic_momentum, one_cycle_momentum
from jaxsched._noam import noam
from jaxsched._noise import noise
from jaxsched._piecewise import piecewise_constant, piecewise_interpolate
from jaxsched._plateau import reduce_on_plateau
from jaxsched._polynomial import constant, linear, polynomial
from jaxsched._restarts import sgdr
from jaxsched._stacks import from_big_vision, from_maxtext
from jaxsched._tri_stage import tri_stage
from jaxsched._units import per_step
from jaxsched._warmup import rsqrt, warmup_constant, warmup_cosine, warmup_linear, wsd

__version__ = "0.1.0"

# fmt: off
__all__ = [
    "LRFindResult", "Schedule", "clip", "constant", "cooldown", "cosine", "cosine_cycles", "current_lr", "cyclic",
    "cyclic_momentum", "exponential", "from_big_vision", "from_config", "from_hf", "from_maxtext", "join", "linear",
    "lr_find", "lr_find_nnx", "multiply", "multistep_decay", "noam", "noise", "offset", "one_cycle",
    "one_cycle_momentum", "parse", "per_step", "piecewise_constant", "piecewise_interpolate", "polynomial",
    "reduce_on_plateau", "repeat", "rsqrt", "scale", "sgdr", "step_decay", "tanh_decay", "tri_stage", "warmup",
    "warmup_constant", "warmup_cosine", "warmup_linear", "wsd",
]
# fmt: on


def __getattr__(name: str):  # the submodules that pull heavier imports load on first use
    if name in ("optax_compat", "plotting"):
        import importlib

        return importlib.import_module(f"jaxsched.{name}")
    raise AttributeError(f"module 'jaxsched' has no attribute {name!r}")
