"""Input grid, float64 truth and accuracy report of the A2 Exp/Ln check (pure NumPy).

build_grid(dtype) -> Grid; the device (or cpu_sim) computes Exp and Ln of every element of
Grid.x; report(grid, exp_out, ln_out) -> (text, summary) measures each group against float64.
Errors: ulps of the true result in the run's dtype (|d - t| / ulp(t), so a correctly rounded
result is <= 0.5), the integer distance from the correctly rounded value ("CR ulps"), the
absolute error, and the relative error over true results in the dtype's normal range.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DTYPES = {"float32": np.dtype(np.float32), "float16": np.dtype(np.float16)}
EXP_NEG_ABS = (1e-3, 0.1, 1.0, 10.0, 15.0, 20.0, 30.0, 50.0, 87.0)  # Exp(-|x|) points of the kernel
LN_ONE_PLUS = "ln(1+2^-k)"
EXP_NEG = "exp(-|x|)"
N_RANDOM = 2048  # points of each random group
SEED = 0


@dataclass(frozen=True)
class Group:
    name: str
    op: str  # "exp" or "ln": which output the group is judged on
    start: int
    stop: int


@dataclass
class Grid:
    dtype: np.dtype
    x: np.ndarray  # inputs, in dtype
    groups: list
    labels: np.ndarray  # per element: k of ln(1+2^-k), or |x| of exp(-|x|), else nan


def _mant_bits(dtype: np.dtype) -> int:
    return np.finfo(dtype).nmant


def _subnormals(dtype: np.dtype, rng: np.random.Generator) -> np.ndarray:
    """Every power of two below the smallest normal, plus random subnormal bit patterns."""
    m = _mant_bits(dtype)
    uint = np.uint32 if dtype.itemsize == 4 else np.uint16
    powers = (np.uint64(1) << np.arange(m, dtype=np.uint64)).astype(uint)
    random = rng.integers(1, 1 << m, size=N_RANDOM // 8, dtype=np.uint64).astype(uint)
    return np.concatenate([powers, random]).view(dtype)


def build_grid(dtype: str = "float32", seed: int = SEED) -> Grid:
    """The inputs, grouped. fp16 uses its own ranges (its Exp overflows above 11.09)."""
    dt = DTYPES[dtype]
    rng = np.random.default_rng(seed)
    m = _mant_bits(dt)
    fi = np.finfo(dt)
    k_plus = np.arange(1, m + 1)
    k_minus = np.arange(2, m + 2)
    ln_lo, ln_hi = (1e-30, 1e30) if dt == np.float32 else (float(fi.tiny), float(fi.max))
    exp_lo, exp_hi = (-88.0, 88.0) if dt == np.float32 else (-17.0, 11.0)
    near0 = 2.0 ** -np.arange(1, m + 8)
    parts = [
        (LN_ONE_PLUS, "ln", 1.0 + 2.0 ** -k_plus, k_plus),
        ("ln(1-2^-k)", "ln", 1.0 - 2.0 ** -k_minus, k_minus),
        ("ln U[0.5,2]", "ln", rng.uniform(0.5, 2.0, N_RANDOM), None),
        (f"ln logU[{ln_lo:.3g},{ln_hi:.3g}]", "ln",
         np.exp(rng.uniform(np.log(ln_lo), np.log(ln_hi), N_RANDOM)), None),
        ("ln subnormal", "ln", _subnormals(dt, rng), None),
        (f"exp grid[{exp_lo:g},{exp_hi:g}]", "exp", np.linspace(exp_lo, exp_hi, N_RANDOM * 2 + 1), None),
        (EXP_NEG, "exp", -np.asarray(EXP_NEG_ABS), np.asarray(EXP_NEG_ABS)),
        ("exp near 0", "exp", np.concatenate([near0, -near0, rng.uniform(-1e-3, 1e-3, N_RANDOM // 4)]), None),
    ]
    xs, labels, groups, start = [], [], [], 0
    for name, op, values, label in parts:
        values = np.asarray(values).astype(dt)
        xs.append(values)
        labels.append(np.full(values.size, np.nan) if label is None else np.asarray(label, dtype=np.float64))
        groups.append(Group(name, op, start, start + values.size))
        start += values.size
    return Grid(dt, np.concatenate(xs), groups, np.concatenate(labels))


def truth(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float64 exp and ln of the dtype inputs (log1p of the exact v - 1 near 1)."""
    xf = np.asarray(x).astype(np.float64)
    with np.errstate(all="ignore"):
        ln = np.where((xf >= 0.5) & (xf <= 2.0), np.log1p(xf - 1.0), np.log(xf))
        return np.exp(xf), ln


