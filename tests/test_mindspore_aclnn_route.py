"""The MindSpore Ascend target through the op package's aclnn ops (mindspore/_aclnn.py), checked
without an NPU: where the package is looked for; the reg info against the documented aclnn
signatures (op_host/opp/README.md) parsed by MindSpore's own code; the route chosen at construction;
and the whole route (Cells, bprops, None for absent operands, reduction codes) run in GRAPH_MODE,
jit and PyNative with the CPU target's aot ops standing in for the aclnn primitives."""
from __future__ import annotations

import textwrap

import numpy as np
import pytest

ms = pytest.importorskip("mindspore")
from mindspore import Tensor, nn  # noqa: E402
from mindspore.ops import constexpr  # noqa: E402
from mindspore.ops.operations._custom_ops_utils import CustomCodeGenerator, CustomInfoGenerator  # noqa: E402

import ascend_bce.mindspore as abm  # noqa: E402
from ascend_bce import _C  # noqa: E402
from ascend_bce import _mindspore_ascend as asc  # noqa: E402
from ascend_bce._dtypes import REDUCTIONS  # noqa: E402
from ascend_bce.mindspore import _aclnn, _aot  # noqa: E402
from ascend_bce.reference import bce_with_logits_reference  # noqa: E402
from mindspore_helpers import Operands, check_grads, sample  # noqa: E402

# The generated declarations, as op_host/opp/README.md documents them (the adapters' contract).
FORWARD_HEADER = """
    aclnnStatus aclnnBceWithLogitsGetWorkspaceSize(const aclTensor *x, const aclTensor *target,
        const aclTensor *weightOptional, const aclTensor *posWeightOptional, int64_t reduction,
        const aclTensor *out, uint64_t *workspaceSize, aclOpExecutor **executor);
    aclnnStatus aclnnBceWithLogits(void *workspace, uint64_t workspaceSize, aclOpExecutor *executor,
        aclrtStream stream);
"""
GRAD_HEADER = """
    aclnnStatus aclnnBceWithLogitsGradGetWorkspaceSize(const aclTensor *x, const aclTensor *target,
        const aclTensor *weightOptional, const aclTensor *posWeightOptional, const aclTensor *gradOutput,
        int64_t reduction, bool gradTarget, const aclTensor *out, uint64_t *workspaceSize,
        aclOpExecutor **executor);
    aclnnStatus aclnnBceWithLogitsGrad(void *workspace, uint64_t workspaceSize, aclOpExecutor *executor,
        aclrtStream stream);
"""


def install_headers(root, headers=(FORWARD_HEADER, GRAD_HEADER)):
    include = root / "op_api" / "include"
    include.mkdir(parents=True)
    for name, text in zip(_aclnn.HEADERS, headers):
        (include / name).write_text(textwrap.dedent(text))
    return root


@pytest.fixture
def no_package(monkeypatch):
    monkeypatch.delenv(_aclnn.CUSTOM_OPP_ENV, raising=False)
    monkeypatch.delenv(_aclnn.OPP_ENV, raising=False)


def test_package_found_where_mindspore_looks(no_package, monkeypatch, tmp_path):
    assert not _aclnn.package_installed()
    vendor = install_headers(tmp_path / "opp" / "vendors" / _aclnn.VENDOR)
    monkeypatch.setenv(_aclnn.OPP_ENV, str(tmp_path / "opp"))
    assert _aclnn.package_installed()
    assert _aclnn.header_dirs() == [vendor / "op_api" / "include"]
    custom = install_headers(tmp_path / "custom", headers=(FORWARD_HEADER,))  # the grad header missing
    monkeypatch.setenv(_aclnn.CUSTOM_OPP_ENV, f"{custom}:{tmp_path / 'elsewhere'}")
    monkeypatch.delenv(_aclnn.OPP_ENV)
    assert _aclnn.header_dirs()[0] == custom / "op_api" / "include" and not _aclnn.package_installed()


@pytest.mark.parametrize("op,reg_info,header", [(_aclnn.FORWARD_OP, _aclnn.forward_reg_info, FORWARD_HEADER),
                                                (_aclnn.GRAD_OP, _aclnn.grad_reg_info, GRAD_HEADER)])
def test_reg_info_matches_the_aclnn_signature_as_mindspore_reads_it(no_package, monkeypatch, tmp_path, op,
                                                                   reg_info, header):
    """MindSpore takes the parameter types from the installed header and checks them against the
    reg info (count and order); it then passes the Custom op's inputs in that order."""
    headers = (header, GRAD_HEADER) if op == _aclnn.FORWARD_OP else (FORWARD_HEADER, header)
    monkeypatch.setenv(_aclnn.CUSTOM_OPP_ENV, str(install_headers(tmp_path, headers)))
    api_types = CustomInfoGenerator(op).get_aclnn_api_types()
    info = reg_info()
    from_reg_info = CustomCodeGenerator().get_api_types_by_reg_info(info)
    assert from_reg_info[:-2] == api_types[:-2]  # tensors, attrs, out; MindSpore adds the last two
    assert api_types[-2:] == ["uint64_t*", "aclOpExecutor**"]
    CustomCodeGenerator().generate_callback_by_types(op, info, api_types)  # raises on a count mismatch
    assert info["op_name"] == op and info["target"] == "Ascend"
    optional = [i["name"] for i in info["inputs"] if i["paramType"] == "optional"]
    assert optional == ["weight", "pos_weight"]


