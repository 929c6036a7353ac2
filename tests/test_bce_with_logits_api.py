"""Python API: PyTorch-like errors for every bad input class, frameworks in and out, the module."""
from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
import torch

import ascend_bce
from ascend_bce import _C
from ascend_bce.reference import bce_with_logits_reference
from conftest import assert_close_to_truth

bce = ascend_bce.binary_cross_entropy_with_logits
X = np.zeros((2, 3), dtype=np.float32)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: bce([[0.0]], X), TypeError, r"argument 'input' must be a numpy.ndarray"),
        (lambda: bce(X, 1.0), TypeError, r"argument 'target' must be"),
        (lambda: bce(X.astype(np.int32), X), TypeError, r"'input' of dtype float32, float16 or bfloat16.*int32"),
        (lambda: bce(X, X.astype(np.float16)), TypeError, r"'target' of dtype float32.*float16"),
        (lambda: bce(X, X, weight=np.ones(3, dtype=np.float64)), TypeError, r"'weight' of dtype.*float64"),
        (lambda: bce(X, np.zeros((2, 4), np.float32)), ValueError, r"Target size \(\[2, 4\]\) must be the same as input size \(\[2, 3\]\)"),
        (lambda: bce(X, X, weight=np.ones(4, np.float32)), ValueError, r"weight.*not broadcastable"),
        (lambda: bce(X, X, pos_weight=np.ones((3, 3), np.float32)), ValueError, r"pos_weight.*not broadcastable"),
        (lambda: bce(X, X, weight=np.ones((1, 2, 3), np.float32)), ValueError, r"weight.*not broadcastable"),
        (lambda: bce(X, X, reduction="avg"), ValueError, r"avg is not a valid value for reduction"),
        (lambda: bce(X, X, reduction=None), ValueError, r"None is not a valid value for reduction"),
        (lambda: bce(np.zeros((1,) * 9, np.float32), np.zeros((1,) * 9, np.float32)), ValueError, r"9 dimensions; at most 8"),
        (lambda: bce(X, X, soc="910C"), ValueError, r"soc must be one of"),
        (lambda: bce(X, X, max_blocks=0), ValueError, r"max_blocks must be a positive int"),
    ],
)
def test_bad_inputs_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_max_blocks_beyond_uint32_means_no_cap():
    x = np.zeros((3000, 100), np.float32)
    out = bce(x, x, reduction="none", max_blocks=2**40)
    np.testing.assert_allclose(out, np.log(2), rtol=1e-6)
    assert ascend_bce.last_kernel_stats().block_dim == 48


def test_non_contiguous_input_is_handled(rng):
    x = rng.standard_normal((40, 30)).astype(np.float32).T  # a transposed view
    y = rng.random((30, 40)).astype(np.float32)[:, ::1]
    pw = rng.uniform(1, 3, (40,)).astype(np.float32)[::-1]
    out = bce(x, y, pos_weight=pw, reduction="none")
    assert_close_to_truth(out, bce_with_logits_reference(x, y, reduction="none", pos_weight=pw), np.dtype(np.float32))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
def test_torch_tensors_in_torch_tensors_out(dtype):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(16, 10, generator=gen).to(dtype)
    y = torch.rand(16, 10, generator=gen).to(dtype)
    pw = torch.rand(10, generator=gen) + 0.5
    out = bce(x, y, pos_weight=pw, reduction="none")
    assert isinstance(out, torch.Tensor) and out.dtype == dtype and out.shape == x.shape
    ref = torch.nn.functional.binary_cross_entropy_with_logits(x.double(), y.double(), pos_weight=pw.double(),
                                                               reduction="none")
    tol = {torch.float32: 1e-6, torch.float16: 1e-3, torch.bfloat16: 8e-3}[dtype]
    torch.testing.assert_close(out.double(), ref, rtol=tol, atol=0)
    mean = bce(x, y, pos_weight=pw)
    assert isinstance(mean, torch.Tensor) and mean.dim() == 0


def test_torch_input_requiring_grad_is_differentiable():
    x = torch.zeros(3, requires_grad=True)
    loss = bce(x, torch.tensor([0.0, 1.0, 0.25]))
    assert loss.item() == pytest.approx(np.log(2), rel=1e-6)
    loss.backward()  # d/dx at 0: (sigmoid(0) - y) / N
    torch.testing.assert_close(x.grad, torch.tensor([0.5, -0.5, 0.25]) / 3, rtol=1e-6, atol=0)
    with torch.no_grad():
        assert bce(x, torch.zeros(3)).grad_fn is None


def test_bfloat16_numpy_via_ml_dtypes(rng):
    x = rng.standard_normal(100).astype(ml_dtypes.bfloat16)
    out = bce(x, x, reduction="sum")
    assert out.dtype == np.dtype(ml_dtypes.bfloat16)


