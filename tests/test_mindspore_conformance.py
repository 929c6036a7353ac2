"""MindSpore binding against mint's behaviour (issue 10, items 7-11): the functional compiled in
GRAPH_MODE and under ms.jit, 0-d and empty inputs, dynamic shapes, mint's dtype promotion and
errors that name the argument. Each case is checked in PyNative and in graph mode, against the
float64 reference and mindspore.mint."""
from __future__ import annotations

import numpy as np
import pytest

ms = pytest.importorskip("mindspore")
from mindspore import Tensor  # noqa: E402

import ascend_bce.mindspore as abm  # noqa: E402
from test_mindspore_binding import Loss  # noqa: E402
from ascend_bce.reference import (  # noqa: E402
    bce_with_logits_grad_reference,
    bce_with_logits_reference,
    bce_with_logits_target_grad_reference,
)
from mindspore_helpers import Operands, check_grads, sample  # noqa: E402

REDUCTIONS = ("none", "mean", "sum")
MINT = ms.mint.nn.functional.binary_cross_entropy_with_logits


@pytest.fixture(params=["pynative", "graph"])
def mode(request):
    ms.set_context(mode=ms.GRAPH_MODE if request.param == "graph" else ms.PYNATIVE_MODE)
    yield request.param
    ms.set_context(mode=ms.PYNATIVE_MODE)


class Fn(ms.nn.Cell):
    """The functional inside a Cell: compiled as a graph in GRAPH_MODE."""

    def __init__(self, fn, reduction):
        super().__init__()
        self.fn = fn
        self.reduction = reduction

    def construct(self, x, y, w, pw):
        return self.fn(x, y, w, self.reduction, pw)


# --- item 7: the functional compiles (GRAPH_MODE Cell, ms.jit, jit of a grad) -------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_functional_compiles_in_graph_mode_and_jit(mode, reduction):
    x, y, w, pw = sample()
    args = [Tensor(a) for a in (x, y, w, pw)]
    truth = bce_with_logits_reference(x, y, w, reduction, pw)

    @ms.jit
    def jitted(a, b, c, d):
        return abm.binary_cross_entropy_with_logits(a, b, c, reduction, d)

    for fn in (Fn(abm.binary_cross_entropy_with_logits, reduction), jitted):
        out = fn(*args)
        np.testing.assert_allclose(out.asnumpy(), truth, rtol=2e-6, atol=1e-7)
        np.testing.assert_allclose(out.asnumpy(), MINT(args[0], args[1], args[2], reduction, args[3]).asnumpy(),
                                   rtol=1e-5, atol=1e-7)
    grad = ms.jit(ms.grad(Fn(abm.binary_cross_entropy_with_logits, reduction), grad_position=(0, 1)))
    check_grads(grad(*args), x, y, w, pw, reduction)


def test_cell_inside_jit_function(mode):
    x, y, w, pw = sample()
    loss = abm.BCEWithLogitsLoss(Tensor(w), "sum", Tensor(pw))

    @ms.jit
    def jitted(a, b):
        return loss(a, b)

    out = jitted(Tensor(x), Tensor(y))
    np.testing.assert_allclose(out.asnumpy(), bce_with_logits_reference(x, y, w, "sum", pw), rtol=2e-6)


# --- item 8: 0-d inputs -----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [ms.float32, ms.float16, ms.bfloat16])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_zero_dim_inputs_forward_and_gradients(mode, reduction, dtype):
    x, y, w, pw = (np.float32(v) for v in (1.75, 0.25, 1.5, 2.0))
    args = [Tensor(v).astype(dtype) for v in (x, y, w, pw)]
    out = Fn(abm.binary_cross_entropy_with_logits, reduction)(*args)
    assert out.shape == () and out.dtype == dtype
    truth = bce_with_logits_reference(*(np.array(v, np.float64) for v in (x, y, w)), reduction, np.array(pw))
    eps = {ms.float32: 2e-6, ms.float16: 2.0 ** -10, ms.bfloat16: 2.0 ** -7}[dtype]
    assert abs(float(out.astype(ms.float32).asnumpy()) - float(truth)) <= eps * abs(float(truth))
    grads = ms.grad(Fn(abm.binary_cross_entropy_with_logits, reduction), grad_position=(0, 1))(*args)
    # mint on CPU has no bf16 backward: compare with it in float32 and float16.
    mint = ms.grad(Fn(MINT, reduction), grad_position=(0, 1))(*args) if dtype != ms.bfloat16 else grads
    for got, want in zip(grads, mint):
        assert got.shape == () and got.dtype == dtype
        assert float(got.astype(ms.float32).asnumpy()) != 0.0  # graph mode used to give silent zeros
        np.testing.assert_allclose(got.astype(ms.float32).asnumpy(), want.astype(ms.float32).asnumpy(),
                                   rtol=4 * eps)
    if dtype == ms.float32:
        check_grads(grads, np.array(x), np.array(y), np.array(w), np.array(pw), reduction)