def _ulp(t: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Spacing of dtype at the true value t (the subnormal spacing below the smallest normal)."""
    fi = np.finfo(dtype)
    with np.errstate(all="ignore"):
        e = np.floor(np.log2(np.abs(t)))
    e = np.maximum(np.nan_to_num(e, nan=fi.minexp, neginf=fi.minexp), fi.minexp)
    return np.ldexp(1.0, (e - fi.nmant).astype(np.int64))


def _ordinal(v: np.ndarray) -> np.ndarray:
    """Float bit patterns on a monotonic integer line (adjacent floats differ by 1)."""
    ints = v.view(np.int32 if v.dtype.itemsize == 4 else np.int16).astype(np.int64)
    sign_bit = 1 << (8 * v.dtype.itemsize - 1)
    return np.where(ints < 0, -(ints & (sign_bit - 1)), ints)


def errors(device: np.ndarray, t: np.ndarray, dtype: np.dtype) -> dict:
    """Per-element errors of device results against the float64 truth t; `valid` marks points
    whose true result is finite in dtype (others, e.g. overflowing Exp, are not scored)."""
    d = np.asarray(device).astype(dtype)
    df = d.astype(np.float64)
    with np.errstate(all="ignore"):
        cr = t.astype(dtype)
        valid = np.isfinite(t) & np.isfinite(cr.astype(np.float64))
        err = np.where(np.isfinite(df), np.abs(df - t), np.inf)
        ulps = err / _ulp(t, dtype)
        cr_ulps = np.where(np.isfinite(df), np.abs(_ordinal(d) - _ordinal(cr)).astype(np.float64), np.inf)
        normal = np.abs(t) >= np.finfo(dtype).tiny
        rel = np.where(normal, err / np.abs(t), np.nan)
    return {"device": df, "truth": t, "valid": valid, "abs": err, "ulps": ulps, "cr_ulps": cr_ulps, "rel": rel}


def _max(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    return float(values.max()) if values.size else 0.0


def _fmt(v: float) -> str:
    """3 significant digits; '-' where a metric does not apply (nan)."""
    return "-" if np.isnan(v) else f"{v:.3g}"


def report(inputs: Grid, exp_out: np.ndarray, ln_out: np.ndarray) -> tuple[str, dict]:
    """Text table and summary dict: per group and per op the max ulps (of the true result),
    max CR ulps, max absolute and relative error; ln(1+2^-k) and exp(-|x|) also row by row."""
    grid = inputs
    exp_t, ln_t = truth(grid.x)
    per_op = {"exp": errors(exp_out, exp_t, grid.dtype), "ln": errors(ln_out, ln_t, grid.dtype)}
    name = grid.dtype.name
    lines = [f"A2 Exp/Ln accuracy, {name} (ulps = |device - true| / {name} ulp of the true value; "
             f"CR = ulps from the correctly rounded {name}; rel over normal results)",
             f"{'group':<26}{'n':>6}{'skip':>6}{'max ulps':>11}{'max CR':>9}{'max abs':>11}{'max rel':>11}"
             f"{'worst x':>17}"]
    summary = {"dtype": name, "groups": {}, "ops": {}, LN_ONE_PLUS: [], EXP_NEG: []}
    for g in grid.groups:
        e = {k: v[g.start:g.stop] for k, v in per_op[g.op].items()}
        ok = e["valid"]
        ulps = e["ulps"][ok]
        worst = float(grid.x[g.start:g.stop][ok][np.argmax(ulps)]) if ulps.size else float("nan")
        row = {"op": g.op, "n": int(ok.sum()), "skipped": int((~ok).sum()), "max_ulp": _max(ulps),
               "max_cr_ulp": _max(e["cr_ulps"][ok]), "max_abs": _max(e["abs"][ok]),
               "max_rel": _max(e["rel"][ok]), "worst_x": worst}
        summary["groups"][g.name] = row
        lines.append(f"{g.name:<26}{row['n']:>6}{row['skipped']:>6}{_fmt(row['max_ulp']):>11}"
                     f"{_fmt(row['max_cr_ulp']):>9}{_fmt(row['max_abs']):>11}{_fmt(row['max_rel']):>11}"
                     f"{worst:>17.9g}")
    for op in ("exp", "ln"):
        rows = [r for r in summary["groups"].values() if r["op"] == op]
        summary["ops"][op] = {k: max(r[k] for r in rows) for k in ("max_ulp", "max_cr_ulp", "max_abs", "max_rel")}
    lines += _rows(grid, per_op["ln"], LN_ONE_PLUS, "k", summary)
    lines += _rows(grid, per_op["exp"], EXP_NEG, "|x|", summary)
    return "\n".join(lines), summary


def _rows(grid: Grid, e: dict, group: str, label: str, summary: dict) -> list:
    """One line per point of `group` (appended to summary[group] as dicts too)."""
    g = next(g for g in grid.groups if g.name == group)
    lines = ["", f"{group}: {label:>6}{'input':>16}{'true':>16}{'device':>16}{'abs err':>11}{'rel err':>11}"
                 f"{'ulps':>10}{'CR':>10}"]
    for i in range(g.start, g.stop):
        row = {"label": float(grid.labels[i]), "input": float(grid.x[i]), "true": float(e["truth"][i]),
               "device": float(e["device"][i]), "abs": float(e["abs"][i]), "rel": float(e["rel"][i]),
               "ulps": float(e["ulps"][i]), "cr_ulps": float(e["cr_ulps"][i])}
        summary[group].append(row)
        lines.append(f"{'':<{len(group) + 2}}{row['label']:>6g}{row['input']:>16.9g}{row['true']:>16.9g}"
                     f"{row['device']:>16.9g}{_fmt(row['abs']):>11}{_fmt(row['rel']):>11}"
                     f"{_fmt(row['ulps']):>10}{_fmt(row['cr_ulps']):>10}")
    return lines


def _paths(directory: Path, dtype: str) -> dict:
    return {k: directory / f"{k}_{dtype}.bin" for k in ("x", "exp", "ln")}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    for cmd in ("gen", "report"):
        p = sub.add_parser(cmd)
        p.add_argument("--dtype", choices=sorted(DTYPES), default="float32")
        p.add_argument("--dir", type=Path, required=True, help="folder of x_/exp_/ln_<dtype>.bin")
        p.add_argument("--seed", type=int, default=SEED)
    sub.choices["report"].add_argument("--json", type=Path, help="also write the summary here")
    args = parser.parse_args(argv)
    grid = build_grid(args.dtype, args.seed)
    paths = _paths(args.dir, args.dtype)
    if args.cmd == "gen":
        args.dir.mkdir(parents=True, exist_ok=True)
        grid.x.tofile(paths["x"])
        print(f"grid.py: {grid.x.size} {args.dtype} inputs -> {paths['x']}")
        return 0
    if not np.array_equal(np.fromfile(paths["x"], grid.dtype).view(np.uint8), grid.x.view(np.uint8)):
        print(f"grid.py: {paths['x']} is not the grid of --dtype {args.dtype} --seed {args.seed}", file=sys.stderr)
        return 2
    text, summary = report(grid, np.fromfile(paths["exp"], grid.dtype), np.fromfile(paths["ln"], grid.dtype))
    print(text)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
