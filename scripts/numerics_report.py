"""Accuracy of the kernels in the simulator under its Exp/Ln error models, and their vector passes
per element: the numbers behind README's "Numerics under an unknown Exp/Ln" table.

    python scripts/numerics_report.py [--size N]

Errors are against the float64 truth over logits with |x| <= 87 (below that exp(-|x|) is
subnormal in fp32 and no fp32 method keeps 1e-6 relative): fp32 as the largest relative error
(of the loss, and of dL/dx against the size of its two subtracted terms), fp16/bf16 as the
largest distance in ulps from the correctly rounded truth."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import ml_dtypes
import numpy as np

import ascend_bce
from ascend_bce.functional import binary_cross_entropy_with_logits_backward
from ascend_bce.reference import bce_with_logits_grad_reference, bce_with_logits_reference

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from conftest import round_to, ulp_distance  # noqa: E402  (the suite's own ulp helpers)
from test_bce_with_logits_backward import ulp  # noqa: E402

DTYPES = {"fp32": np.dtype(np.float32), "fp16": np.dtype(np.float16), "bf16": np.dtype(ml_dtypes.bfloat16)}
MODELS = {"exact": dict(mode="exact"), "1 ulp": dict(mode="ulp", max_ulp=1, seed=3),
          "2 ulp": dict(mode="ulp", max_ulp=2, seed=3), "4 ulp": dict(mode="ulp", max_ulp=4, seed=3),
          "abs-Ln": dict(mode="ln_abs", seed=3)}


def inputs(n: int, dtype: np.dtype, rng: np.random.Generator):
    x = np.concatenate([rng.standard_normal(n // 2) * 8, rng.uniform(-87, 87, n // 4),
                        np.sign(rng.standard_normal(n - n // 2 - n // 4)) * np.logspace(-7, np.log10(87), n - n // 2 - n // 4)])
    y = rng.choice([0.0, 1.0, 0.3], size=n)
    pw = rng.uniform(0.5, 4.0, n)
    return x.astype(dtype), y.astype(dtype), pw.astype(np.float32)


def error(out: np.ndarray, truth: np.ndarray, scale: np.ndarray, dtype: np.dtype, grad: bool = False) -> float:
    """fp32: relative to `scale`; 16-bit loss: ulps from the rounded truth; 16-bit gradient: in
    units of (1 ulp of the truth + 1e-6 x the subtracted terms), the suite's bound being 1."""
    err = np.abs(out.astype(np.float64) - truth)
    if dtype == np.float32:
        return float(np.max(err / np.maximum(scale, 1e-300)))
    if grad:
        return float(np.max(err / (ulp(truth, dtype) + 1e-6 * scale)))
    return float(ulp_distance(out, round_to(truth, dtype)).max())


def measure(n: int) -> list[str]:
    rng = np.random.default_rng(2026)
    rows = ["| model | " + " | ".join(f"{d} fwd | {d} dL/dx" for d in DTYPES) + " |",
            "|---|" + "---|" * (2 * len(DTYPES))]
    for name, model in MODELS.items():
        cells = []
        with ascend_bce.sim_math_errors(**model):
            for dtype in DTYPES.values():
                x, y, pw = inputs(n, dtype, rng)
                loss = ascend_bce.binary_cross_entropy_with_logits(x, y, reduction="none", pos_weight=pw)
                truth = bce_with_logits_reference(x, y, None, "none", pw)
                g = np.ones(n, dtype)
                grad = binary_cross_entropy_with_logits_backward(g, x, y, None, pw, "none")
                gtruth, gscale = bce_with_logits_grad_reference(g, x, y, None, pw, "none")
                fwd = error(loss, truth, np.abs(truth), dtype)
                bwd = error(grad, gtruth, gscale, dtype, grad=True)
                if dtype == np.float32:
                    cells += [f"{fwd:.2e}", f"{bwd:.2e}"]
                else:
                    cells += [f"{fwd:.0f} ulp", f"{bwd:.2f} of bound"]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return rows


def vector_passes(n: int) -> list[str]:
    """Vector repeats per element x 64 (one fp32 pass over a tile = tile / 64 repeats)."""
    rows = ["| case | vector passes per element | of which Exp, Div, Ln |", "|---|---|---|"]
    rng = np.random.default_rng(1)
    for dtype_name, dtype in DTYPES.items():
        for reduction in ("none", "mean"):
            x, y, _ = inputs(n, dtype, rng)
            ascend_bce.binary_cross_entropy_with_logits(x, y, reduction=reduction)
            stats = ascend_bce.last_kernel_stats()
            vec = {k: v for k, v in stats.repeats.items() if not k.startswith("DataCopy")}
            passes = sum(vec.values()) * 64 / n
            slow = sum(vec.get(k, 0) for k in ("Exp", "Div", "Ln")) * 64 / n
            rows.append(f"| {dtype_name} {reduction} | {passes:.1f} | {slow:.1f} |")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200_000, help="elements per case (default 200000)")
    args = parser.parse_args()
    if args.size < 64:
        parser.error("--size must be at least 64")
    print("\n".join(measure(args.size)))
    print()
    print("\n".join(vector_passes(args.size)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
