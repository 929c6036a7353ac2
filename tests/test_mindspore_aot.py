"""The CPU target's MindSpore aot ops (csrc/mindspore_aot.cpp, mindspore/_aot.py): the stand-ins of
the op package's aclnn ops, compiled into GRAPH_MODE and jit graphs and run by the simulator; every
operand combination and reduction, forward and both gradients, against the float64 reference."""
from __future__ import annotations

import ctypes
import itertools

import numpy as np
import pytest

ms = pytest.importorskip("mindspore")
from mindspore import Tensor  # noqa: E402

from ascend_bce import _C  # noqa: E402
from ascend_bce.mindspore import _aot  # noqa: E402
from ascend_bce.reference import bce_with_logits_reference  # noqa: E402
from mindspore_helpers import Operands, check_grads, sample  # noqa: E402

REDUCTIONS = ("none", "mean", "sum")
KERNELS = ("forward", "backward", "backward_target")


def test_every_signature_is_exported_with_its_infer_shape():
    expected = [_aot.entry_name(kernel, reduction, w, pw)
                for kernel, reduction, w, pw in itertools.product(KERNELS, REDUCTIONS, (False, True), (False, True))]
    assert _C.mindspore_aot.entry_names() == expected
    assert len(set(expected)) == len(KERNELS) * len(REDUCTIONS) * 4
    library = ctypes.CDLL(_aot.library_path())  # what MindSpore dlopens: this very extension
    for name in expected:
        assert hasattr(library, name) and hasattr(library, name + "InferShape"), name


@pytest.mark.parametrize("has_weight,has_pos_weight", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_graph_mode_and_jit_run_the_aot_ops(reduction, has_weight, has_pos_weight):
    """One forward launch per call and two backward launches per gradient, in a GRAPH_MODE Cell
    and under ms.jit (PyNative context), each checked against the float64 reference."""
    x, y, w, pw = sample((6, 5), seed=3)
    args = [Tensor(a) for a in (x, y, w, pw)]
    w, pw = (w if has_weight else None), (pw if has_pos_weight else None)
    net = Operands(reduction, has_weight, has_pos_weight)

    @ms.jit
    def jitted(a, b, c, d):
        return net(a, b, c, d)

    for mode, fn in ((ms.GRAPH_MODE, net), (ms.PYNATIVE_MODE, jitted)):
        ms.set_context(mode=mode)
        try:
            before = _C.mindspore_aot.launch_count()
            out = fn(*args)
            np.testing.assert_allclose(out.asnumpy(), bce_with_logits_reference(x, y, w, reduction, pw),
                                       rtol=2e-6, atol=1e-7)  # asnumpy waits for the graph's launches
            assert _C.mindspore_aot.launch_count() == before + 1
            grads = ms.jit(ms.grad(net, grad_position=(0, 1)))(*args)
            check_grads(grads, x, y, w, pw, reduction)
            # dL/dx and dL/dy; the grad graph drops the forward (its bprop does not use the loss)
            assert _C.mindspore_aot.launch_count() == before + 3
        finally:
            ms.set_context(mode=ms.PYNATIVE_MODE)


def test_bf16_and_mixed_operand_dtypes_travel_to_the_kernel_as_they_are():
    """The aot call carries each tensor's dtype: bf16 input with an fp16 weight and an fp32
    pos_weight runs as one launch (no casts of the operands)."""
    x, y, w, pw = sample((4, 5), seed=5)
    ms.set_context(mode=ms.GRAPH_MODE)
    try:
        net = Operands("none", True, True)
        xb, yb = (Tensor(a).astype(ms.bfloat16) for a in (x, y))
        out = net(xb, yb, Tensor(w).astype(ms.float16), Tensor(pw))
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)
    assert out.dtype == ms.bfloat16
    xr, yr = (np.asarray(t.astype(ms.float32).asnumpy(), np.float64) for t in (xb, yb))
    truth = bce_with_logits_reference(xr, yr, w.astype(np.float16).astype(np.float64), "none", pw)
    np.testing.assert_allclose(out.astype(ms.float32).asnumpy(), truth, rtol=2.0 ** -7)


def test_a_launch_the_kernels_refuse_raises_and_names_the_rule():
    """The aot op checked by the adapters' request logic, not only by the Python wrapper: called
    directly with mismatched dtypes it fails (MindSpore raises on the nonzero return) and the
    message is kept, never a silent result."""
    op = _aot.primitive("mean", False, False)
    x = Tensor(np.zeros((2, 3), np.float32))
    with pytest.raises(RuntimeError, match="BceWithLogitsAotForwardMeanXY"):
        op(x, x.astype(ms.float16)).asnumpy()  # PyNative launches asynchronously
    assert _C.mindspore_aot.last_error().endswith("target: dtype float16 must equal the input dtype float32")


def test_aot_white_list_outside_the_extension_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("MS_CUSTOM_AOT_WHITE_LIST", str(tmp_path))
    with pytest.raises(TypeError, match="MS_CUSTOM_AOT_WHITE_LIST"):
        _aot.custom_op("forward", "sum", True, False)


def test_last_kernel_stats_follow_the_aot_launches():
    import ascend_bce
    x, y, _, _ = sample((64, 50), seed=9)
    ascend_bce.binary_cross_entropy_with_logits(x[:4], y[:4], reduction="sum")  # a NumPy launch first
    small = ascend_bce.last_kernel_stats().gm_bytes_read
    ms.set_context(mode=ms.GRAPH_MODE)
    try:
        Operands("none", False, False)(*(Tensor(a) for a in (x, y, x, x))).asnumpy()
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)
    stats = ascend_bce.last_kernel_stats()  # the aot launch's: x and y read once, the loss written
    assert stats.gm_bytes_read >= 2 * x.nbytes > small and stats.gm_bytes_written == x.nbytes
    ascend_bce.binary_cross_entropy_with_logits(x[:4], y[:4], reduction="sum")
    assert ascend_bce.last_kernel_stats().gm_bytes_read == small
