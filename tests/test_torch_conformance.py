"""PyTorch conformance of the drop-in (issue 10, items 1-6): every autodiff mode, device checks,
torch's signature, autocast, dtype promotion and float64, exception classes, jit, repr, rank.
References are torch's own loss in float64."""
from __future__ import annotations

import pytest
import torch
import torch.autograd.forward_ad as fwAD
import torch.nn.functional as F

import ascend_bce.torch as abt

# torch's own forward AD and jvp decompositions call the deprecated torch.jit.script on first use.
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
REDUCTIONS = ("none", "mean", "sum")


def operands(shape=(4, 5), seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=gen) * 3
    y = torch.rand(shape, generator=gen)
    w = torch.rand(shape[-1:], generator=gen) + 0.5
    pw = torch.rand(shape[-1:], generator=gen) * 2 + 0.5
    return x, y, w, pw


def loss_fns(w, pw, reduction):
    ours = (lambda a, b: abt.binary_cross_entropy_with_logits(a, b, w, reduction=reduction, pos_weight=pw))
    ref = (lambda a, b: F.binary_cross_entropy_with_logits(a, b, w.double(), reduction=reduction,
                                                           pos_weight=pw.double()))
    return ours, ref


def assert_close64(got, want, rtol=2e-6):
    for g, r in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
        assert g.dtype == torch.float32 and g.shape == r.shape
        torch.testing.assert_close(g.double(), r, rtol=rtol, atol=rtol * r.abs().max().item())


# --- 1. forward AD and functorch -------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_func_jvp_gives_torchs_tangent(reduction):
    x, y, w, pw = operands()
    gen = torch.Generator().manual_seed(1)
    tx, ty = torch.randn(x.shape, generator=gen), torch.randn(y.shape, generator=gen)
    ours, ref = loss_fns(w, pw, reduction)
    out, tangent = torch.func.jvp(ours, (x, y), (tx, ty))
    primals64, tangents64 = (x.double(), y.double()), (tx.double(), ty.double())
    ref_out, ref_tangent = torch.func.jvp(ref, primals64, tangents64)
    assert tangent.abs().max() > 0
    assert_close64(out, ref_out)
    # A reduced tangent is a sum of terms of both signs: its fp32 error scales with the terms'
    # magnitudes, not with the (possibly cancelled) result.
    _, terms = torch.func.jvp(loss_fns(w, pw, "none")[1], primals64, tangents64)
    scale = terms.abs().sum() / (terms.numel() if reduction == "mean" else 1)
    torch.testing.assert_close(tangent.double(), ref_tangent, rtol=2e-6, atol=2e-6 * scale.item())


def test_forward_ad_dual_tensors_carry_the_tangent():
    x, y, w, pw = operands()
    tx = torch.randn_like(x)
    ours, ref = loss_fns(w, pw, "mean")
    with fwAD.dual_level():
        tangent = fwAD.unpack_dual(ours(fwAD.make_dual(x, tx), y)).tangent
    with fwAD.dual_level():
        want = fwAD.unpack_dual(ref(fwAD.make_dual(x.double(), tx.double()), y.double())).tangent
    assert tangent is not None
    assert_close64(tangent, want)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("transform", ["grad", "jacrev", "jacfwd", "hessian"])
def test_functorch_transforms_match_torch(transform, reduction):
    x, y, w, pw = operands()
    ours, ref = loss_fns(w, pw, reduction)
    make = {"grad": lambda f: torch.func.grad(f, argnums=(0, 1)),
            "jacrev": lambda f: torch.func.jacrev(f, argnums=(0, 1)),
            "jacfwd": lambda f: torch.func.jacfwd(f, argnums=(0, 1)),
            "hessian": lambda f: torch.func.hessian(f)}[transform]
    assert_close64(make(ours)(x, y), make(ref)(x.double(), y.double()), rtol=1e-5)


def test_vjp_and_per_sample_gradients_with_vmap():
    x, y, w, pw = operands(shape=(3, 2, 5))
    ours, ref = loss_fns(w, pw, "sum")
    out, vjp_fn = torch.func.vjp(ours, x, y)
    ref_out, ref_vjp = torch.func.vjp(ref, x.double(), y.double())
    assert_close64(vjp_fn(torch.tensor(1.5)), ref_vjp(torch.tensor(1.5, dtype=torch.float64)))
    per_sample = torch.func.vmap(torch.func.grad(ours))(x, y)
    want = torch.func.vmap(torch.func.grad(ref))(x.double(), y.double())
    assert_close64(per_sample, want)
    assert_close64(torch.func.vmap(ours)(x, y), torch.func.vmap(ref)(x.double(), y.double()))


