"""noam: factor * d_model**-0.5 * min(s**-0.5, s * warmup**-1.5), s = step + 1."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import INT32_MAX, assert_matches, assert_traced_construction, key_steps

import jaxsched


def reference(d_model, w, factor=1.0):
    def ref(t):
        s = np.maximum(np.asarray(t, dtype=np.float64), 0) + 1
        rise = s * w**-1.5 if w > 0 else np.inf
        return factor * d_model**-0.5 * np.minimum(s**-0.5, rise)

    return ref


CASES = [
    dict(d_model=512, warmup_steps=4000),
    dict(d_model=1024, warmup_steps=8000, factor=2.0),
    dict(d_model=768, warmup_steps=1),
    dict(d_model=64.0, warmup_steps=0, factor=0.5),
    dict(d_model=512, warmup_steps=INT32_MAX),
]


@pytest.mark.parametrize("kwargs", CASES)
def test_matches_reference(kwargs):
    s = jaxsched.noam(**kwargs)
    w = kwargs["warmup_steps"]
    steps = key_steps(*([w - 1, w] if w > 0 else [])) if w > 1 else key_steps(5)
    steps = np.unique(np.concatenate([steps, [w // 2, 123_456]]))
    steps = steps[steps <= INT32_MAX]
    assert_matches(s, reference(kwargs["d_model"], w, kwargs.get("factor", 1.0)), steps)


def test_peak_and_decay():
    s = jaxsched.noam(d_model=512, warmup_steps=4000)
    peak = float(s(3999))
    np.testing.assert_allclose(peak, (512 * 4000) ** -0.5, rtol=1e-6)
    x = np.asarray(s(np.arange(0, 20000, 7)))
    assert x.argmax() == np.argmin(np.abs(np.arange(0, 20000, 7) - 3999))
    np.testing.assert_allclose(float(s(15999)), peak / 2, rtol=1e-6)


@pytest.mark.parametrize("kwargs", CASES[:4])
def test_traced_construction(kwargs):
    assert_traced_construction(jaxsched.noam, kwargs, key_steps(max(kwargs["warmup_steps"], 1)))


@pytest.mark.parametrize("kwargs", CASES)
def test_round_trips(kwargs):
    s = jaxsched.noam(**kwargs)
    assert jaxsched.parse(repr(s)) == s
    assert jaxsched.from_config(s.to_config()) == s


def test_positional_arguments_are_refused():
    with pytest.raises(TypeError):
        jaxsched.noam(512, 4000)  # type: ignore[misc]
