"""PyTorch binding: torch.ops.ascend_bce ops (schema, fake, autograd), gradients against torch's
autograd in float64, the drop-in module, training steps, and clear errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ascend_bce
import ascend_bce.torch as abt

REDUCTIONS = ("none", "mean", "sum")
TOL = {torch.float32: 2e-6, torch.float16: 2e-3, torch.bfloat16: 1.6e-2}


def inputs(dtype, shape=(16, 24), w_shape=(16, 1), pw_shape=(24,), seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = (torch.randn(shape, generator=gen) * 3).to(dtype)
    y = torch.rand(shape, generator=gen).to(dtype)
    w = None if w_shape is None else (torch.rand(w_shape, generator=gen) + 0.5)
    pw = None if pw_shape is None else (torch.rand(pw_shape, generator=gen) * 3 + 0.5)
    return x, y, w, pw


def torch_grads(x, y, w, pw, reduction, grad_out):
    """Loss and gradients (input, target) of torch's own loss in float64 at the same inputs."""
    x64 = x.detach().double().requires_grad_()
    y64 = y.detach().double().requires_grad_()
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        x64, y64, None if w is None else w.double(), reduction=reduction,
        pos_weight=None if pw is None else pw.double())
    loss.backward(grad_out.double())
    return loss.detach(), x64.grad, y64.grad


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("operands", ["none", "broadcast"])
def test_loss_and_gradient_match_torch(dtype, reduction, operands):
    shapes = (None, None) if operands == "none" else ((16, 1), (24,))
    x, y, w, pw = inputs(dtype, w_shape=shapes[0], pw_shape=shapes[1])
    x.requires_grad_()
    y.requires_grad_()
    loss = ascend_bce.binary_cross_entropy_with_logits(x, y, w, reduction, pw)
    assert loss.dtype == dtype and loss.grad_fn is not None
    grad_out = torch.rand(loss.shape, generator=torch.Generator().manual_seed(1)).to(dtype) + 0.5
    loss.backward(grad_out)
    ref_loss, *ref_grads = torch_grads(x, y, w, pw, reduction, grad_out)
    torch.testing.assert_close(loss.detach().double(), ref_loss, rtol=TOL[dtype], atol=1e-7)
    for got, ref in zip((x.grad, y.grad), ref_grads):
        assert got.dtype == dtype and got.shape == x.shape
        # Gradients can cancel: judge them against the size of the per-element terms.
        scale = ref.abs().max().item()
        torch.testing.assert_close(got.double(), ref, rtol=TOL[dtype], atol=TOL[dtype] * scale)


def test_ops_pass_torch_opcheck():
    x, y, w, pw = inputs(torch.float32)
    for reduction in (0, 1, 2):
        torch.library.opcheck(torch.ops.ascend_bce.bce_with_logits.default, (x.requires_grad_(), y, w, pw, reduction),
                              test_utils=("test_schema", "test_autograd_registration", "test_faketensor"))
        g = torch.ones(x.shape) if reduction == 0 else torch.tensor(1.5)
        for op in (torch.ops.ascend_bce.bce_with_logits_backward, torch.ops.ascend_bce.bce_with_logits_target_backward):
            torch.library.opcheck(op.default, (g, x.detach(), y, w, pw, reduction),
                                  test_utils=("test_schema", "test_faketensor"))


def test_module_is_a_drop_in_for_torch():
    _, _, w, pw = inputs(torch.float32)
    ours = abt.BCEWithLogitsLoss(weight=w, pos_weight=pw, reduction="sum")
    theirs = torch.nn.BCEWithLogitsLoss(weight=w, pos_weight=pw, reduction="sum")
    assert isinstance(ours, torch.nn.Module)
    assert ours.state_dict().keys() == theirs.state_dict().keys()
    assert repr(ours) == "BCEWithLogitsLoss(reduction='sum')"
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        legacy = abt.BCEWithLogitsLoss(size_average=False)
        assert legacy.reduction == torch.nn.BCEWithLogitsLoss(size_average=False).reduction == "sum"
        assert abt.BCEWithLogitsLoss(reduce=False).reduction == "none"
    assert abt.BCEWithLogitsLoss().to(torch.float16).pos_weight is None


