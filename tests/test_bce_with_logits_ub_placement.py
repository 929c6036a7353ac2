"""The kernels' UB placement, as the simulator records it, against the host's plan.

The host picks a bank plan and names it in TilingData.bankPadBytes; the kernels must allocate
tmpA, the input/target/output queues, the operands' Mul buffers and the later temps exactly where
PlaceUb puts them under that plan (op_kernel/bce_with_logits_bank_plan.h), or the bank cost the
host minimised is not the one the kernel pays. TPipe places buffers back to back in InitBuffer
order (kernel_tpipe_impl.h), so a buffer allocated out of order lands at another offset: each
block's record of InitBuffer (stats.blocks[i]["ub_buffers"]) must hold every planned buffer at the
offset _C.host.ub_placement_of gives, and the UB peak must be the host's ub_bytes_used."""
import numpy as np
import pytest

from ascend_bce import _C
from conftest import DTYPES

BANK_PAD_OFFSET = 440  # TilingData.bankPadBytes (tests/test_cpu_sim_banks.py)
PLAN_BITS = 31         # the plan index + 1 below BLOCK_BYTES
BANK_PLAN_COUNT = 22   # bce_with_logits_bank_plan.h BANK_PLAN_COUNT; plan -1 is PACKED_PLAN

# (kernel, reduction, dtype, input shape, weight shape, pos_weight shape, the operands' modes):
# small inputs on two blocks, each operand mode whose Mul buffer a plan places, and the ones
# allocated after the planned buffers (COLUMN, SCALAR), which must not move them.
CASES = [
    ("forward", "none", "float32", [200, 1000], None, None, ("ABSENT", "ABSENT")),
    ("forward", "mean", "float16", [200, 1000], None, [1000], ("ABSENT", "PERIODIC")),
    ("forward", "none", "bfloat16", [300, 1001], None, [1001], ("ABSENT", "PERIODIC")),  # odd period
    ("forward", "mean", "float32", [200, 1000], None, [1000], ("ABSENT", "PERIODIC")),  # tmpA's slack
    ("forward", "none", "float32", [300, 1001], None, [1001], ("ABSENT", "PERIODIC")),
    ("forward", "none", "float32", [64, 1000], [64, 1], None, ("COLUMN", "ABSENT")),
    ("forward", "sum", "bfloat16", [4, 100000], [4, 1], None, ("COLUMN", "ABSENT")),
    ("forward", "none", "float32", [24, 1000], None, [1000], ("ABSENT", "ROW")),
    ("forward", "mean", "float16", [8, 64, 100], [8, 1, 100], None, ("GENERIC", "ABSENT")),
    ("forward", "mean", "float32", [16, 3, 100], [16, 1, 100], [1], ("GENERIC", "SCALAR")),
    ("backward", "none", "float32", [5, 9000], [5, 9000], None, ("FULL", "ABSENT")),
    ("backward", "mean", "float16", [5, 9000], [5, 9000], None, ("FULL", "ABSENT")),  # 16-bit: streamed after the plan
    ("backward", "none", "float32", [8, 64, 1000], [8, 1, 1000], None, ("GENERIC", "ABSENT")),
    ("backward", "none", "bfloat16", [7, 30000], None, [30000], ("ABSENT", "ROW")),  # ROW widened
    ("backward", "none", "float32", [200, 1000], None, [1000], ("ABSENT", "PERIODIC")),
    ("backward_target", "none", "float16", [64, 1000], [64, 1], None, ("COLUMN", "ABSENT")),
]

# Cases run under every bank plan forced into their tiling (as tests/test_bce_with_logits_bank_plans.py).
FORCED = [CASES[1], CASES[3], CASES[7], CASES[10], CASES[13]]


def _args(case):
    kernel, reduction, dtype, shape, w_shape, pw_shape, _ = case
    return dict(input_shape=shape, dtype=dtype, reduction=reduction, weight_shape=w_shape, weight_dtype=dtype,
                pos_weight_shape=pw_shape, pos_weight_dtype=dtype, kernel=kernel, max_blocks=2)


def _launch(case, raw):
    """Runs the case's kernel on the tiling bytes `raw`; its KernelStats. The values do not matter here."""
    kernel, reduction, dtype, shape, w_shape, pw_shape, _ = case
    rng = np.random.default_rng(0)
    data = lambda s: None if s is None else (rng.random(s) + 0.5).astype(DTYPES[dtype])
    x, y, w, pw = data(shape), data(shape), data(w_shape), data(pw_shape)
    g = data(shape if reduction == "none" else [1])  # dL/dloss: one value for a reduced loss
    workspace = np.zeros(_C.host.compute_tiling(**_args(case))["workspace_bytes"] + 32, np.uint8)
    if kernel == "forward":
        out = np.empty(shape if reduction == "none" else (), x.dtype)
        return _C.launch_bce_with_logits(x, y, w, pw, out.reshape(-1), workspace, raw, "910B1")
    out = np.empty_like(x)
    return _C.launch_bce_with_logits_grad(x, y, w, pw, g.reshape(-1), out.reshape(-1), workspace, raw, "910B1")


# The GM buffers (launch names) a role's buffers may be copied from and to: equal-sized buffers (the
# input and target queues, unpadded) swapped in the allocation order keep every offset, and only
# what is copied into them tells them apart. The input queue also takes a mean's partials back from
# the workspace, and a forward 'none' copies its loss out of it, the backward kernels their gradient
# (no output queue: LossIntoInput); the operands' Mul buffers are TBufs that no DMA fills for some
# modes; the temps are the Compute's scratch.
ROLE_GM = {"tmpA": (set(), set()), "temp": (set(), set()), "input": ({"input", "workspace"}, {"out", "grad"}),
           "target": ({"target"}, set()), "out": (set(), {"out", "grad", "workspace"}),
           "weight": ({"weight"}, set()), "pos_weight": ({"pos_weight"}, set()),
           "grad_output": ({"grad_output"}, set())}
