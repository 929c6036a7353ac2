"""CLI: `python -m ascend_bce` runs the demo; `python -m ascend_bce bench` the benchmark."""
from __future__ import annotations

import argparse
import time
from typing import Optional, Sequence

import numpy as np

from . import binary_cross_entropy_with_logits, last_kernel_stats
from ._cli_args import DEMO_BATCH, DEMO_CLASSES, positive_int
from ._dtypes import NUMPY_DTYPES, dtype_name
from .reference import bce_with_logits_reference

SIM_SPEED_SIZE = 1 << 20  # the simulator's own speed target is for 2^20 elements


def _print_stats(stats) -> None:
    print(f"  blocks launched      : {stats.block_dim} on {stats.soc}")
    print(f"  GM bytes read        : {stats.gm_bytes_read:,}")
    print(f"  GM bytes written     : {stats.gm_bytes_written:,}")
    print(f"  UB peak per core     : {stats.ub_peak_bytes:,} B")
    print(f"  SyncAll barriers     : {stats.sync_all_count}")
    print(f"  modelled A2 time     : {stats.modelled_a2_us:.1f} us (per-pipe timeline, not measured; "
          f"perfect-overlap bound {stats.analytic_a2_us:.1f} us)")
    timeline = stats.timeline
    pipes = ("S", "V", "MTE2", "MTE3")
    print(f"  slowest block {timeline['slowest_block']:<6} : bound by {timeline['bound_by']}; busy / stalled us "
          + ", ".join(f"{p} {timeline['busy_us'][p]:.1f} / {timeline['stall_us'][p]:.1f}" for p in pipes))
    top = sorted(stats.instructions.items(), key=lambda kv: -stats.repeats.get(kv[0], 0))
    print("  vector/copy instructions (count, 256-B repeats):")
    for name, count in top:
        print(f"    {name:<12} {count:>8,}  {stats.repeats.get(name, 0):>12,}")


def demo(batch: int, classes: int, dtype: str, soc: str) -> None:
    """A multi-label batch with a per-class pos_weight, as in a real training step."""
    rng = np.random.default_rng(0)
    np_dtype = NUMPY_DTYPES[dtype]
    logits = (rng.standard_normal((batch, classes)) * 3).astype(np_dtype)
    labels = (rng.random((batch, classes)) < 0.05).astype(np_dtype)
    pos_weight = np.full(classes, 19.0, dtype=np.float32)  # ~ negatives/positives at 5 % positives
    print(f"BCEWithLogitsLoss on a {batch}x{classes} {dtype} multi-label batch, pos_weight [{classes}], "
          f"reduction='mean', simulated {soc}")
    start = time.perf_counter()
    loss = binary_cross_entropy_with_logits(logits, labels, pos_weight=pos_weight, soc=soc)
    elapsed = time.perf_counter() - start
    truth = bce_with_logits_reference(logits, labels, pos_weight=pos_weight)
    print(f"  ascend_bce (kernel)  : {float(loss):.9g}   ({elapsed:.2f} s in the CPU simulator)")
    print(f"  float64 reference    : {float(truth):.9g}   (rel. error {abs(float(loss) / truth - 1):.2e})")
    try:
        import torch

        def to_torch(a: np.ndarray) -> "torch.Tensor":  # NumPy has no bfloat16 torch.from_numpy takes
            return torch.from_numpy(a.astype(np.float32)).to(getattr(torch, dtype_name(a.dtype)))

        ref = torch.nn.functional.binary_cross_entropy_with_logits(
            to_torch(logits), to_torch(labels), pos_weight=torch.from_numpy(pos_weight))
        print(f"  {'torch ' + torch.__version__:<21}: {float(ref):.9g}")
    except ImportError:
        print("  torch                : not installed")
    _print_stats(last_kernel_stats())


def main(argv: Optional[Sequence[str]] = None) -> int:
    from .bench_cli import add_arguments

    parser = argparse.ArgumentParser(prog="python -m ascend_bce", description=__doc__)
    parser.add_argument("command", nargs="?", default="demo", choices=["demo", "bench"])
    parser.add_argument("--batch", type=positive_int, help=f"demo: rows (default {DEMO_BATCH}); "
                        "bench: deprecated, use --size")
    parser.add_argument("--classes", type=positive_int, help=f"demo: classes (default {DEMO_CLASSES}); "
                        "bench: deprecated, use --size")
    parser.add_argument("--dtype", default="float32", choices=list(NUMPY_DTYPES))
    parser.add_argument("--soc", default="910B1", choices=["910B1", "910B2", "910B3", "910B4"])
    parser.add_argument("--sim-speed", action="store_true", help="bench: also time the simulator itself")
    add_arguments(parser)
    args = parser.parse_args(argv)
    if args.command == "bench":
        from .bench_cli import run

        code = 0
        if args.sim_speed:
            from .bench import print_report, run_benchmarks

            results = run_benchmarks(args.size or SIM_SPEED_SIZE)
            print_report(results)
            code = 0 if all(r.meets_target for r in results) else 1
        return max(run(args), code)
    demo(args.batch or DEMO_BATCH, args.classes or DEMO_CLASSES, args.dtype, args.soc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