def test_zero_dim_weight_on_a_tensor_input(mode):
    x, y, _, _ = sample()
    args = [Tensor(x), Tensor(y), Tensor(np.float32(0.5)), Tensor(np.float32(3.0))]
    out = Fn(abm.binary_cross_entropy_with_logits, "none")(*args)
    np.testing.assert_allclose(out.asnumpy(), bce_with_logits_reference(x, y, np.array(0.5), "none",
                                                                        np.array(3.0)), rtol=2e-6, atol=1e-7)


# --- item 9: empty inputs ---------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_empty_inputs_give_minds_values_and_gradients(mode, reduction):
    e = Tensor(np.zeros((0, 3), np.float32))
    w, pw = Tensor(np.ones(3, np.float32)), Tensor(np.ones(3, np.float32))
    out = Fn(abm.binary_cross_entropy_with_logits, reduction)(e, e, w, pw)
    mint = MINT(e, e, None, reduction, None)
    assert out.shape == mint.shape and out.dtype == mint.dtype
    np.testing.assert_array_equal(out.asnumpy(), mint.asnumpy())  # [] / NaN / 0
    grads = ms.grad(Fn(abm.binary_cross_entropy_with_logits, reduction), grad_position=(0, 1))(e, e, w, pw)
    assert all(g.shape == (0, 3) and g.dtype == ms.float32 for g in grads)
    out = abm.BCEWithLogitsLoss(reduction=reduction)(e, e)
    np.testing.assert_array_equal(out.asnumpy(), mint.asnumpy())


# --- item 10: dynamic shapes ------------------------------------------------------------------------

