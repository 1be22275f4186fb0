"""Shared numerics: fractions from exact integers, the curve shapes, one
interpolation between two values and one warmup, a branch-free table search.

Every curve goes from ``start`` to ``end`` over ``length`` steps. Both the
distance done and the distance left are exact integer differences, and the
value is interpolated from the nearer end, so a value close to ``end`` (a
decay to zero) or close to ``start`` keeps full float32 relative precision.
"""

import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.custom_batching import custom_vmap

from jaxsched._fields import INT32_MAX, WIDE_MAX

SHAPES = ("linear", "cosine", "1-sqrt", "square", "exponential")
WARMUP_SHAPES = ("linear", "cosine", "1-sqrt")
_LOG_MAX = float(np.nextafter(np.float32(np.log(np.finfo(np.float32).max)), np.float32(0)))  # exp below is finite


def reciprocal(length: jax.Array) -> jax.Array:
    """``1 / length`` in float32 for an integer length, 1 for an empty one."""
    return 1 / jnp.maximum(length, 1).astype(jnp.float32)


def fraction(num: jax.Array, den: jax.Array) -> jax.Array:
    """``num / den`` in float32 from exact integer operands; 0 where ``den`` is 0.

    A product with the reciprocal, whatever the shapes: XLA on CPU computes an
    array divided by a scalar that way, so a scalar step must too for the two
    to agree to the bit (and it keeps a vmap fast). Exactly 1 where
    ``num == den`` (2021 * (1/2021) is 0.99999994).
    """
    frac = jnp.asarray(num).astype(jnp.float32) * reciprocal(den)
    return jnp.where(den > 0, jnp.where(num == den, jnp.float32(1.0), frac), jnp.float32(0.0))


def lerp(start: jax.Array, end: jax.Array, t: jax.Array) -> jax.Array:
    """``start + (end - start) * t``."""
    return start + (end - start) * t


# sin(pi/2 x) / x in powers of x**2: its Taylor series to x**10, short by less than 6e-8 on [0, 1].
_SINE = [np.float32((-1) ** k * (np.pi / 2) ** (2 * k + 1) / math.factorial(2 * k + 1)) for k in range(6)]


def cosine_shape(x: jax.Array) -> jax.Array:
    """``0.5 * (1 - cos(pi * x))`` for ``x`` in [0, 1], written as ``sin(pi/2 * x)**2``: full
    relative precision for small ``x``. The sine is a polynomial (``_SINE``), within 3e-7 of the
    exact value as XLA's sine is, which reduces any argument first and costs more than the rest
    of a schedule's arithmetic. No two of its constants meet (XLA would fold them for a scalar
    and not for an array, which would then differ in the last bit), and ``x`` is read once (XLA
    does not copy a division into two fusions: a quotient read twice splits a schedule's fusion)."""
    x2 = x * x
    sine = _SINE[-1]
    for c in _SINE[-2::-1]:
        sine = sine * x2 + c
    return sine**2 * x2