def test_weight_tangents_are_refused_not_zeroed():
    x, y, w, pw = operands()
    with pytest.raises(NotImplementedError, match="derivative with respect to 'weight'"):
        torch.func.jvp(lambda ww: abt.binary_cross_entropy_with_logits(x, y, ww), (w,), (torch.ones_like(w),))


# --- 2. devices --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["target", "weight", "pos_weight"])
def test_meta_operand_with_cpu_input_raises(name):
    x, y, w, pw = operands()
    args = {"target": y, "weight": w, "pos_weight": pw}
    args[name] = args[name].to("meta")
    with pytest.raises(RuntimeError, match="cpu and meta"):
        abt.binary_cross_entropy_with_logits(x, args["target"], args["weight"], pos_weight=args["pos_weight"])
    with pytest.raises(RuntimeError, match="cpu and meta"):  # the op itself: fake kernel and CPU kernel
        torch.ops.ascend_bce.bce_with_logits(x, args["target"], args["weight"], args["pos_weight"], 1)
    with pytest.raises(RuntimeError, match="cpu and meta"):
        torch.ops.ascend_bce.bce_with_logits_backward(torch.ones(()), x, args["target"], args["weight"],
                                                      args["pos_weight"], 1)


def test_module_built_on_meta_raises_with_cpu_inputs():
    x, y, w, pw = operands()
    with torch.device("meta"):
        module = abt.BCEWithLogitsLoss(weight=torch.ones(5), pos_weight=torch.ones(5))
    with pytest.raises(RuntimeError, match="cpu and meta"):
        module(x, y)


# --- 3. signature ------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:size_average and reduce args will be deprecated:UserWarning")
def test_signature_and_legacy_arguments_as_torch():
    import inspect

    x, y, w, pw = operands()
    assert list(inspect.signature(abt.binary_cross_entropy_with_logits).parameters) == \
        list(inspect.signature(F.binary_cross_entropy_with_logits).parameters)
    # f(x, y, None, 'sum'): the 4th positional is size_average (truthy: mean), as in torch.
    cases = [((None, "sum"), {}), ((None, False), {}), ((None, None, False), {}), ((w, None, None, "sum", pw), {}),
             ((), {"size_average": False}), ((), {"reduce": False, "reduction": "sum"})]
    for args, kwargs in cases:
        got = abt.binary_cross_entropy_with_logits(x, y, *args, **kwargs)
        want = F.binary_cross_entropy_with_logits(
            x.double(), y.double(), *[a.double() if isinstance(a, torch.Tensor) else a for a in args], **kwargs)
        assert got.shape == want.shape
        torch.testing.assert_close(got.double(), want, rtol=2e-6, atol=1e-7)


# --- 4. autocast -------------------------------------------------------------------------------
def test_autocast_runs_in_float32():
    x, y, w, pw = operands()
    xb, yb = x.bfloat16(), y.bfloat16()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        ours = abt.binary_cross_entropy_with_logits(xb, yb, w, pos_weight=pw)
        theirs = F.binary_cross_entropy_with_logits(xb, yb, w, pos_weight=pw)
        op = torch.ops.ascend_bce.bce_with_logits(xb, yb, w, pw, 1)
    assert ours.dtype == theirs.dtype == op.dtype == torch.float32
    want = F.binary_cross_entropy_with_logits(xb.double(), yb.double(), w.double(), pos_weight=pw.double())
    assert_close64(ours, want)
    assert_close64(op, want)


# --- 5. promotion and float64 -------------------------------------------------------------------
PROMOTIONS = [(torch.float16, torch.float32, None), (torch.float32, torch.float16, None),
              (torch.bfloat16, torch.float16, None), (torch.float32, torch.float32, torch.int64),
              (torch.float16, torch.float16, torch.float32), (torch.float32, torch.float32, torch.float64),
              (torch.float64, torch.float32, None), (torch.float32, torch.float64, None)]


