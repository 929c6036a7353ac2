"""dL/dinput's UB bank conflicts (bce_with_logits_grad.h Compute), restated: y is widened into tmpA
and n1 formed in tmpD, so that y * n2 (tmpB with tmpA) and (1 - y) * n1 (tmpA with tmpD) read tiles
at opposite bank phases (before, y in tmpD met tmpB's phase: a read-read beat in every repeat of
Mul(b, b, y)); the factors' scratch is tmpB, so a 16-bit FULL dout's widening no longer meets its
own reads in tmpD's bank row. The results are pinned to the bits of the kernel before the change.

With a 16-bit target the host may put the operands' Mul buffers right after tmpA (bank plans 16-21,
operands first): the target queue then leaves tmpA's bank row, so y's widening Cast into tmpA no
longer writes a bank it reads (a read-write conflict in half its repeats), and a PERIODIC
pos_weight's expansion sits in tmpA's row, away from tmpB's: its in-place Mul(b, b, pw) keeps only
the read-read beat of the tiles whose expansion read is not at the phase opposite tmpB's. With fp32
tiles, as the forward, y * n2 is written into tmpA at the phase opposite the expansion's read for the
tile (plans 16-21 give tmpA the slack): the pos_weight Mul reads its sources in different bank groups."""
import hashlib

import numpy as np
import pytest

from ascend_bce import _C, functional as F

# (dtype, reduction, pos_weight[1000]): Mul conflicts left (only the PERIODIC pos_weight's
# Mul(b, b, pw), whose read phase moves with the tile: read-read beats only), Cast conflicts left
# (only y's widening into tmpA, where the target queue shares tmpA's bank row: without an operand
# to put first it still does), sha256 prefix of the gradient's bytes (main's build before either
# change gave the same).
# With the gradient in x's buffer (no output tile: LossIntoInput) the tiles are longer (fp16 'none'
# Cast 8048 -> 4896 and 'mean' with pos_weight Mul 14827 -> 14773 at the new plans and tiles).
CASES = [
    ("float16", "mean", False, 0, 4896, "80c6547855081dce"),
    ("float16", "none", False, 0, 4896, "190f769cd77160c9"),
    ("float16", "mean", True, 14773, 0, "f1d2b924605cdc19"),
    ("float16", "none", True, 14827, 0, "d1c342caac5c26c1"),
    # fp32: y * n2 goes into tmpA opposite the expansion's read (ShiftedTargetTerms) on a slack
    # plan. With an output tile the slack plans with the temps in bank rows of their own fit and
    # left no Mul conflict (main: 14997 mean, 14938 none before the slack plans); the longer tiles
    # leave room for the slack plans at BankLevel::PLACED only, where the target queue shares tmpA's
    # bank row (the host's cost ties them with the operands-first ones, which trade the Mul's
    # conflicts for others: 13.9091 vs 13.9078 us at 'mean').
    ("float32", "mean", True, 12300, 0, "45709cd7da4b8193"),
    ("float32", "none", True, 10446, 0, "b28ec58ff51e5316"),
]


def _run(dtype, reduction, pos_weight, shape=(1024, 1000)):
    rng = np.random.default_rng(7)
    x = (rng.standard_normal(shape) * 6).astype(dtype)
    y = rng.random(shape).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype) if reduction == "none" else np.array(1.0, dtype)
    kw = {"pos_weight": (rng.random(shape[-1]) + 0.5).astype("float32")} if pos_weight else {}
    grad = F.binary_cross_entropy_with_logits_backward(g, x, y, reduction=reduction, **kw)
    return np.ascontiguousarray(grad), F.last_kernel_stats().as_dict()["bank_conflicts"]


@pytest.mark.parametrize("dtype,reduction,pos_weight,mul,cast,digest", CASES)
def test_backward_conflicts_and_bits(dtype, reduction, pos_weight, mul, cast, digest):
    grad, conflicts = _run(dtype, reduction, pos_weight)
    assert hashlib.sha256(grad.tobytes()).hexdigest()[:16] == digest
    assert conflicts.get("Mul", 0) == mul
    assert conflicts.get("Cast", 0) == cast
    # Before: Mul 16108 (mean -), 16096 (none -), 31621 (pw); Cast 11976 (none pw). Before the
    # operands-first plans: Mul 15525 and Cast 8048 with pos_weight[1000].
    assert set(conflicts) <= {"Mul", "Cast", "Muls"}


BANK_ROW = 64 * 1024


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("reduction", ["none", "mean"])
@pytest.mark.parametrize("shape", [(1024, 1000), (4096, 1000), (1024, 1001)])
def test_periodic_pos_weight_goes_first_out_of_the_temps_rows(dtype, reduction, shape):
    """The host's plan for a 16-bit dL/dinput with pos_weight[C]: the expansion right after tmpA, in
    tmpA's bank row and none of tmpB's (the in-place Mul(b, b, pw)); the target queue out of tmpA's
    row (y's widening into tmpA). Main's plans kept the expansion after the target, which sat in
    tmpA's row."""
    place = _C.host.ub_placement(list(shape), dtype, reduction, pos_weight_shape=[shape[1]], kernel="backward")
    assert place["operands_first"]
    pw, target, tmp_b = place["operands"][1], place["target"], place["temps"][0]
    tile = place["fp32_tile_bytes"]
    assert pw["offset"] == tile + pw["pad"] and pw["offset"] % 512 == 0
    rows = lambda at, n: set(range(at // BANK_ROW, (at + n - 1) // BANK_ROW + 1))
    assert rows(pw["offset"], pw["buffer_bytes"]) == {0}
    assert not rows(pw["offset"], pw["buffer_bytes"]) & rows(tmp_b["offset"], tile)
    assert not rows(target["offset"], target["buffer_bytes"]) & {0}
