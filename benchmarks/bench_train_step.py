"""A schedule in the training step: jaxsched vs Optax vs a float learning rate.

An AdamW step of an MLP (width 64, batch 32) with N parameter leaves (N/2
Dense layers, kernel + bias), jitted, with each schedule as the learning rate
and its Optax counterpart, against a float learning rate. Reports, per
schedule and per library:

- extra optimized-HLO instructions per parameter leaf vs the float learning
  rate (slope over N = 6, 24, 96 of the instruction-count difference);
- the ``while`` and ``conditional`` ops in the compiled step (N = 96);
- the compile-time ratio (lower + compile, fresh jit each) vs the float
  learning rate at N = 96;
- the step-time ratio vs the float learning rate at N = 6;

the same for ``optax.inject_hyperparams(optax.adamw)(learning_rate=...)``
(against the injected float learning rate), ``reduce_on_plateau`` against
``optax.contrib.reduce_on_plateau`` (and whether a new instance recompiles),
and the eager cost of ``jaxsched.current_lr``. Every ratio is the median and
p10-p90 over interleaved rounds. Run: ``python benchmarks/bench_train_step.py``.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
import optax.contrib
from _common import calls, cases, check_same, fmt_ratio, fmt_us, interleaved, ratios, table, versions

import jaxsched

WIDTH, BATCH = 64, 32
LEAVES = (6, 24, 96)


def init_mlp(n_leaves: int) -> list[dict[str, jax.Array]]:
    keys = jax.random.split(jax.random.key(0), n_leaves // 2)
    return [{"w": jax.random.normal(k, (WIDTH, WIDTH)) / WIDTH**0.5, "b": jnp.zeros(WIDTH)} for k in keys]


def data(n_leaves: int) -> tuple[list[dict[str, jax.Array]], jax.Array, jax.Array]:
    """The MLP's parameters and one batch (inputs, targets)."""
    x = jax.random.normal(jax.random.key(1), (BATCH, WIDTH))
    return init_mlp(n_leaves), x, jax.random.normal(jax.random.key(2), (BATCH, WIDTH))


def loss_fn(params: list[dict[str, jax.Array]], x: jax.Array, y: jax.Array) -> jax.Array:
    for layer in params[:-1]:
        x = jnp.tanh(x @ layer["w"] + layer["b"])
    x = x @ params[-1]["w"] + params[-1]["b"]
    return jnp.mean((x - y) ** 2)


