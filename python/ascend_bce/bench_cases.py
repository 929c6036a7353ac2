"""The benchmark's cases: dtype x reduction x operand x size, and their inputs.

A case is a multi-label batch of `rows x classes` logits (5 % positives). Operands are what
training code passes: a per-class pos_weight in fp32 (also with 16-bit logits, as a module's
fp32 buffer under mixed precision, so the stock sequence pays its Cast), a per-sample weight
[N,1] in fp32, or a full-size weight [N,C] in the logits' dtype (a mask computed alongside them).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

import numpy as np

from ._dtypes import NUMPY_DTYPES
from .stock_model import StockCall

DTYPES = ("float32", "float16", "bfloat16")
SHORT = {"float32": "fp32", "float16": "fp16", "bfloat16": "bf16"}
REDUCTIONS = ("none", "mean", "sum")
DEFAULT_CLASSES = 1000
# Operand variants: name -> (kind, classes). C = 1001 is odd (no 32-B aligned period), 21841 is
# ImageNet-21k's label count.
OPERANDS: Dict[str, Tuple[str, int]] = {
    "-": ("none", DEFAULT_CLASSES),
    "pw[1000]": ("pos_weight", 1000),
    "pw[1001]": ("pos_weight", 1001),
    "pw[21841]": ("pos_weight", 21841),
    "w[N,1]": ("row_weight", DEFAULT_CLASSES),
    "w[N,C]": ("full_weight", DEFAULT_CLASSES),
}
FULL_SIZES = (1_000, 10_000, 100_000, 1_000_000, 4_096_000, 10_000_000, 100_000_000)
LARGE_SIZE = 4_000_000            # "from 4M elements up" in the targets
QUICK_SMALL_SIZES = (1_000, 10_000)
QUICK_LARGE_SIZE = 4_096_000      # the demo's 4096 x 1000 batch
# At 4M, --quick runs the demo's operand for every dtype and reduction, no operand for mean (the
# stock sequence's OnesLike case), and mean with the two wide patterns (ImageNet-21k's pos_weight:
# row tiles; weight[N,1]: one Muls per row): a 4M launch takes about 0.35 s in the simulator here.
QUICK_LARGE = [("pw[1000]", r) for r in REDUCTIONS] + [("-", "mean"), ("pw[21841]", "mean"), ("w[N,1]", "mean")]
POSITIVE_RATE = 0.05
POS_WEIGHT = 19.0                 # about negatives / positives at 5 % positives
LOGIT_STD = 3.0
RANDOM_BLOCK = 1 << 16            # random values are drawn once and repeated: timing is data-blind


@dataclass(frozen=True)
class Case:
    dtype: str
    reduction: str
    operand: str
    size: int  # requested elements; the batch is round(size / classes) rows

    @property
    def classes(self) -> int:
        return OPERANDS[self.operand][1]

    @property
    def rows(self) -> int:
        return max(round(self.size / self.classes), 1)

    @property
    def shape(self) -> Tuple[int, int]:
        return (self.rows, self.classes)

    @property
    def elements(self) -> int:
        return self.rows * self.classes

    @property
    def name(self) -> str:
        return f"{SHORT[self.dtype]} {self.reduction} {self.operand}"

    def operand_shapes(self) -> Tuple[Optional[Tuple[int, ...]], str, Optional[Tuple[int, ...]], str]:
        """(weight shape, weight dtype, pos_weight shape, pos_weight dtype)."""
        kind = OPERANDS[self.operand][0]
        if kind == "pos_weight":
            return None, "float32", (self.classes,), "float32"
        if kind == "row_weight":
            return (self.rows, 1), "float32", None, "float32"
        if kind == "full_weight":
            return self.shape, self.dtype, None, "float32"
        return None, "float32", None, "float32"

    def stock_call(self) -> StockCall:
        w_shape, w_dtype, pw_shape, pw_dtype = self.operand_shapes()
        return StockCall(self.shape, self.dtype, self.reduction, w_shape, w_dtype, pw_shape, pw_dtype)


def _repeated(rng: np.random.Generator, n: int, draw) -> np.ndarray:
    return np.resize(draw(rng, min(n, RANDOM_BLOCK)), n)


def make_inputs(case: Case, seed: int = 0) -> Dict[str, Optional[np.ndarray]]:
    """x, y, weight, pos_weight for `case` (None where absent)."""
    rng = np.random.default_rng(seed)
    n, dtype = case.elements, NUMPY_DTYPES[case.dtype]
    x = (_repeated(rng, n, lambda r, k: r.standard_normal(k) * LOGIT_STD)).astype(dtype).reshape(case.shape)
    y = _repeated(rng, n, lambda r, k: r.random(k) < POSITIVE_RATE).astype(dtype).reshape(case.shape)
    w_shape, w_dtype, pw_shape, pw_dtype = case.operand_shapes()
    weight = None
    if w_shape is not None:
        count = int(np.prod(w_shape))
        weight = _repeated(rng, count, lambda r, k: r.random(k) + 0.5).astype(NUMPY_DTYPES[w_dtype]).reshape(w_shape)
    pos_weight = None if pw_shape is None else np.full(pw_shape, POS_WEIGHT, NUMPY_DTYPES[pw_dtype])
    return {"x": x, "y": y, "weight": weight, "pos_weight": pos_weight}


def all_cases(sizes: Iterable[int], operands: Iterable[str] = tuple(OPERANDS)) -> List[Case]:
    ops = tuple(operands)
    return [Case(d, r, o, s) for s in sizes for d in DTYPES for r in REDUCTIONS for o in ops]


def quick_cases() -> List[Case]:
    """Every variant at the small sizes, the common ones at 4M: under 30 s here."""
    large = [Case(d, r, o, QUICK_LARGE_SIZE) for d in DTYPES for o, r in QUICK_LARGE]
    return all_cases(QUICK_SMALL_SIZES) + large


def full_cases(max_size: int = FULL_SIZES[-1]) -> List[Case]:
    return all_cases([s for s in FULL_SIZES if s <= max_size])


# dL/dinput timed against the stock backward (stock_backward.py): these variants at the run's largest
# size, at most the demo's 4,096,000 (a 4M backward launch simulates in about 0.4 s).
BACKWARD_DTYPES = ("float32", "float16")
BACKWARD_REDUCTIONS = ("none", "mean")
BACKWARD_OPERANDS = ("-", "pw[1000]")


def backward_cases(cases: Iterable[Case]) -> List[Case]:
    """The backward rows of a run over `cases`: none at all for an empty run."""
    size = min(max((c.size for c in cases), default=0), QUICK_LARGE_SIZE)
    if not size:
        return []
    return [Case(d, r, o, size) for d in BACKWARD_DTYPES for r in BACKWARD_REDUCTIONS for o in BACKWARD_OPERANDS]
