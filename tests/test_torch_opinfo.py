"""PyTorch's own test samples through the drop-ins: the OpInfo entry of
``nn.functional.binary_cross_entropy_with_logits`` (op_db) and the ModuleInfo entry of
``nn.BCEWithLogitsLoss`` (module_db), from the installed ``torch.testing._internal``.

Judged against torch's loss in float64 at the same inputs — not against torch's 16-bit CPU
result, which is less accurate than the kernel's (it computes in the 16-bit dtype)."""
from __future__ import annotations


import pytest
import torch
import torch.nn.functional as F

import ascend_bce.torch as abt

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::UserWarning")]

common_methods_invocations = pytest.importorskip("torch.testing._internal.common_methods_invocations")
common_modules = pytest.importorskip("torch.testing._internal.common_modules")

OP_INFO = next(op for op in common_methods_invocations.op_db
               if op.name == "nn.functional.binary_cross_entropy_with_logits")
MODULE_INFO = next(m for m in common_modules.module_db if m.module_cls is torch.nn.BCEWithLogitsLoss)
# Relative tolerance against the float64 truth per result dtype (16-bit: ~1 ulp of the result).
RTOL = {torch.float64: 1e-12, torch.float32: 2e-6, torch.float16: 1e-3, torch.bfloat16: 8e-3}


def _double(value):
    return value.detach().double() if isinstance(value, torch.Tensor) else value


def _assert_close_to_truth(got: torch.Tensor, truth: torch.Tensor, dtype: torch.dtype) -> None:
    assert got.dtype == dtype and got.shape == truth.shape
    scale = truth.abs().max().item() if truth.numel() else 0.0
    # Gradients and 'none' losses can cancel: judge each element against the largest one.
    torch.testing.assert_close(got.detach().double(), truth, rtol=RTOL[dtype], atol=RTOL[dtype] * scale + 1e-30)


def _samples(dtype):
    return list(OP_INFO.sample_inputs("cpu", dtype, requires_grad=True))


def test_the_opinfo_entry_is_there():
    assert {torch.float32, torch.float16, torch.bfloat16, torch.float64} <= set(OP_INFO.dtypes)
    assert len(_samples(torch.float32)) >= 20


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16, torch.float64])
def test_opinfo_samples_forward_and_backward(dtype):
    for sample in _samples(dtype):
        x, (y,), kwargs = sample.input, sample.args, sample.kwargs
        got = abt.binary_cross_entropy_with_logits(x, y, **kwargs)
        x64, y64 = (t.detach().double().requires_grad_() for t in (x, y))
        want = F.binary_cross_entropy_with_logits(x64, y64, **{k: _double(v) for k, v in kwargs.items()})
        _assert_close_to_truth(got, want.detach(), dtype)
        grad_out = torch.ones_like(got)
        grads = torch.autograd.grad(got, (x, y), grad_out)
        want_grads = torch.autograd.grad(want, (x64, y64), grad_out.double())
        for g, w in zip(grads, want_grads):
            _assert_close_to_truth(g, w, dtype)


def test_opinfo_samples_forward_mode():
    for sample in _samples(torch.float32):
        x, (y,), kwargs = sample.input.detach(), sample.args, sample.kwargs
        tx = torch.randn(x.shape, generator=torch.Generator().manual_seed(x.numel()))
        kw64 = {k: _double(v) for k, v in kwargs.items()}
        _, got = torch.func.jvp(lambda a: abt.binary_cross_entropy_with_logits(a, y.detach(), **kwargs), (x,), (tx,))
        _, want = torch.func.jvp(lambda a: F.binary_cross_entropy_with_logits(a, y.detach().double(), **kw64),
                                 (x.double(),), (tx.double(),))
        _assert_close_to_truth(got, want, torch.float32)


def _module_inputs(dtype):
    return list(MODULE_INFO.module_inputs_func(MODULE_INFO, device="cpu", dtype=dtype, requires_grad=True,
                                               training=True))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_moduleinfo_samples(dtype):
    assert set(MODULE_INFO.dtypes) <= {torch.float32, torch.float64}
    inputs = _module_inputs(dtype)
    assert len(inputs) >= 6
    for module_input in inputs:
        ctor, fwd = module_input.constructor_input, module_input.forward_input
        ours = abt.BCEWithLogitsLoss(*ctor.args, **ctor.kwargs)
        theirs = torch.nn.BCEWithLogitsLoss(*ctor.args, **ctor.kwargs).double()
        assert repr(ours) == repr(torch.nn.BCEWithLogitsLoss(*ctor.args, **ctor.kwargs)) or ours.reduction != "mean"
        assert ours.state_dict().keys() == theirs.state_dict().keys()
        x, y = fwd.args
        got = ours(x, y, **fwd.kwargs)
        x64, y64 = (t.detach().double().requires_grad_(t.requires_grad) for t in (x, y))
        want = theirs(x64, y64, **fwd.kwargs)
        _assert_close_to_truth(got, want.detach(), dtype)
        assert x.requires_grad
        differentiable = [(a, b) for a, b in ((x, x64), (y, y64)) if a.requires_grad]
        grads = torch.autograd.grad(got.sum(), [a for a, _ in differentiable])
        want_grads = torch.autograd.grad(want.sum(), [b for _, b in differentiable])
        for g, w in zip(grads, want_grads):
            _assert_close_to_truth(g, w, dtype)