def test_real_primitives_are_the_aclnn_custom_ops(no_package):
    forward, grad = _aclnn.primitives("sum")
    assert forward.func == _aclnn.FORWARD_OP and grad.func == _aclnn.GRAD_OP
    assert forward.func_type == "aot" and forward.bprop is None  # gradients: the Cells' bprops
    assert forward.out_shape([6, 5], [6, 5], None, [5], []) == []
    assert _aclnn.primitives("none")[0].out_shape([6, 5], [6, 5], None, None, []) == [6, 5]
    assert grad.out_shape([6, 5], [6, 5], [6, 1], None, [], [], []) == [6, 5]


# --- the route run with stand-ins ------------------------------------------------------------------

@constexpr
def _stand_in_op(kernel, code, has_weight, has_pos_weight):
    return _aot.custom_op(kernel, REDUCTIONS[code], has_weight, has_pos_weight)


def _forward(op, x, y, w, pw):
    """The CPU aot op of the operands present (graph mode compiles branches on None)."""
    if w is None:
        return op(x, y) if pw is None else op(x, y, pw)
    return op(x, y, w) if pw is None else op(x, y, w, pw)


def _grad(op, x, y, w, pw, g):
    if w is None:
        return op(x, y, g) if pw is None else op(x, y, pw, g)
    return op(x, y, w, g) if pw is None else op(x, y, w, pw, g)


class StandInForward(nn.Cell):
    """aclnnBceWithLogits's call signature (x, target, weight|None, pos_weight|None, reduction)."""

    def construct(self, x, y, w, pw, code):
        return _forward(_stand_in_op("forward", code, w is not None, pw is not None), x, y, w, pw)


class StandInGrad(nn.Cell):
    """aclnnBceWithLogitsGrad's: (x, target, weight|None, pos_weight|None, grad_output, reduction,
    grad_target)."""

    def construct(self, x, y, w, pw, g, code, grad_target):
        kernel = "backward_target" if grad_target else "backward"
        return _grad(_stand_in_op(kernel, code, w is not None, pw is not None), x, y, w, pw, g)


@pytest.fixture
def aclnn_route(no_package, monkeypatch, tmp_path):
    """device_target 'Ascend' with the package installed, its primitives replaced by stand-ins."""
    real = ms.get_context
    monkeypatch.setattr(ms, "get_context", lambda key: "Ascend" if key == "device_target" else real(key))
    monkeypatch.setenv(_aclnn.CUSTOM_OPP_ENV, str(install_headers(tmp_path)))
    made = []

    def make_primitive(name, out_shape, reg_info):
        made.append((name, reg_info["op_name"]))
        return StandInForward() if name == _aclnn.FORWARD_OP else StandInGrad()

    monkeypatch.setattr(_aclnn, "make_primitive", make_primitive)
    monkeypatch.setattr(asc, "load", lambda: pytest.fail("the CustomOpBuilder route was taken"))
    for cached in (_aclnn.primitives, _aclnn.loss_cell):
        cached.cache_clear()
    yield made
    for cached in (_aclnn.primitives, _aclnn.loss_cell):
        cached.cache_clear()
    ms.set_context(mode=ms.PYNATIVE_MODE)


@pytest.mark.parametrize("has_weight,has_pos_weight", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_aclnn_route_in_graph_mode_jit_and_pynative(aclnn_route, reduction, has_weight, has_pos_weight):
    x, y, w, pw = sample((6, 5), seed=7)
    args = [Tensor(a) for a in (x, y, w, pw)]
    w, pw = (w if has_weight else None), (pw if has_pos_weight else None)
    net = Operands(reduction, has_weight, has_pos_weight)
    for mode, jit in ((ms.GRAPH_MODE, False), (ms.PYNATIVE_MODE, True), (ms.PYNATIVE_MODE, False)):
        ms.set_context(mode=mode)
        before = _C.mindspore_aot.launch_count()
        fn = ms.jit(net) if jit else net
        out = fn(*args)
        np.testing.assert_allclose(out.asnumpy(), bce_with_logits_reference(x, y, w, reduction, pw),
                                   rtol=2e-6, atol=1e-7)
        grad = ms.grad(net, grad_position=(0, 1, 2, 3))
        grads = (ms.jit(grad) if jit else grad)(*args)
        check_grads(grads[:2], x, y, w, pw, reduction)
        for operand, present in zip(grads[2:], (has_weight, has_pos_weight)):
            assert not np.any(operand.asnumpy())  # zeros, as MindSpore's own bprop (or unused)
        assert _C.mindspore_aot.launch_count() >= before + 3  # the stand-ins ran the kernels
    assert {name for name, _ in aclnn_route} == {_aclnn.FORWARD_OP, _aclnn.GRAD_OP}
    assert all(name == reg for name, reg in aclnn_route)


def test_route_is_chosen_at_construction_from_what_is_installed(aclnn_route, monkeypatch):
    ms.set_context(mode=ms.GRAPH_MODE)
    loss = abm.BCEWithLogitsLoss(reduction="mean")
    assert isinstance(_aclnn.loss_cell("mean", False, False), _aclnn.AclnnLossXY)
    x, y, _, _ = sample((3, 5))
    np.testing.assert_allclose(loss(Tensor(x), Tensor(y)).asnumpy(), bce_with_logits_reference(x, y, None, "mean",
                                                                                                 None), rtol=2e-6)
    monkeypatch.delenv(_aclnn.CUSTOM_OPP_ENV)  # no package: the CustomOpBuilder route, PyNative only
    monkeypatch.setattr(asc, "load", lambda: asc._KernelOps(object()))
    asc.loss_cell.cache_clear()
    with pytest.raises(asc.AscendUnavailableError, match="PyNative mode only.*install the op package"):
        abm.BCEWithLogitsLoss(reduction="sum")
    asc.loss_cell.cache_clear()
