"""Cases, inputs and the float64 golden check of the CANN-simulator run (scripts/run_cann_sim.sh).

    python scripts/cann_sim/golden.py gen --out DIR [--cases a,b]    # DIR/<case>/{meta.txt,*.bin}
    python scripts/cann_sim/golden.py compare --out DIR [--cases a,b] # DIR/<case>/out.bin vs float64

`gen` writes each case's inputs (raw little-endian arrays) and meta.txt, the description the
launcher reads; `compare` checks the launcher's out.bin against the float64 reference
(ascend_bce.reference) with the test suite's bounds and exits 1 naming every case that misses."""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import importlib.util

import ml_dtypes
import numpy as np

# The float64 reference needs NumPy only: load it from the source tree without importing the
# ascend_bce package (whose compiled _C a CANN host running this script need not have built).
_REFERENCE_PATH = Path(__file__).resolve().parents[2] / "python" / "ascend_bce" / "reference.py"
_spec = importlib.util.spec_from_file_location("ascend_bce_reference", _REFERENCE_PATH)
_reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_reference)
bce_with_logits_reference = _reference.bce_with_logits_reference
bce_with_logits_grad_reference = _reference.bce_with_logits_grad_reference
bce_with_logits_target_grad_reference = _reference.bce_with_logits_target_grad_reference

DTYPES = {"float32": np.dtype(np.float32), "float16": np.dtype(np.float16),
          "bfloat16": np.dtype(ml_dtypes.bfloat16)}
REDUCTION_CODES = {"none": 0, "mean": 1, "sum": 2}
# Bounds of the test suite (tests/conftest.py, tests/test_bce_with_logits_backward.py): fp32 loss
# within RTOL32 of the float64 truth, 16-bit within MAX_ULP16 of the correctly rounded truth;
# gradients within RTOL32 of the magnitude of their two subtracted terms (+ one ulp in 16-bit).
RTOL32 = 1e-6
MAX_ULP16 = 1
# The device's Exp is not exact: below the normal range a result a few ulps off is off by tens of
# percent (the suite's error-model allowance).
SUBNORMAL_REL = 0.25
SEED = 2201  # dav-2201


@dataclass(frozen=True)
class Case:
    name: str
    kernel: str  # forward, backward, backward_target
    dtype: str
    shape: Tuple[int, ...]
    reduction: str
    weight: Optional[Tuple[Tuple[int, ...], str]] = None
    pos_weight: Optional[Tuple[Tuple[int, ...], str]] = None
    extra: Dict[str, str] = field(default_factory=dict)


CASES: List[Case] = [
    Case("fp32_mean_posweight", "forward", "float32", (64, 1000), "mean", pos_weight=((1000,), "float32")),
    Case("fp32_none_weight_row", "forward", "float32", (33, 257), "none", weight=((33, 1), "float16")),
    Case("fp16_sum_mixed", "forward", "float16", (8, 3, 130), "sum", weight=((3, 1), "float32"),
         pos_weight=((130,), "bfloat16")),
    Case("bf16_none_full_weight", "forward", "bfloat16", (40, 96), "none", weight=((40, 96), "bfloat16")),
    Case("fp32_mean_large", "forward", "float32", (2048, 1000), "mean"),
    Case("fp32_empty_mean", "forward", "float32", (0, 5), "mean"),
    Case("fp32_grad_none", "backward", "float32", (64, 1000), "none", pos_weight=((1000,), "float32")),
    Case("fp16_grad_mean", "backward", "float16", (17, 300), "mean", weight=((300,), "float32")),
    Case("bf16_target_grad_sum", "backward_target", "bfloat16", (12, 64), "sum", pos_weight=((1,), "float32")),
]


def select(names: Optional[str]) -> List[Case]:
    if not names:
        return list(CASES)
    by_name = {c.name: c for c in CASES}
    unknown = [n for n in names.split(",") if n not in by_name]
    if unknown:
        raise SystemExit(f"golden.py: unknown case(s) {', '.join(unknown)}; known: {', '.join(by_name)}")
    return [by_name[n] for n in names.split(",")]


def output_shape(case: Case) -> Tuple[int, ...]:
    return () if case.kernel == "forward" and case.reduction != "none" else case.shape


def inputs(case: Case) -> Dict[str, np.ndarray]:
    """The case's operands, reproducible from its name."""
    rng = np.random.default_rng([SEED, *case.name.encode()])
    dtype = DTYPES[case.dtype]
    arrays = {"input": rng.normal(0.0, 4.0, case.shape).astype(dtype),
              "target": rng.uniform(0.0, 1.0, case.shape).astype(dtype)}
    for name, spec in (("weight", case.weight), ("pos_weight", case.pos_weight)):
        if spec:
            arrays[name] = rng.uniform(0.25, 3.0, spec[0]).astype(DTYPES[spec[1]])
    if case.kernel != "forward":
        shape = case.shape if case.reduction == "none" else ()
        arrays["grad_output"] = rng.uniform(0.5, 2.0, shape).astype(dtype)
    return arrays