@pytest.mark.parametrize("operands", ["", "w", "pw", "w+pw"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_dynamic_shapes_in_graph_mode(reduction, operands):
    """MindSpore's test_bce_with_logits_loss_dy_shape, re-expressed: Cell.set_inputs with unknown
    dims, then calls of several shapes (and an empty one), forward and gradients against the
    float64 reference. The aot ops' C++ infer shape runs at compile time on [-1, -1] and again on
    the real shapes before each launch."""
    has_w, has_pw = "w" in operands.split("+"), "pw" in operands.split("+")
    ms.set_context(mode=ms.GRAPH_MODE)
    try:
        net = Operands(reduction, has_w, has_pw)
        dynamic = Tensor(shape=[None, None], dtype=ms.float32)
        net.set_inputs(dynamic, dynamic, Tensor(shape=[None], dtype=ms.float32), Tensor(shape=[None], dtype=ms.float32))
        grad = ms.grad(net, grad_position=(0, 1))
        for shape in ((3, 5), (7, 4), (2, 1)):
            x, y, w, pw = sample(shape, seed=shape[0])
            args = [Tensor(a) for a in (x, y, w, pw)]
            w, pw = (w if has_w else None), (pw if has_pw else None)
            out = net(*args)
            assert out.shape == (shape if reduction == "none" else ())
            np.testing.assert_allclose(out.asnumpy(), bce_with_logits_reference(x, y, w, reduction, pw),
                                       rtol=2e-6, atol=1e-7)
            check_grads(grad(*args), x, y, w, pw, reduction)
        e = Tensor(np.zeros((0, 5), np.float32))
        out = net(e, e, Tensor(np.ones(5, np.float32)), Tensor(np.ones(5, np.float32)))
        np.testing.assert_array_equal(out.asnumpy(), MINT(e, e, None, reduction, None).asnumpy())  # [] / NaN / 0
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


@pytest.mark.parametrize("dynamic", [[2, None], None])
def test_dynamic_dims_and_rank_of_the_cell(dynamic):
    """The Cell with a known batch and unknown classes, and with an unknown rank ([-2])."""
    ms.set_context(mode=ms.GRAPH_MODE)
    try:
        pw = sample((2, 5))[3]
        net = Loss(abm.BCEWithLogitsLoss(reduction="mean", pos_weight=Tensor(pw)))
        net.set_inputs(Tensor(shape=dynamic, dtype=ms.float32), Tensor(shape=dynamic, dtype=ms.float32))
        for shape in ((2, 5), (2, 5) if dynamic else (3, 2, 5)):
            x, y, _, _ = sample(shape, seed=len(shape))
            np.testing.assert_allclose(net(Tensor(x), Tensor(y)).asnumpy(),
                                       bce_with_logits_reference(x, y, None, "mean", pw), rtol=2e-6)
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


def test_dynamic_shape_mismatch_is_reported_with_the_rule():
    """With unknown dims nothing can be checked at compile time: the C++ infer shape checks the
    real shapes before the launch, and MindSpore raises with its message."""
    ms.set_context(mode=ms.GRAPH_MODE)
    try:
        net = Loss(abm.BCEWithLogitsLoss(reduction="sum"))
        net.set_inputs(Tensor(shape=[None, None], dtype=ms.float32), Tensor(shape=[None, None], dtype=ms.float32))
        with pytest.raises(RuntimeError, match=r"Target size \(\[2, 4\]\) must be the same as input size "
                                               r"\(\[2, 3\]\)"):
            net(Tensor(np.zeros((2, 3), np.float32)), Tensor(np.zeros((2, 4), np.float32)))
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


# --- item 11: mixed dtypes as mint promotes, errors naming the argument ----------------------------

@pytest.mark.parametrize("dtypes", [("float32", "float16"), ("float16", "float32"), ("bfloat16", "float16"),
                                    ("float32", "bfloat16"), ("float16", "float16", "float32", "bfloat16"),
                                    ("float32", "float32", "float16", "float16")])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mixed_dtypes_promote_as_mint(mode, reduction, dtypes):
    input_dtype, target_dtype, weight_dtype, pos_weight_dtype = (dtypes + ("float32", "float32"))[:4]
    x, y, w, pw = sample()
    args = [Tensor(a).astype(getattr(ms, d)) for a, d in zip((x, y, w, pw),
                                                            (input_dtype, target_dtype, weight_dtype, pos_weight_dtype))]
    out = Fn(abm.binary_cross_entropy_with_logits, reduction)(*args)
    mint = MINT(args[0], args[1], args[2], reduction, args[3])
    assert out.shape == mint.shape and out.dtype == mint.dtype == args[1].dtype
    seen = [a.astype(ms.float32).asnumpy().astype(np.float64) for a in args]  # the values after rounding
    truth = bce_with_logits_reference(seen[0], seen[1], seen[2], reduction, seen[3])
    eps = {ms.float32: 2e-6, ms.float16: 2.0 ** -11, ms.bfloat16: 2.0 ** -8}[out.dtype]
    got = out.astype(ms.float32).asnumpy().astype(np.float64)
    assert np.all(np.abs(got - truth) <= eps * np.abs(truth) + 1e-7)  # one rounding of the fp32 result
    # Gradients in each argument's own dtype (mint on CPU has no backward for mixed dtypes).
    grads = ms.grad(Fn(abm.binary_cross_entropy_with_logits, reduction), grad_position=(0, 1))(*args)
    ones = np.ones(x.shape if reduction == "none" else ())
    for got, arg, reference in zip(grads, args, (bce_with_logits_grad_reference,
                                                 bce_with_logits_target_grad_reference)):
        assert got.dtype == arg.dtype and got.shape == arg.shape
        truth, scale = reference(ones, seen[0], seen[1], seen[2], seen[3], reduction)
        eps = {ms.float32: 2e-6, ms.float16: 2.0 ** -10, ms.bfloat16: 2.0 ** -7}[arg.dtype]
        assert np.all(np.abs(got.astype(ms.float32).asnumpy() - truth) <= eps * np.abs(truth) + 1e-6 * scale)


@pytest.mark.parametrize("name", ["input", "target", "weight", "pos_weight"])
@pytest.mark.parametrize("bad", [None, [[1.0, 0.0]], 0.5])
def test_non_tensor_arguments_are_named(mode, name, bad):
    if bad is None and name in ("weight", "pos_weight"):
        return  # None is their default
    args = dict(input=Tensor(np.zeros((1, 2), np.float32)), target=Tensor(np.zeros((1, 2), np.float32)),
                weight=None, pos_weight=None)
    args[name] = bad
    fn = ms.jit(abm.binary_cross_entropy_with_logits) if mode == "graph" else abm.binary_cross_entropy_with_logits
    with pytest.raises(TypeError, match=f"argument '{name}' must be a mindspore.Tensor.*not {type(bad).__name__}"):
        fn(args["input"], args["target"], args["weight"], "mean", args["pos_weight"])


@pytest.mark.parametrize("name,dtype", [("input", ms.float64), ("target", ms.int64), ("weight", ms.int32),
                                        ("pos_weight", ms.float64)])
def test_unsupported_dtypes_are_named(mode, name, dtype):
    args = {k: Tensor(np.ones((2, 2), np.float32)) for k in ("input", "target", "weight", "pos_weight")}
    args[name] = args[name].astype(dtype)
    with pytest.raises(TypeError, match=f"expected '{name}' of dtype float32, float16 or bfloat16, but got {dtype}"):
        Fn(abm.binary_cross_entropy_with_logits, "mean")(args["input"], args["target"], args["weight"],
                                                          args["pos_weight"])
