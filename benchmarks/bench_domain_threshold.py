"""How steady the novelty threshold is: the card's chi-type fit against the plain 99% quantile, across
training sets of other seeds and bootstrap resamples of each.

    python benchmarks/bench_domain_threshold.py [--procedure suturing] [--n 240]
        [--seed-sets 10000 20000 30000] [--bootstrap 60]

Each seed set is a training set as scripts/build_default_models.py makes it (the shipped models use seed
set 10000); its leave-out novelty distances are computed as the card's are (scoring/domain.py), and both
thresholds are printed with the training share beyond them, then their spread over bootstrap resamples
of the practices (each resample's distances recomputed from scratch). Generating 240 practices takes
about 1.5 CPU-minutes a seed set.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Optional

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))


def used_columns(matrix: np.ndarray) -> np.ndarray:
    from skillsight.scoring.domain import _robust_centre_scale, _varies

    centre, scale = _robust_centre_scale(matrix)
    return np.flatnonzero(np.isfinite(centre) & (scale > 0) & _varies(matrix))


def thresholds(matrix: np.ndarray) -> tuple[dict[str, float], np.ndarray]:
    from skillsight.scoring.domain import THRESHOLD_QUANTILE, chi_type_quantile, leave_out_distances

    distances = leave_out_distances(matrix[:, used_columns(matrix)])
    values = {
        "plain 99% quantile": float(np.quantile(distances, THRESHOLD_QUANTILE)),
        "chi-type fit (card)": chi_type_quantile(distances, THRESHOLD_QUANTILE)[0],
    }
    return values, distances


def training_matrix(procedure: str, n: int, seed0: int) -> np.ndarray:
    import build_default_models as build

    from skillsight.scoring.procedure import load_procedure

    matrix, *_ = build.training_set(load_procedure(procedure), n, seed0=seed0)
    return np.where(np.isfinite(matrix), matrix, np.nan)


def report(name: str, matrix: np.ndarray, n_boot: int, rng: np.random.Generator) -> dict[str, float]:
    full, distances = thresholds(matrix)
    boot: dict[str, list[float]] = {k: [] for k in full}
    for _ in range(n_boot):
        values, _ = thresholds(matrix[rng.integers(0, len(matrix), len(matrix))])
        for k, v in values.items():
            boot[k].append(v)
    for k, v in full.items():
        b = np.array(boot[k])
        print(
            f"{name:>10s} {k:20s} {v:6.2f}  beyond {np.mean(distances > v):.3f} | bootstrap mean "
            f"{b.mean():5.2f} sd {b.std():4.2f} "
            f"(p5-p95 {np.quantile(b, 0.05):.2f}-{np.quantile(b, 0.95):.2f})"
        )
    return full


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--procedure", default="suturing")
    parser.add_argument("--n", type=int, default=240)
    parser.add_argument("--seed-sets", type=int, nargs="+", default=[10_000, 20_000, 30_000])
    parser.add_argument("--bootstrap", type=int, default=60)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    per_set: dict[str, list[float]] = {}
    for seed0 in args.seed_sets:
        full: dict[str, Any] = report(
            f"seeds {seed0}", training_matrix(args.procedure, args.n, seed0), args.bootstrap, rng
        )
        for k, v in full.items():
            per_set.setdefault(k, []).append(v)
    for k, values in per_set.items():
        print(f"across seed sets, {k}: {' / '.join(f'{v:.2f}' for v in values)} (range {np.ptp(values):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