def meta(case: Case, arrays: Dict[str, np.ndarray]) -> str:
    """What the launcher reads: one `key value...` per line."""
    lines = [f"kernel {case.kernel}", f"dtype {case.dtype}", f"reduction {REDUCTION_CODES[case.reduction]}",
             f"input_shape {' '.join(map(str, case.shape))}".rstrip()]
    for name, spec in (("weight", case.weight), ("pos_weight", case.pos_weight)):
        if spec:
            lines += [f"{name}_shape {' '.join(map(str, spec[0]))}".rstrip(), f"{name}_dtype {spec[1]}"]
    if "grad_output" in arrays:
        lines.append(f"grad_output_shape {' '.join(map(str, arrays['grad_output'].shape))}".rstrip())
    lines.append(f"output_shape {' '.join(map(str, output_shape(case)))}".rstrip())
    return "\n".join(lines) + "\n"


def generate(out: Path, cases: Sequence[Case]) -> None:
    for case in cases:
        directory = out / case.name
        directory.mkdir(parents=True, exist_ok=True)
        arrays = inputs(case)
        for name, array in arrays.items():
            np.ascontiguousarray(array).tofile(directory / f"{name}.bin")
        (directory / "meta.txt").write_text(meta(case, arrays))
        (directory / "out.bin").unlink(missing_ok=True)


def truth(case: Case, a: Dict[str, np.ndarray]) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """float64 result and, for gradients, the magnitude their rounding error scales with."""
    w, pw = a.get("weight"), a.get("pos_weight")
    if case.kernel == "forward":
        return bce_with_logits_reference(a["input"], a["target"], w, case.reduction, pw), None
    reference = bce_with_logits_grad_reference if case.kernel == "backward" else bce_with_logits_target_grad_reference
    return reference(a["grad_output"], a["input"], a["target"], w, pw, case.reduction)


def _ulp16(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    info = ml_dtypes.finfo(dtype)
    mag = np.maximum(np.abs(values), float(info.smallest_normal))
    return float(info.eps) * np.exp2(np.floor(np.log2(mag)))


def mismatches(case: Case, got: np.ndarray, want: np.ndarray, scale: Optional[np.ndarray]) -> int:
    """Elements outside the bounds (NaN must match NaN)."""
    want = np.asarray(want, dtype=np.float64)
    got64 = got.astype(np.float64)
    nan = np.isnan(want)
    bad = int(np.count_nonzero(np.isnan(got64) != nan))
    g, t = got64[~nan], want[~nan]
    err = np.abs(g - t)
    dtype = DTYPES[case.dtype]
    if scale is None:
        if dtype == np.float32:
            allowed = RTOL32 * np.abs(t)
        else:  # within MAX_ULP16 of the correctly rounded truth
            rounded = t.astype(dtype).astype(np.float64)
            allowed = np.abs(rounded - t) + MAX_ULP16 * _ulp16(t, dtype)
    else:
        allowed = RTOL32 * np.asarray(scale, dtype=np.float64)[~nan] + 2 * float(np.finfo(np.float32).smallest_subnormal)
        allowed = allowed + np.where(np.abs(t) < float(np.finfo(np.float32).tiny), SUBNORMAL_REL * np.abs(t), 0.0)
        if dtype != np.float32:
            allowed = allowed + _ulp16(t, dtype)
    return bad + int(np.count_nonzero(err > allowed))


def compare(out: Path, cases: Sequence[Case]) -> List[str]:
    """One line per case; failures start with FAIL."""
    report = []
    for case in cases:
        directory = out / case.name
        arrays = {p.stem: np.fromfile(p, dtype=_dtype_of(case, p.stem)).reshape(_shape_of(case, p.stem, directory))
                  for p in directory.glob("*.bin") if p.stem != "out"}
        want, scale = truth(case, arrays)
        result = directory / "out.bin"
        if not result.is_file():
            report.append(f"FAIL {case.name}: no out.bin (the launcher did not run)")
            continue
        got = np.fromfile(result, dtype=DTYPES[case.dtype])
        if got.size != want.size:
            report.append(f"FAIL {case.name}: out.bin holds {got.size} elements, expected {want.size}")
            continue
        bad = mismatches(case, got.reshape(want.shape), want, scale)
        report.append(f"{'FAIL' if bad else 'ok  '} {case.name}: {bad} of {want.size} outside the bounds")
    return report


def _dtype_of(case: Case, name: str) -> np.dtype:
    spec = {"weight": case.weight, "pos_weight": case.pos_weight}.get(name)
    return DTYPES[spec[1]] if spec else DTYPES[case.dtype]


def _shape_of(case: Case, name: str, directory: Path) -> Tuple[int, ...]:
    for line in (directory / "meta.txt").read_text().splitlines():
        key, _, value = line.partition(" ")
        if key == f"{name}_shape" or (name in ("input", "target") and key == "input_shape"):
            return tuple(int(v) for v in value.split())
    raise ValueError(f"{case.name}: meta.txt has no shape for {name}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["gen", "compare", "list"])
    parser.add_argument("--out", type=Path, help="directory of the case folders")
    parser.add_argument("--cases", help="comma-separated case names (default: all)")
    args = parser.parse_args(argv)
    cases = select(args.cases)
    if args.command == "list":
        print("\n".join(c.name for c in cases))
        return 0
    if args.out is None:
        parser.error("--out is required")
    if args.command == "gen":
        generate(args.out, cases)
        print(f"golden.py: wrote {len(cases)} case(s) to {args.out}")
        return 0
    report = compare(args.out, cases)
    print("\n".join(report))
    failed = [line for line in report if line.startswith("FAIL")]
    print(f"golden.py: {len(cases) - len(failed)} of {len(cases)} case(s) match the float64 reference")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
