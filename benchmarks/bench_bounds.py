"""How fast the generated bound functions are, against SymPy substitution.

Run with ``.venv/bin/python benchmarks/bench_bounds.py``. It evaluates the
parallel training bound at 10^6 random parameter points with the generated
numpy function, and at a sample of points with ``subs`` and ``evalf``, and
prints both rates and their ratio. Goals: at least 10^7 points per second
for the generated function, at least 1000 times the symbolic rate.
"""

import argparse
import time

import numpy as np

from lim_analysis import bounds
from lim_analysis.constants import K_B_J_PER_K


def random_points(count: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "N": 10 ** rng.uniform(3, 15, count),
        "K": 10 ** rng.uniform(1, 12, count),
        "b": rng.integers(1, 33, count).astype(float),
        "T_train": 10 ** rng.uniform(0, 9, count),
        "tau_D": 10 ** rng.uniform(-12, -3, count),
        "T": rng.uniform(4, 400, count),
    }


def generated_rate(points: dict, repeats: int = 5) -> float:
    args = [points[name] for name in ("N", "K", "b", "T_train", "tau_D", "T")]
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        bounds.training_bound_J(*args)
        best = min(best, time.perf_counter() - start)
    return len(points["N"]) / best


def symbolic_rate(points: dict, sample: int) -> float:
    expr = bounds.training_parallel_expr.subs(bounds.k_B, K_B_J_PER_K)
    symbols = {s.name: s for s in expr.free_symbols}
    start = time.perf_counter()
    for i in range(sample):
        expr.subs(
            {symbols[name]: float(values[i]) for name, values in points.items()}
        ).evalf()
    return sample / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--symbolic-sample", type=int, default=2_000)
    args = parser.parse_args()

    points = random_points(args.points)
    fast = generated_rate(points)
    slow = symbolic_rate(points, args.symbolic_sample)
    print(f"generated function: {fast:.3g} points/s ({args.points} points)")
    print(f"subs + evalf:       {slow:.3g} points/s ({args.symbolic_sample} points)")
    print(f"ratio:              {fast / slow:.3g}x")
    print(f"goals met: rate >= 1e7: {fast >= 1e7}; ratio >= 1000: {fast / slow >= 1e3}")


if __name__ == "__main__":
    main()