def make_step(opt: optax.GradientTransformation, metric: bool = False):
    """A fresh train step (a new function each call, so a fresh jit traces it)."""

    def step(params, opt_state, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        if metric:
            updates, opt_state = opt.update(grads, opt_state, params, value=loss)
        else:
            updates, opt_state = opt.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    return step


class Variant:
    """One optimizer: builds a fresh jitted step on demand."""

    def __init__(self, make_opt, metric: bool = False):
        self.make_opt, self.metric = make_opt, metric

    def args(self, n_leaves: int):
        params, x, y = data(n_leaves)
        return params, self.make_opt().init(params), x, y

    def lower(self, args):
        """A fresh jit of the step, lowered for ``args`` (from ``self.args``)."""
        return jax.jit(make_step(self.make_opt(), self.metric)).lower(*args)


def hlo_stats(compiled) -> tuple[int, int, int]:
    """(instructions, while ops, conditional ops) in the optimized HLO text."""
    lines = [ln for ln in compiled.as_text().splitlines() if " = " in ln]
    n_while = sum(1 for ln in lines if re.search(r" while\(", ln))
    n_cond = sum(1 for ln in lines if re.search(r" conditional\(", ln))
    return len(lines), n_while, n_cond


def slope(ns, ys) -> float:
    return float(np.polyfit(np.asarray(ns, float), np.asarray(ys, float), 1)[0])


def measure(variants: dict[str, Variant], args, compile_rounds: int) -> dict[str, dict]:
    """HLO counts at every N, compile times at N = 96 (none when ``compile_rounds`` is 0),
    step times at N = 6; the timings in interleaved rounds."""
    out: dict[str, dict] = {}
    small, big = LEAVES[0], LEAVES[-1]
    jitted = {}  # N = 6: the jitted step whose compile the HLO count used (its first call reuses it)
    for name, v in variants.items():
        f, state = jax.jit(make_step(v.make_opt(), v.metric)), list(v.args(small))
        out[name] = {"hlo": [hlo_stats(f.lower(*state).compile())]}
        out[name]["hlo"] += [hlo_stats(v.lower(v.args(n)).compile()) for n in LEAVES[1:-1]]
        jitted[name] = f, state
    big_args = {name: v.args(big) for name, v in variants.items()}  # built outside the timed compiles

    def compile_once(name: str, v: Variant):
        def fn():
            compiled = v.lower(big_args[name]).compile()
            if len(out[name]["hlo"]) < len(LEAVES):  # the N = 96 counts, from the first compile
                out[name]["hlo"].append(hlo_stats(compiled))

        return fn

    compile_fns = {k: compile_once(k, v) for k, v in variants.items()}
    if compile_rounds:  # (c): a fresh jit (a new step function) per round
        ct = interleaved(compile_fns, compile_rounds)
        for name in variants:
            out[name]["compile"] = ct[name]
    else:
        for fn in compile_fns.values():
            fn()
    # (d): step time at N = 6
    bodies = {}
    for name, (f, state) in jitted.items():

        def body(f=f, state=state):
            params, opt_state, x, y = state
            loss = None
            for _ in range(args.steps):
                params, opt_state, loss = f(params, opt_state, x, y)
            jax.block_until_ready(loss)
            state[0], state[1] = params, opt_state

        body()  # warm up
        bodies[name] = body
    st = interleaved(bodies, args.rounds)
    for name in variants:
        out[name]["step"] = st[name]
    return out


def hlo_cells(res: dict, base: dict) -> list[str]:
    extra = [a[0] - b[0] for a, b in zip(res["hlo"], base["hlo"], strict=True)]
    _, w, c = res["hlo"][-1]
    return [f"{slope(LEAVES, extra):+.1f}", f"{extra[0]:+d}", f"{w}/{c}"]


def by_count(count: jax.Array) -> jax.Array:
    """The least a schedule can be: a learning rate computed from the step count, nothing else."""
    return count.astype(jnp.float32) * 3e-9


def stateless_tables(args) -> None:
    schedules = cases()
    for name, ours, theirs in schedules:
        check_same(name, ours, theirs)
    lr = 3e-4
    for title, wrap, base_opt, compile_rounds in (
        ("optax.adamw(learning_rate=schedule)", optax.adamw, lambda: optax.adamw(lr), args.compile_rounds),
        (
            "optax.inject_hyperparams(optax.adamw)(learning_rate=schedule)",
            optax.inject_hyperparams(optax.adamw),
            lambda: optax.inject_hyperparams(optax.adamw)(learning_rate=lr),
            0,  # compile times: see the first table (the whole default run stays near 2 minutes)
        ),
    ):
        variants = {"float": Variant(base_opt), "by count": Variant(lambda w=wrap: w(learning_rate=by_count))}
        for name, ours, theirs in schedules:
            variants[f"{name}/jaxsched"] = Variant(lambda s=ours, w=wrap: w(learning_rate=s))
            variants[f"{name}/optax"] = Variant(lambda s=theirs, w=wrap: w(learning_rate=s))
        res = measure(variants, args, compile_rounds)
        base = res["float"]
        n0, w0, c0 = base["hlo"][-1]
        print(f"== {title}")
        print(
            f"baseline: the same step with a float learning rate ({n0} HLO instructions at N={LEAVES[-1]}, "
            f"while/cond {w0}/{c0}, step {fmt_us(base['step'], args.steps).strip()} µs at N={LEAVES[0]}"
            + (
                f", compile {statistics.median(base['compile']) * 1e3:.0f} ms at N={LEAVES[-1]})"
                if compile_rounds
                else ")"
            )
        )
        print(
            "HLO/leaf: slope over N=6,24,96 of (instructions - float's); HLO@6: the difference at N=6; "
            "w/c: while/conditional ops at N=96"
        )
        rows = []
        for name, _, _ in schedules:
            row = [name]
            for lib in ("jaxsched", "optax"):
                row += hlo_cells(res[f"{name}/{lib}"], base)
            for what in ("compile", "step") if compile_rounds else ("step",):
                for lib in ("jaxsched", "optax"):
                    row.append(fmt_ratio(ratios(res[f"{name}/{lib}"][what], base[what])))
            rows.append(row)
        header = [
            "schedule",
            "js HLO/leaf",
            "HLO@6",
            "w/c",
            "optax HLO/leaf",
            "HLO@6",
            "w/c",
        ]
        ratio_cols = ["js compile/float", "optax compile/float"] if compile_rounds else []
        ratio_cols += ["js step/float", "optax step/float"]
        table(header + ratio_cols, [22, 11, 6, 4, 14, 6, 4] + [22] * len(ratio_cols), rows)
        ref, what = res["by count"], ("compile", "step") if compile_rounds else ("step",)
        print(
            "reference, what any schedule costs in this step (learning_rate=lambda count: count * 3e-9): "
            f"HLO/leaf {hlo_cells(ref, base)[0]}, "
            + ", ".join(f"{w}/float {fmt_ratio(ratios(ref[w], base[w])).strip()}" for w in what)
        )
        print()


class _Idle:
    """A stateful schedule that does nothing (a counter, a constant value): the cost of injecting one."""

    def init(self):
        return jnp.zeros([], jnp.int32)

    def update(self, state, **extra_args):
        return state + 1

    def __call__(self, state, **extra_args):
        return jnp.float32(3e-4)


def plateau_table(args) -> None:
    lr = 3e-4
    js = jaxsched.reduce_on_plateau(base=lr, factor=0.5, patience=5)
    chained = jaxsched.reduce_on_plateau(factor=0.5, patience=5)  # base 1: a multiplier of adamw(lr)
    variants = {
        "float": Variant(lambda: optax.adamw(lr)),
        "jaxsched": Variant(lambda: optax.inject_hyperparams(optax.adamw)(learning_rate=js), metric=True),
        "jaxsched, as_transformation()": Variant(
            lambda: optax.chain(optax.adamw(lr), chained.as_transformation()), metric=True
        ),
        "optax": Variant(
            lambda: optax.chain(optax.adamw(lr), optax.contrib.reduce_on_plateau(factor=0.5, patience=5)),
            metric=True,
        ),
        "inject_hyperparams, float lr (reference)": Variant(
            lambda: optax.inject_hyperparams(optax.adamw)(learning_rate=lr)
        ),
        "inject_hyperparams, idle stateful (reference)": Variant(
            lambda: optax.inject_hyperparams(optax.adamw)(learning_rate=_Idle()), metric=True
        ),
    }
    res = measure(variants, args, args.compile_rounds)
    base = res["float"]
    print("== reduce_on_plateau: jaxsched (inject_hyperparams(adamw), learning_rate=schedule), and chained as")
    print("   optax.chain(optax.adamw(lr), schedule.as_transformation()) (base 1.0), vs")
    print("   optax.chain(optax.adamw(lr), optax.contrib.reduce_on_plateau(...)); all fed value=loss;")
    print("   float: optax.adamw(lr) (the compile at N=96, the step at N=6)")
    rows = []
    references = [name for name in variants if name.endswith("(reference)")]
    what = ("compile", "step") if args.compile_rounds else ("step",)  # no compile times with --compile-rounds 0
    for lib in ("jaxsched", "jaxsched, as_transformation()", "optax", *references):
        r = res[lib]
        rows.append([lib, *hlo_cells(r, base), *(fmt_ratio(ratios(r[w], base[w])) for w in what)])
    table(
        ["reduce_on_plateau", "HLO/leaf", "HLO@6", "w/c", *(f"{w}/float" for w in what)],
        [46, 9, 6, 4, *(22 for _ in what)],
        rows,
    )
    for lib in ("jaxsched", "jaxsched, as_transformation()"):
        q = ratios(res["optax"]["step"], res[lib]["step"])
        print(f"step time at N={LEAVES[0]}, optax.contrib / {lib}: {fmt_ratio(q).strip()}")

    # Recompiles: the schedule (a pytree) as an argument of the jitted step, vs
    # Optax's transformation (functions: only a static argument can carry it).
    params, x, y = data(LEAVES[0])

    def js_step(sched, params, opt_state, x, y):
        return make_step(optax.inject_hyperparams(optax.adamw)(learning_rate=sched), metric=True)(
            params, opt_state, x, y
        )

    def optax_step(opt, params, opt_state, x, y):
        return make_step(opt, metric=True)(params, opt_state, x, y)

    f_js = jax.jit(js_step)
    f_ox = jax.jit(optax_step, static_argnums=0)
    sizes = {"jaxsched": [], "optax": []}
    for factor, patience in ((0.5, 5), (0.3, 7)):
        s = jaxsched.reduce_on_plateau(base=lr, factor=factor, patience=patience)
        state = optax.inject_hyperparams(optax.adamw)(learning_rate=s).init(params)
        jax.block_until_ready(f_js(s, params, state, x, y))
        sizes["jaxsched"].append(f_js._cache_size())
        o = optax.chain(optax.adamw(lr), optax.contrib.reduce_on_plateau(factor=factor, patience=patience))
        jax.block_until_ready(f_ox(o, params, o.init(params), x, y))
        sizes["optax"].append(f_ox._cache_size())
    print(
        "new instance (factor 0.5, patience 5 -> 0.3, 7), compiled versions of the jitted step: "
        f"jaxsched schedule as a jit argument {sizes['jaxsched'][0]} -> {sizes['jaxsched'][1]}; "
        f"optax transformation as a static argument {sizes['optax'][0]} -> {sizes['optax'][1]}"
    )
    print()


def current_lr_table(args) -> None:
    rows = []
    params = init_mlp(LEAVES[0])
    schedules = [(n, s) for n, s, _ in cases()]
    fns = {}
    for name, s in schedules:
        opt = optax.adamw(learning_rate=s)
        state = opt.init(params)
        state = jax.tree.map(lambda a: jnp.full_like(a, 1001) if a.dtype == jnp.int32 else a, state)
        fns[f"{name}/current_lr"] = calls(lambda st=state, s=s: jaxsched.current_lr(st, s), args.calls)
        fns[f"{name}/call"] = calls(lambda s=s: s(1000), args.calls)
    for fn in fns.values():
        fn()  # warm up
    t = interleaved(fns, args.rounds)
    for name, _ in schedules:
        a, b = t[f"{name}/current_lr"], t[f"{name}/call"]
        rows.append([name, fmt_us(a, args.calls), fmt_us(b, args.calls), fmt_ratio(ratios(a, b))])
    print("== eager jaxsched.current_lr(opt_state, schedule) (adamw state) vs schedule(1000)")
    table(["schedule", "current_lr µs", "call µs", "current_lr / call"], [22, 13, 10, 22], rows)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=41, help="interleaved rounds for step and eager timings")
    parser.add_argument("--steps", type=int, default=100, help="train steps per round (N=6)")
    parser.add_argument("--compile-rounds", type=int, default=5, help="compiles per variant at N=96")
    parser.add_argument("--calls", type=int, default=200, help="eager calls per round")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    print(versions())
    print(
        f"MLP width {WIDTH}, batch {BATCH}; ratios: median (p10-p90) over interleaved rounds "
        f"({args.rounds} rounds of {args.steps} steps; {args.compile_rounds} compiles at N={LEAVES[-1]})"
    )
    print()
    stateless_tables(args)
    plateau_table(args)
    current_lr_table(args)
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