def _weights(shape: str, x: jax.Array, r: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    """The weight of ``start`` at progress ``x`` and its complement, each computed without
    cancellation (``r = 1 - x`` exactly), and where the first is the larger (the value is taken
    from ``start`` there). A root is read once: XLA does not copy it into a second reader, and
    would end the step's loop there (its result written out for every step)."""
    if shape == "linear":
        return r, x, x <= r
    if shape == "cosine":  # one sine, at the nearer end; the other weight is its complement
        small, near_start = cosine_shape(jnp.minimum(x, r)), x <= r
        return jnp.where(near_start, 1 - small, small), jnp.where(near_start, small, 1 - small), near_start
    if shape == "1-sqrt":  # 1 - sqrt(x) = r / (1 + sqrt(1 - r)), the larger for x <= 1/4
        return r / (1 + jnp.sqrt(1 - r)), jnp.sqrt(x), x <= 0.25
    if shape == "square":
        return r * (1 + x), x * x, x * x <= r * (1 + x)
    raise ValueError(f"unknown shape {shape!r}")


def interpolate(
    start: jax.Array, end: jax.Array, done: jax.Array, length: jax.Array, shape: str = "linear",
    exponent: jax.Array | None = None, log_ratio: jax.Array | None = None, inv: jax.Array | None = None
) -> jax.Array:  # fmt: skip
    """From ``start`` (``done <= 0``) to ``end`` (``done >= length``) along ``shape``.

    ``done`` and ``length`` are integer step counts. The shapes give the weight
    of ``start`` at progress ``x``: ``linear`` 1 - x, ``cosine``
    0.5 (1 + cos(pi x)), ``1-sqrt`` 1 - sqrt(x), ``square`` 1 - x^2, raised to
    ``exponent`` if given; ``exponential`` is ``start * exp(x * log_ratio)``
    with ``log_ratio = log(end / start)``. ``inv`` is ``reciprocal(length)``, when the
    length is a selection of lengths whose reciprocals are known (a division per step costs more).
    """
    done = jnp.clip(done, 0, length)
    # Each of x and r is read only where it is at most 1/2: neither needs fraction's exact 1 (nor its 0
    # for an empty length, as done is 0 there), and the comparisons and selections are spared.
    inv = reciprocal(length) if inv is None else inv
    x, r = done.astype(jnp.float32) * inv, (length - done).astype(jnp.float32) * inv
    if shape == "exponential":
        assert log_ratio is not None
        near_end = end * jnp.exp(-r * log_ratio)
        return jnp.where(x <= r, start * jnp.exp(x * log_ratio), near_end)
    w, v, near_start = _weights(shape, x, r)
    if exponent is not None:  # w ** p, and 1 - w ** p without cancellation (finite gradients)
        powered = w**exponent, -jnp.expm1(exponent * jnp.log1p(-jnp.where(near_start, v, 0.0)))
        w, v = (_unless_one(exponent, a, b) for a, b in zip((w, v), powered, strict=True))
    return blend(start, end, v, w, near_start)


@jax.custom_jvp
def _unless_one(p: jax.Array, at_one: jax.Array, powered: jax.Array) -> jax.Array:
    """``powered`` (a function of ``p``), but exactly ``at_one`` where ``p == 1``: the bits of the
    program that skips an exponent of 1. Its derivatives are ``powered``'s, also at ``p == 1``."""
    return jnp.where(p == 1, at_one, powered)


_unless_one.defjvp(lambda primals, tangents: (_unless_one(*primals), tangents[2]))


def blend(start: jax.Array, end: jax.Array, v: jax.Array, w: jax.Array, near_start: jax.Array) -> jax.Array:
    """``start + (end - start) * v``, from ``start`` where ``near_start`` and from ``end`` (with
    ``w = 1 - v``, each exact) elsewhere: exact at both ends, a blend of two equal values is that
    value, and ``(end - start) / 2`` never overflows."""
    half = end * 0.5 - start * 0.5
    return jnp.where(near_start, start + half * v * 2, end - half * w * 2)


def warm(
    step: jax.Array, init: jax.Array, peak: jax.Array, warmup_steps: jax.Array, after: jax.Array, shape: str = "linear"
) -> jax.Array:
    """A warmup from ``init`` at step 0 to ``peak`` at ``warmup_steps``, then ``after``.

    The warmup is the mirror image of a decay of the same shape: a
    ``1-sqrt`` warmup rises as ``1 - sqrt(1 - p)``. A neutral warmup of 0 steps (None in
    the eager program) is none: ``after``.
    """
    if warmup_steps is None:
        return after
    ramp = interpolate(peak, init, warmup_steps - step, warmup_steps, shape)
    return jnp.where(step < warmup_steps, ramp, after)


def divide(step: jax.Array, period: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``(step // period, step % period)``, exact, for a step >= 0 and a period >= 1.

    A float32 quotient, then integer corrections: one more float32 quotient of the
    remainder (two for int64, whose first quotient is off by up to 2**38 / period),
    then +-1. XLA divides integers by a value known only at run time element by
    element, twice as slow for int32 and not vectorized for int64. Each remainder
    is exact modulo 2**32 (2**64) and lies within the step's type.
    """
    p = jnp.asarray(period).astype(step.dtype)
    pf = p.astype(jnp.float32)
    q = jnp.floor(step.astype(jnp.float32) / pf).astype(step.dtype)  # int32: off by up to 384 / period
    for _ in range(1 if step.dtype == jnp.int32 else 2):
        q = q + jnp.floor((step - q * p).astype(jnp.float32) / pf).astype(step.dtype)  # then off by one at most
    r = step - q * p
    low, high = r < 0, r >= p
    return q + high.astype(step.dtype) - low.astype(step.dtype), jnp.where(high, r - p, jnp.where(low, r + p, r))


def saturating_add(a: jax.Array, b: jax.Array) -> jax.Array:
    """``a + b`` for a step ``a`` and a shift ``b`` of its width, capped at the widest step
    (``2**31 - 1`` for int32, ``2**62`` for int64)."""
    top = INT32_MAX if jnp.asarray(a).dtype.itemsize == 4 else WIDE_MAX
    return jnp.where(a > top - jnp.maximum(b, 0), top, a + b)


def search(table: jax.Array, step: jax.Array) -> jax.Array:
    """How many entries of the sorted integer ``table`` are ``<= step``.

    Branch-free (no ``while``, no ``conditional``): for up to 32 entries a
    comparison with every entry, summed; for larger tables a descent of
    ``L = ceil(log2(n + 1))`` gathers through the table in breadth-first
    (Eytzinger) order, padded to ``2**L - 1`` entries with the largest integer:
    node ``i`` has children ``2i`` and ``2i + 1``, and the leaf reached,
    less ``2**L``, is the count.
    """
    table = jnp.asarray(table)
    n = table.shape[-1]
    if n <= 32:  # added up element by element: a reduction would end the step's fusion
        count = jnp.zeros(step.shape, jnp.int32)
        for i in range(n):
            count = count + (table[i] <= step).astype(jnp.int32)
        return count
    levels = int(n).bit_length()
    padded = jnp.concatenate([table, jnp.full(2**levels - 1 - n, jnp.iinfo(table.dtype).max, table.dtype)])
    i = np.maximum(np.arange(2**levels), 1)  # position 0 repeats the root (never read)
    depth = np.frexp(i)[1] - 1  # node i at depth d holds the entry of rank (2 (i - 2**d) + 1) 2**(L-1-d) - 1
    tree = padded[((2 * (i - 2**depth) + 1) << (levels - 1 - depth)) - 1]
    node = jnp.ones(step.shape, jnp.int32)
    for _ in range(levels):
        node = 2 * node + (tree[node] <= step).astype(jnp.int32)
    return jnp.minimum(node - 2**levels, n)


def pick(table: Any, i: jax.Array) -> jax.Array:
    """``table[i]`` for indices ``i`` in range. From up to 33 entries (a small table's values), a
    selection among them: a gather in the step's loop keeps XLA:CPU from vectorizing it (a
    ``search`` of 32 entries and a gather took 3x the time of a search and a selection)."""
    table = jnp.asarray(table)
    if table.shape[0] > 33:
        return table[i]
    return functools.reduce(lambda out, j: jnp.where(i == j, table[j], out), range(1, table.shape[0]), table[0])


def exp_words(rate: Any, xp: Any) -> Any:
    """The words of ``exp_steps(step, words) = exp(step * rate)``, last axis 4: ``4096 * rate``
    to 5 significant bits and its remainder, ``rate`` to 12 bits and its remainder."""
    words = []
    for v, bits in ((rate * 4096, 5), (rate, 12)):
        m, e = xp.frexp(v)
        head = xp.ldexp(xp.round(xp.ldexp(m, bits)), e - bits)
        words += [head, v - head]
    return xp.stack(words, -1).astype(xp.float32)


def exp_steps(step: jax.Array, words: jax.Array) -> jax.Array:
    """``exp(step * rate)`` for a step >= 0, ``rate`` given as ``exp_words``: float32 relative
    precision whatever the step (a float32 product ``step * rate`` would be off by
    ``|step * rate| * 6e-8``), with one ``exp`` and no division. Beyond float32's
    range the value is ``inf`` with a zero gradient (never NaN).

    ``step = 4096 a + b`` splits into words of 19 and 12 bits, whose products with the
    5- and 12-bit heads are exact; the sum of the two is kept as a head and a tail
    (``|4096 a rate| >= |b rate|``), then the products with the remainders are added.
    An int64 step is ``2**31 h + l``: two factors, the second exactly 1 below ``2**31``.
    """
    if step.dtype.itemsize == 8:
        return _exp_steps(step & INT32_MAX, words) * _exp_steps(step >> 31, words * 2.0**31)
    return _exp_steps(step, words)


def _exp_steps(step: jax.Array, words: jax.Array) -> jax.Array:
    a, b = (step >> 12).astype(jnp.float32), (step & 4095).astype(jnp.float32)
    big, small = a * words[..., 0], b * words[..., 2]
    head = big + small
    tail = small - (head - big)
    rest = a * words[..., 1] + b * words[..., 3]
    x = head + rest
    tail = tail + (rest - (x - head))
    finite = x < _LOG_MAX
    return jnp.where(finite, jnp.exp(jnp.where(finite, x, 0.0)) * (1 + tail), jnp.inf)


def every(period: Any, until: int) -> np.ndarray:
    """The multiples of ``period`` in ``(0, until]``, the first 1,000: the phases of a periodic schedule."""
    return np.arange(1, min(until // int(period), 1000) + 1, dtype=np.int64) * int(period)


def power(leaf: jax.Array, exponent: jax.Array) -> jax.Array:
    """``(hi + lo) ** exponent`` of a precise leaf (``F.value(precise=True)``: a
    hyperparameter kept to float64 precision as ``[hi, lo]`` float32 words, last
    axis 2), for ``hi > 0`` and a non-negative exponent.

    A factor raised to a large power needs more than float32
    (``float32(0.99994)`` is off by 3e-8, so ``0.99994 ** 100_000`` would be off
    by 0.3%). ``hi ** e`` with XLA's pow (accurate to a few ulp, exact for a
    power of two) times the correction ``(1 + lo/hi) ** e ~ exp(e * lo / hi)``,
    whose argument is small: float32 relative precision for any result that
    does not underflow.
    """
    hi, lo = leaf[..., 0], leaf[..., 1]
    e = exponent.astype(jnp.float32)
    ratio = jnp.where(hi != 0, lo / jnp.where(hi != 0, hi, 1.0), 0.0)
    return jnp.power(hi, e) * jnp.exp(e * ratio)


@custom_vmap
def _once(v: jax.Array) -> jax.Array:
    bits = jax.lax.bitcast_convert_type(v, jnp.int32)  # integers: every bit kept (a float division flushes subnormals)
    by_one, sort = lambda b: jax.lax.div(b, (b | 1) & 1), lambda b: jax.lax.sort(jnp.stack([b, b]))[0]
    return jax.lax.bitcast_convert_type(jax.lax.platform_dependent(bits, cpu=by_one, default=sort), jnp.float32)


@_once.def_vmap
def _(axis_size: int, in_batched: list[bool], v: jax.Array) -> tuple[jax.Array, bool]:
    return v, in_batched[0]  # a batch of values (a vmap sweep) is one array already


@jax.custom_jvp
def once(v: jax.Array) -> jax.Array:
    """A float32 scalar ``v`` unchanged (every bit), but computed once per compiled step.

    XLA copies a cheap scalar formula into every fusion that consumes it: a
    learning rate would be recomputed for each parameter leaf. It copies no
    division, and fuses the formula into it. On CPU the formula ends in an
    integer division of its bits by ``(bits | 1) & 1``, a 1 that XLA does not
    fold (a sort would cost a runtime call in every step there). Elsewhere (a
    GPU fuses by its own cost model) it ends in a sort of ``[bits, bits]``,
    which no backend fuses into a consumer. Consumers read the one result.
    Under ``vmap`` it is the identity.
    """
    return _once(v)


once.defjvp(lambda primals, tangents: (once(*primals), tangents[0]))