# What a role's queue must have copied at least once (a block of a mean writes only its partials).
OWN_GM = {"input": {"input"}, "target": {"target"}, "out": {"out", "grad", "workspace"}, "weight": {"weight"},
          "pos_weight": {"pos_weight"}, "grad_output": {"grad_output"}}


def _planned(place):
    """(role, kind, position, index, offset, bytes) of every buffer the plan places; the operands'
    Mul buffer is a TBuf or a TQue depending on its mode, so its kind and position go unchecked."""
    tile = place["fp32_tile_bytes"]
    yield "tmpA", "TBuf", "VECCALC", 0, 0, tile + place["tmp_a_slack"]
    slots = [("input", "TQue", "VECIN", place["input"]), ("target", "TQue", "VECIN", place["target"]),
             ("out", "TQue", "VECOUT", place["out"])]
    slots += [(name, None, None, slot) for name, slot in zip(("weight", "pos_weight", "grad_output"),
                                                             place["operands"])]
    for role, kind, position, slot in slots:
        for i in range(slot["num"] if slot["buffer_bytes"] else 0):  # 0 bytes: no such buffer
            yield role, kind, position, i, slot["offset"] + i * slot["buffer_bytes"], slot["buffer_bytes"]
    for temp in place["temps"]:
        yield "temp", "TBuf", "VECCALC", 0, temp["offset"], tile


def _check_block(block, place):
    buffers = block["ub_buffers"]
    # TPipe's rule, which the offsets below rely on: back to back from offset 0.
    assert [b["offset"] for b in buffers] == list(np.cumsum([0] + [b["bytes"] for b in buffers[:-1]]))
    at = {b["offset"]: b for b in buffers}
    copied = {}  # role -> GM names its queue buffers were copied from or to
    for role, kind, position, index, offset, size in _planned(place):
        where = f"block {block['block_idx']}: {role} buffer {index} at {offset}"
        got = at.get(offset)
        assert got is not None, f"{where}: no buffer starts there"
        assert (got["kind"], got["position"], got["index"], got["bytes"]) == (
            kind or got["kind"], position or got["position"], index, size), where
        allowed_from, allowed_to = ROLE_GM[role]
        assert set(got["copied_from"]) <= allowed_from and set(got["copied_to"]) <= allowed_to, (where, got)
        if got["kind"] == "TQue":
            copied.setdefault(role, set()).update(got["copied_from"] + got["copied_to"])
    for role, names in copied.items():  # not vacuous: each queue role did copy its own GM buffer
        assert names & OWN_GM[role], (block["block_idx"], role, names)
    assert block["ub_peak_bytes"] == place["ub_bytes_used"] == buffers[-1]["offset"] + buffers[-1]["bytes"]


def _check_launch(case, raw):
    place = _C.host.ub_placement_of(raw.tobytes())
    stats = _launch(case, raw)
    assert stats.ub_peak_bytes == place["ub_bytes_used"]
    assert len(stats.blocks) == 2
    for block in stats.blocks:
        _check_block(block, place)
    return place


def _with_bank_pad_bytes(raw, value):
    forged = raw.copy()
    forged[BANK_PAD_OFFSET:BANK_PAD_OFFSET + 8] = np.frombuffer(np.uint64(value).tobytes(), np.uint8)
    return forged


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}-{'-'.join(c[6])}")
def test_chosen_plan_lands_where_the_host_placed_it(case):
    args = _args(case)
    t = _C.host.compute_tiling(**args)
    assert (t["weight"]["mode"], t["pos_weight"]["mode"]) == case[6]  # the case covers what it says
    raw = np.frombuffer(_C.host.tiling_bytes(**args), np.uint8).copy()
    place = _check_launch(case, raw)
    assert place == _C.host.ub_placement(**args)
    assert place["ub_bytes_used"] == _C.host.ub_bytes_used(**args)


def _forced(case, plan):
    """The case's tiling bytes naming `plan` (-1: packed) with that plan's pads, and whether the
    pads fit the UB beside the tiles."""
    args = _args(case)
    t = _C.host.compute_tiling(**args)
    raw = np.frombuffer(_C.host.tiling_bytes(**args), np.uint8).copy()
    pads = 0 if plan < 0 else _C.host.ub_placement_of(_with_bank_pad_bytes(raw, plan + 1).tobytes())["pad_bytes"]
    packed_ub = _C.host.ub_bytes_used(**args) - (t["bank_pad_bytes"] & ~PLAN_BITS)
    return _with_bank_pad_bytes(raw, 0 if plan < 0 else pads + plan + 1), packed_ub + pads <= t["ub_bytes"]


@pytest.mark.parametrize("plan", range(-1, BANK_PLAN_COUNT))
@pytest.mark.parametrize("case", FORCED, ids=lambda c: f"{c[0]}-{c[2]}-{'-'.join(c[6])}")
def test_every_fitting_plan_lands_where_the_host_places_it(case, plan):
    forged, fits = _forced(case, plan)
    if not fits:  # Validate refuses it, so no kernel ever sees it
        with pytest.raises(ValueError, match="ubBytes"):
            _C.host.validate_tiling(forged.tobytes())
        return
    _C.host.validate_tiling(forged.tobytes())
    assert _check_launch(case, forged)["plan_index"] == plan


def test_forced_cases_reach_every_plan():
    """Each plan fits at least one FORCED case, so each plan's order is run."""
    for plan in range(-1, BANK_PLAN_COUNT):
        assert any(_forced(case, plan)[1] for case in FORCED), plan