def test_training_steps_track_torch():
    gen = torch.Generator().manual_seed(3)
    feats = torch.randn(64, 10, generator=gen)
    labels = (torch.rand(64, 5, generator=gen) < 0.3).float()
    pw = torch.full((5,), 2.0)
    models = [torch.nn.Linear(10, 5), torch.nn.Linear(10, 5)]
    models[1].load_state_dict(models[0].state_dict())
    losses = [abt.BCEWithLogitsLoss(pos_weight=pw), torch.nn.BCEWithLogitsLoss(pos_weight=pw)]
    opts = [torch.optim.SGD(m.parameters(), lr=0.5) for m in models]
    for _ in range(20):
        for model, loss_fn, opt in zip(models, losses, opts):
            opt.zero_grad()
            loss_fn(model(feats), labels).backward()
            opt.step()
    for a, b in zip(models[0].parameters(), models[1].parameters()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
    first = losses[0](models[0](feats), labels).item()
    assert first == pytest.approx(losses[1](models[1](feats), labels).item(), rel=1e-5)


def test_simulator_options_reach_the_autograd_path():
    x, y, _, _ = inputs(torch.float32, shape=(600, 100), w_shape=None, pw_shape=None)
    loss = ascend_bce.binary_cross_entropy_with_logits(x.requires_grad_(), y, soc="910B3", max_blocks=5)
    stats = ascend_bce.last_kernel_stats()
    assert (stats.soc, stats.block_dim) == ("910B3", 5)
    loss.backward()
    stats = ascend_bce.last_kernel_stats()  # the backward launch tiles for the forward's SoC and cap
    assert (stats.soc, stats.block_dim) == ("910B3", 5) and stats.gm_bytes_written == x.numel() * 4


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")  # torch's make_dual
def test_torch_tensors_go_through_the_torch_binding():
    # The neutral functional hands every torch tensor to ascend_bce.torch (forward AD and functorch
    # tensors carry no requires_grad); meta tensors get the binding's clear error.
    x, y, _, _ = inputs(torch.float32)
    with torch.autograd.forward_ad.dual_level():
        dual = torch.autograd.forward_ad.make_dual(x, torch.ones_like(x))
        out = ascend_bce.binary_cross_entropy_with_logits(dual, y, reduction="sum")
        assert torch.autograd.forward_ad.unpack_dual(out).tangent is not None
    with pytest.raises(RuntimeError, match="no kernel for device 'meta'"):
        ascend_bce.binary_cross_entropy_with_logits(x.to("meta"), y.to("meta"))


def test_no_grad_inputs_skip_autograd():
    x, y, _, _ = inputs(torch.float32)
    out = abt.binary_cross_entropy_with_logits(x, y)
    assert out.grad_fn is None and out.requires_grad is False


@pytest.mark.parametrize("name", ["weight", "pos_weight"])
def test_gradients_of_weights_are_refused_not_zeroed(name):
    x, y, w, pw = inputs(torch.float32)
    args = {"target": y, "weight": w, "pos_weight": pw}
    args[name] = args[name].clone().requires_grad_()
    with pytest.raises(NotImplementedError, match=f"gradient with respect to '{name}' is not implemented"):
        abt.binary_cross_entropy_with_logits(x.requires_grad_(), args["target"], args["weight"],
                                             reduction="mean", pos_weight=args["pos_weight"])


def test_bad_reduction_and_device_are_clear_errors():
    x, y, _, _ = inputs(torch.float32)
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        abt.binary_cross_entropy_with_logits(x, y, reduction="avg")
    with pytest.raises(RuntimeError, match="no kernel for device 'meta'.*scripts/build_npu.sh"):
        abt.binary_cross_entropy_with_logits(x.to("meta"), y.to("meta"))
    with pytest.raises(ValueError, match="reduction code 7 is not valid"):
        torch.ops.ascend_bce.bce_with_logits(x, y, None, None, 7)


def test_npu_library_absent_here(monkeypatch, tmp_path):
    monkeypatch.setenv(abt.NPU_LIBRARY_ENV, str(tmp_path / "missing.so"))
    assert abt.load_npu_library() is False


def test_numpy_results_unchanged_by_the_binding():
    x, y, w, pw = (t.numpy() if t is not None else None for t in inputs(torch.float32))
    out = ascend_bce.binary_cross_entropy_with_logits(x, y, w, "none", pw)
    assert isinstance(out, np.ndarray) and out.shape == x.shape


def test_torch_compile_traces_the_op_and_its_backward():
    # aot_eager runs the fake kernels and the registered autograd through AOTAutograd's tracing.
    x, y, w, pw = inputs(torch.float32)
    fn = torch.compile(lambda a, b: abt.binary_cross_entropy_with_logits(a, b, w, reduction="sum", pos_weight=pw), backend="aot_eager")
    xc, xe = x.clone().requires_grad_(), x.clone().requires_grad_()
    compiled, eager = fn(xc, y), abt.binary_cross_entropy_with_logits(xe, y, w, reduction="sum", pos_weight=pw)
    compiled.backward()
    eager.backward()
    assert torch.equal(compiled.detach(), eager.detach()) and torch.equal(xc.grad, xe.grad)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("operands", ["none", "broadcast"])
def test_double_backward_matches_torch(reduction, operands):
    # A gradient penalty through both gradients, and the gradient of the gradients with respect
    # to grad_output: every second derivative torch's own loss has for input, target, grad_output.
    shapes = (None, None) if operands == "none" else ((16, 1), (24,))
    x, y, w, pw = inputs(torch.float32, w_shape=shapes[0], pw_shape=shapes[1])
    go = torch.rand(() if reduction != "none" else x.shape, generator=torch.Generator().manual_seed(2)) + 0.5

    def second_order(loss_fn, dtype):
        xs, ys, gos = (t.detach().to(dtype).clone().requires_grad_() for t in (x, y, go))
        cast = (lambda t: None if t is None else t.to(dtype))
        loss = loss_fn(xs, ys, cast(w), reduction=reduction, pos_weight=cast(pw))
        gx, gy = torch.autograd.grad(loss, (xs, ys), gos, create_graph=True)
        ((gx ** 2).sum() + (gy ** 3).sum()).backward()
        return xs.grad, ys.grad, gos.grad

    ours = second_order(abt.binary_cross_entropy_with_logits, torch.float32)
    ref = second_order(torch.nn.functional.binary_cross_entropy_with_logits, torch.float64)
    for got, want in zip(ours, ref):
        assert got is not None and got.dtype == torch.float32
        torch.testing.assert_close(got.double(), want, rtol=1e-5, atol=1e-6 * want.abs().max().item())


def test_double_backward_refuses_weight_gradients():
    x, y, w, pw = inputs(torch.float32)
    g = torch.ones(x.shape)
    with pytest.raises(NotImplementedError, match="gradient with respect to 'weight' is not implemented"):
        torch.ops.ascend_bce.bce_with_logits_backward(g, x.requires_grad_(), y, w.requires_grad_(), pw, 0)