@pytest.mark.parametrize("reduction", ["none", "sum"])
@pytest.mark.parametrize("x_dtype,y_dtype,w_dtype", PROMOTIONS)
def test_dtype_promotion_as_torch(x_dtype, y_dtype, w_dtype, reduction):
    x, y, w, pw = operands()
    x, y = x.to(x_dtype), y.to(y_dtype)
    w = (w * 3).round().to(w_dtype) if w_dtype is not None else w
    got = abt.binary_cross_entropy_with_logits(x, y, w, reduction=reduction, pos_weight=pw)
    want_dtype = F.binary_cross_entropy_with_logits(x.to("meta"), y.to("meta"), w.to("meta"), reduction=reduction,
                                                    pos_weight=pw.to("meta")).dtype
    assert got.dtype == want_dtype
    want = F.binary_cross_entropy_with_logits(x.double(), y.double(), w.double(), reduction=reduction,
                                              pos_weight=pw.double())
    tol = {torch.float64: 1e-12, torch.float32: 2e-6, torch.float16: 1e-3, torch.bfloat16: 8e-3}[got.dtype]
    torch.testing.assert_close(got.double(), want, rtol=tol, atol=tol * want.abs().max().item())


def test_gradcheck_and_double_module_use_the_float64_path():
    x, y, w, pw = (t.double() for t in operands(shape=(3, 4)))
    for reduction in REDUCTIONS:
        fn = (lambda a, b: abt.binary_cross_entropy_with_logits(a, b, w, reduction=reduction, pos_weight=pw))
        assert torch.autograd.gradcheck(fn, (x.requires_grad_(), y.requires_grad_()))
        assert torch.autograd.gradgradcheck(fn, (x, y))
    module = abt.BCEWithLogitsLoss(weight=w.float(), pos_weight=pw.float()).double()
    got = module(x, y)
    assert got.dtype == torch.float64
    torch.testing.assert_close(got, F.binary_cross_entropy_with_logits(x, y, w, pos_weight=pw), rtol=1e-14, atol=0)


# --- 6. exceptions, jit, repr, rank ----------------------------------------------------------------
def _same_exception_class(call_ours, call_theirs):
    with pytest.raises(Exception) as theirs:
        call_theirs()
    with pytest.raises(theirs.type):
        call_ours()


@pytest.mark.parametrize("case", ["bad_weight", "long_target", "bool_target", "complex_input", "int_input",
                                  "target_size"])
def test_exception_classes_as_torch(case):
    x, y, w, _ = operands()
    args = {"bad_weight": (x, y, torch.ones(7)), "long_target": (x, y.long()), "bool_target": (x, y > 0.5),
            "complex_input": (x.to(torch.complex64), y.to(torch.complex64)), "int_input": (x.long(), y),
            "target_size": (x, y[:, :3])}[case]
    _same_exception_class(lambda: abt.binary_cross_entropy_with_logits(*args),
                          lambda: F.binary_cross_entropy_with_logits(*args))


def test_jit_script_fails_naming_torch_compile():
    with pytest.raises(RuntimeError, match="torch.compile"):
        with pytest.warns(DeprecationWarning):
            torch.jit.script(abt.BCEWithLogitsLoss())


def test_repr_of_default_module_is_torchs():
    assert repr(abt.BCEWithLogitsLoss()) == repr(torch.nn.BCEWithLogitsLoss()) == "BCEWithLogitsLoss()"


@pytest.mark.parametrize("w_shape,pw_shape", [(None, None), ((3, 1), (2,)),
                                              ((2, 1, 2, 1, 2, 1, 2, 1, 1, 2), (1, 2, 1, 2, 1, 2, 1, 2, 1, 2))])
def test_rank_beyond_the_kernel_limit(w_shape, pw_shape):
    gen = torch.Generator().manual_seed(5)
    shape = (2, 2, 2, 2, 2, 2, 2, 2, 3, 2) if w_shape and len(w_shape) == 2 else (2,) * 10
    x = torch.randn(shape, generator=gen, requires_grad=True)
    y = torch.rand(shape, generator=gen)
    w = None if w_shape is None else torch.rand(w_shape, generator=gen) + 0.5
    pw = None if pw_shape is None else torch.rand(pw_shape, generator=gen) + 0.5
    for reduction in REDUCTIONS:
        got = abt.binary_cross_entropy_with_logits(x, y, w, reduction=reduction, pos_weight=pw)
        (grad,) = torch.autograd.grad(got.sum(), x)
        x64 = x.detach().double().requires_grad_()
        want = F.binary_cross_entropy_with_logits(x64, y.double(), None if w is None else w.double(),
                                                  reduction=reduction,
                                                  pos_weight=None if pw is None else pw.double())
        (want_grad,) = torch.autograd.grad(want.sum(), x64)
        assert_close64(got, want)
        assert_close64(grad, want_grad)