def test_loss_module_matches_functional_and_torch_defaults(rng):
    x = rng.standard_normal((8, 5)).astype(np.float32)
    y = rng.random((8, 5)).astype(np.float32)
    w = rng.random(5).astype(np.float32)
    loss = ascend_bce.BCEWithLogitsLoss(w, "sum")
    assert float(loss(x, y)) == float(bce(x, y, w, "sum"))
    assert ascend_bce.BCEWithLogitsLoss().reduction == "mean"
    torch_ref = torch.nn.BCEWithLogitsLoss(weight=torch.from_numpy(w), reduction="sum")
    assert float(loss(x, y)) == pytest.approx(float(torch_ref(torch.from_numpy(x), torch.from_numpy(y))), rel=1e-6)


def test_last_kernel_stats_describe_the_launch(rng):
    x = rng.standard_normal(10_000).astype(np.float32)
    bce(x, x, reduction="none", max_blocks=2)
    stats = ascend_bce.last_kernel_stats()
    assert stats.block_dim == 2
    assert stats.gm_bytes_written == x.nbytes
    # One Exp per element and tile, no Ln (log1p is a polynomial in atanh form), one Div.
    assert stats.instructions["Exp"] >= 2 and "Ln" not in stats.instructions
    assert stats.instructions["Div"] == stats.instructions["Exp"]
    assert 0 < stats.ub_peak_bytes <= 196608 - 256


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_demo_cli_runs(dtype, capsys):
    from ascend_bce.__main__ import main

    assert main(["--batch", "64", "--classes", "100", "--dtype", dtype]) == 0
    text = capsys.readouterr().out
    assert "float64 reference" in text and "GM bytes read" in text and f"100 {dtype} multi-label" in text
    # The kernel, float64 and torch agree to the dtype's rounding of the mean.
    values = {line.split(":")[0].strip().split()[0]: float(line.split(":")[1].split()[0])
              for line in text.splitlines() if line.strip().startswith(("ascend_bce", "float64", "torch"))}
    tolerance = {"float32": 1e-6, "float16": 2e-3, "bfloat16": 1.6e-2}[dtype]
    assert values["ascend_bce"] == pytest.approx(values["float64"], rel=tolerance)
    assert values["torch"] == pytest.approx(values["float64"], rel=tolerance)


def test_last_kernel_stats_are_not_stale_after_an_empty_call(rng):
    x = rng.standard_normal(1000).astype(np.float32)
    bce(x, x, reduction="none")
    assert ascend_bce.last_kernel_stats() is not None
    empty = np.zeros((0, 3), np.float32)
    assert bce(empty, empty, reduction="none").shape == (0, 3)
    assert ascend_bce.last_kernel_stats() is None
    bce(x, x, reduction="mean")
    g = ascend_bce.functional.binary_cross_entropy_with_logits_backward(empty, empty, empty, reduction="none")
    assert g.shape == (0, 3) and ascend_bce.last_kernel_stats() is None


def test_scalar_work_is_counted(rng):
    # Partials stay in the vector pipe and a GENERIC operand (w[4, 1, 100] on [4, 6, 100]) is
    # gathered by the vector unit: only CreateVecIndex's first block (8 fp32) is a scalar store.
    # A wide row vector is read chunk by chunk by row tiles (no ramp: no scalar work at all); a
    # column vector costs one scalar read per row piece: still no scalar work per element
    # (test_cpu_sim_timeline counts a scalar loop's stores one by one).
    x = rng.standard_normal((4, 6, 100)).astype(np.float32)
    bce(x, x, reduction="sum")
    assert ascend_bce.last_kernel_stats().scalar_accesses == 0
    w = rng.uniform(0.5, 2, (4, 1, 100)).astype(np.float32)
    bce(x, x, weight=w, reduction="sum")
    generic = ascend_bce.last_kernel_stats()
    assert 0 < generic.scalar_accesses <= 8 * generic.block_dim
    wide = rng.standard_normal((2, 40000)).astype(np.float32)
    pw = rng.uniform(0.5, 2, 40000).astype(np.float32)
    bce(wide, wide, pos_weight=pw, reduction="sum")
    rows = ascend_bce.last_kernel_stats()
    assert rows.scalar_accesses == 0 and "Gather" not in rows.instructions
    column = rng.uniform(0.5, 2, (2, 1)).astype(np.float32)
    bce(wide, wide, weight=column, pos_weight=pw, reduction="sum")
    pieces = ascend_bce.last_kernel_stats()
    assert 0 < pieces.scalar_accesses <= 2 * _C.host.compute_tiling([2, 40000], "float32", "sum", [2, 1], "float32",
                                                                        [40000], "float32")["num_tiles"]
    assert sum(b["scalar_accesses"] for b in pieces.blocks) == pieces.scalar_accesses
