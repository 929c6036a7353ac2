"""The torchair converters (ascend_bce/torch/torchair_converter.py) without torchair: nothing is
imported or registered when it is absent; with a stand-in torchair module, each op overload is
registered and maps its arguments onto the op package's IR (inputs in IR order, None for absent
optional inputs, typed attrs, the output names) as torchair.ge.custom_op takes them."""
from __future__ import annotations

import importlib.util
import sys
import types

import pytest

torch = pytest.importorskip("torch")

import ascend_bce.torch  # noqa: E402,F401  (defines the ops)
from ascend_bce.torch import torchair_converter as tc  # noqa: E402

OPS = torch.ops.ascend_bce


class FakeGe:
    """torchair.ge's custom_op and attr types, recording what a converter builds."""

    class attr:  # noqa: N801  (torchair.ge.attr)
        @staticmethod
        def Int(value):  # noqa: N802
            return ("Int", value)

        @staticmethod
        def Bool(value):  # noqa: N802
            return ("Bool", value)

    def __init__(self):
        self.built = []

    def custom_op(self, op_type, *args, inputs=None, outputs=None, attrs=None, node_name=None):
        assert not args  # keyword form: inputs by IR name
        self.built.append((op_type, inputs, attrs, outputs))
        return f"{op_type}:0"


@pytest.fixture
def fake_torchair(monkeypatch):
    registered = {}
    module = types.ModuleType("torchair")
    module.ge = FakeGe()

    def register_fx_node_ge_converter(op):
        def decorate(fn):
            registered[op] = fn
            return fn
        return decorate

    module.register_fx_node_ge_converter = register_fx_node_ge_converter
    monkeypatch.setitem(sys.modules, "torchair", module)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: types.SimpleNamespace(name=name) if name == "torchair" else real_find_spec(name, *a))
    return module, registered


def test_without_torchair_nothing_is_imported_or_registered(monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "torchair" else real_find_spec(name, *a))
    monkeypatch.delitem(sys.modules, "torchair", raising=False)
    assert tc.register() is False
    assert "torchair" not in sys.modules


def test_every_op_overload_is_registered(fake_torchair):
    _, registered = fake_torchair
    assert tc.register() is True
    assert set(registered) == {OPS.bce_with_logits.default, OPS.bce_with_logits_backward.default,
                               OPS.bce_with_logits_target_backward.default}


def test_forward_maps_onto_bce_with_logits(fake_torchair):
    module, registered = fake_torchair
    tc.register()
    out = registered[OPS.bce_with_logits.default]("x", "y", None, "pw", 2, meta_outputs="spec")
    assert out == "BceWithLogits:0"
    op_type, inputs, attrs, outputs = module.ge.built[-1]
    assert op_type == "BceWithLogits" and outputs == ["y"]
    assert list(inputs.items()) == [("x", "x"), ("target", "y"), ("weight", None), ("pos_weight", "pw")]
    assert attrs == {"reduction": ("Int", 2)}
    registered[OPS.bce_with_logits.default]("x", "y")  # schema defaults: no operands, mean
    assert module.ge.built[-1][1]["weight"] is None and module.ge.built[-1][2] == {"reduction": ("Int", 1)}


@pytest.mark.parametrize("op,grad_target", [("bce_with_logits_backward", False),
                                            ("bce_with_logits_target_backward", True)])
def test_backward_ops_map_onto_one_grad_ir_with_its_mode(fake_torchair, op, grad_target):
    module, registered = fake_torchair
    tc.register()
    registered[getattr(OPS, op).default]("g", "x", "y", "w", None, 0)
    op_type, inputs, attrs, outputs = module.ge.built[-1]
    assert op_type == "BceWithLogitsGrad" and outputs == ["grad"]
    assert list(inputs.items()) == [("x", "x"), ("target", "y"), ("weight", "w"), ("pos_weight", None),
                                    ("grad_output", "g")]
    assert attrs == {"reduction": ("Int", 0), "grad_target": ("Bool", grad_target)}


def test_ir_inputs_follow_the_op_package_order():
    """The OpDef's input and attr order (op_host/opp/README.md) is what GE matches by position."""
    ge = FakeGe()
    tc.forward_ir(ge, 1, 2, 3, 4, 1)
    tc.grad_ir(ge, 5, 1, 2, 3, 4, 1, True)
    assert list(ge.built[0][1]) == ["x", "target", "weight", "pos_weight"]
    assert list(ge.built[1][1]) == ["x", "target", "weight", "pos_weight", "grad_output"]
    assert list(ge.built[1][2]) == ["reduction", "grad_target"]


def test_torchair_that_cannot_import_registers_nothing(monkeypatch):
    """torchair present but unusable here (e.g. without torch_npu): ascend_bce.torch still imports."""
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: types.SimpleNamespace(name=name) if name == "torchair" else real_find_spec(name, *a))
    monkeypatch.setitem(sys.modules, "torchair", None)  # import torchair -> ImportError
    assert tc.register() is False
