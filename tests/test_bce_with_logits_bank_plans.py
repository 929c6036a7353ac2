"""Every bank plan (bce_with_logits_bank_plan.h BankPlanAt) the UB has room for, forged into a host
tiling: Validate accepts it, the kernel allocates exactly the UB the restated plan counts (pads
included), and the results are bit-identical to the packed layout's and match the float64
reference. A plan that does not fit is refused. Covers every operand mode whose Mul buffer a plan
places (PERIODIC with and without a tail, GENERIC, ROW fp32/16-bit, FULL fp32 double buffered) and
the ones it leaves after the temps (COLUMN, 16-bit FULL, SCALAR), in all three kernels."""
import numpy as np
import pytest

from ascend_bce import _C
from ascend_bce.reference import (bce_with_logits_grad_reference, bce_with_logits_reference,
                                  bce_with_logits_target_grad_reference)
from test_bce_with_logits_host import BANK_PLANS, expected_bank_pads

BANK_PAD_OFFSET = 440  # TilingData.bankPadBytes (tests/test_cpu_sim_banks.py)
PLAN_BITS = 31         # the plan index + 1 below BLOCK_BYTES

# (input shape, weight shape, pos_weight shape, operand dtype): small inputs, so that most plans fit.
CASES = [
    ([200, 1000], None, [1000], "float32"),      # PERIODIC pos_weight
    ([64, 4096], [4096], None, "float32"),       # PERIODIC weight, its own period at least a tile long
    ([300, 24], [24], [24], "float16"),          # PERIODIC, short periods with a tail
    ([24, 1000], None, [1000], "float32"),       # ROW (few rows)
    ([16, 3, 100], [16, 1, 100], [1], "float32"),  # GENERIC weight, SCALAR pos_weight
    ([7, 30000], None, [30000], "float16"),      # ROW, widened into its own fp32 tile
    ([5, 9000], [5, 9000], [9000], "float32"),   # FULL fp32 weight (single/double buffered), ROW pos_weight
    ([64, 1000], [64, 1], [64, 1000], "float16"),  # COLUMN weight, 16-bit FULL pos_weight
    ([96, 1000], [96, 1], [1000], "float32"),  # fp32 PERIODIC pos_weight from tmpA's slack, COLUMN weight
    ([200, 1000], [200, 1000], [1000], "float32"),  # the same with a FULL fp32 weight
    ([4, 48, 1000], [1000], [1000], "float32"),  # the same under a mean, PERIODIC weight
]


def _launch(kernel, x, y, w, pw, g, raw, reduction):
    tiling = np.frombuffer(raw, np.uint8)
    workspace = np.zeros(4096, np.uint8)
    if kernel == "forward":
        out = np.empty(x.shape if reduction == "none" else (), x.dtype)
        stats = _C.launch_bce_with_logits(x, y, w, pw, out.reshape(-1), workspace, tiling, "910B1")
    else:
        out = np.empty_like(x)
        stats = _C.launch_bce_with_logits_grad(x, y, w, pw, g.reshape(-1), out.reshape(-1), workspace, tiling, "910B1")
    return out, stats


def _with_bank_pad_bytes(raw, value):
    forged = raw.copy()
    forged[BANK_PAD_OFFSET:BANK_PAD_OFFSET + 8] = np.frombuffer(np.uint64(value).tobytes(), np.uint8)
    return forged


def _reference(kernel, x, y, w, pw, g, reduction):
    if kernel == "forward":
        return bce_with_logits_reference(x, y, w, reduction, pw), None
    grad = bce_with_logits_grad_reference if kernel == "backward" else bce_with_logits_target_grad_reference
    return grad(g if reduction == "none" else g.reshape(()), x, y, w, pw, reduction)


@pytest.mark.parametrize("kernel", ["forward", "backward", "backward_target"])
@pytest.mark.parametrize("shape,w_shape,pw_shape,op_dtype", CASES)
def test_every_fitting_bank_plan_lands_as_planned(kernel, shape, w_shape, pw_shape, op_dtype):
    dtype = "float32" if op_dtype == "float32" else "float16"
    reduction = "none" if kernel != "forward" or len(shape) == 2 else "mean"
    args = dict(input_shape=shape, dtype=dtype, reduction=reduction, weight_shape=w_shape, weight_dtype=op_dtype,
                pos_weight_shape=pw_shape, pos_weight_dtype=op_dtype, kernel=kernel, max_blocks=2)
    t = _C.host.compute_tiling(**args)
    raw = np.frombuffer(_C.host.tiling_bytes(**args), np.uint8).copy()
    packed_ub = _C.host.ub_bytes_used(**args) - (t["bank_pad_bytes"] & ~PLAN_BITS)
    pads = expected_bank_pads(t)
    fitting = [k for k in range(len(BANK_PLANS)) if packed_ub + pads[k] <= t["ub_bytes"]]
    assert len(fitting) >= 2

    rng = np.random.default_rng(len(shape) * 1000 + shape[-1])
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    y = rng.random(shape).astype(dtype)
    w = None if w_shape is None else (rng.random(w_shape) + 0.5).astype(op_dtype)
    pw = None if pw_shape is None else (rng.random(pw_shape) + 0.5).astype(op_dtype)
    g = (rng.random(shape) + 0.5).astype(dtype)

    packed = _with_bank_pad_bytes(raw, 0)
    _C.host.validate_tiling(packed.tobytes())
    want, stats = _launch(kernel, x, y, w, pw, g, packed, reduction)
    assert stats.ub_peak_bytes == packed_ub
    ref, magnitude = _reference(kernel, x, y, w, pw, g, reduction)
    scale = np.abs(ref) if magnitude is None else np.abs(magnitude)
    tol = 1e-5 if dtype == "float32" else 2e-3
    assert np.all(np.abs(want.astype(np.float64) - ref) <= tol * scale + (0 if dtype == "float32" else 1e-4))

    for k in range(len(BANK_PLANS)):
        forged = _with_bank_pad_bytes(raw, pads[k] + k + 1)
        if k not in fitting:
            with pytest.raises(Exception, match="ubBytes"):
                _C.host.validate_tiling(forged.tobytes())
            continue
        _C.host.validate_tiling(forged.tobytes())
        got, stats = _launch(kernel, x, y, w, pw, g, forged, reduction)
        assert stats.ub_peak_bytes == packed_ub + pads[k]
        assert got.tobytes() == want.tobytes()
