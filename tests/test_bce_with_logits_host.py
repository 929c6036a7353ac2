"""Unit tests of the bce_with_logits host logic: shape rules, broadcast collapsing, tiling."""
import itertools
import math
import struct
import time

import numpy as np
import pytest

from ascend_bce import _C

host = _C.host

UB = 196608
DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2}
DTYPES = list(DTYPE_BYTES)
REDUCTIONS = ["none", "mean", "sum"]
SOCS = {"910B1": 48, "910B2": 48, "910B3": 40, "910B4": 40}


def tiling(shape, dtype="float32", reduction="mean", **kw):
    return host.compute_tiling(shape, dtype, reduction, **kw)


def align_up(v, a):
    return (v + a - 1) // a * a


MAX_COLUMN_ROWS = host.MAX_COLUMN_ROWS  # row values a COLUMN operand stages at once (bce_with_logits_tiling.h)


def own_period(op):
    """A PERIODIC operand with no broadcast dim inside its period, at least 8 long: copied period by
    period."""
    return op["numel"] == op["period"] and op["period"] >= 8


def period_head(op):
    """fp32 values such an operand is staged behind (a copy of its last ones) when P is not a multiple
    of 8, so that every period copy reads one run."""
    return 8 if own_period(op) and op["period"] % 8 != 0 else 0


def target_buffers(t):
    """The target queue's buffers: one (y is freed mid-chain), none for dL/dtarget."""
    return 0 if t["kernel"] == "backward_target" else 1


def output_buffers(t):
    """The output queue's buffers: two 32-B buffers of forward mean/sum partials, else none (the
    result goes into x's buffer)."""
    return 2 if t["kernel"] == "forward" and t["reduction"] != "none" else 0


def reference_ub(t, tile=None):
    """The kernel's UB plan, written independently of the C++: (fixed bytes, bytes per element), for
    a tile of `tile` elements (default: the tiling's). A PERIODIC operand keeps a tile's worth behind
    its expanded period unless it is its own period and the period is at least that tile long."""
    tile = t["tile_length"] if tile is None else tile
    s_t = DTYPE_BYTES[t["dtype"]]
    backward = t["kernel"] != "forward"
    # x (double-buffered) and y (not read for dL/dtarget) queues, no output tile (forward mean/sum
    # write partials instead, forward 'none' its loss and the backward its gradient into x's
    # buffer); fp32 tiles that 16-bit x and y widen into: three forward, four backward
    per_elem = (2 + target_buffers(t)) * s_t + (4 if backward else 3) * 4
    fixed = output_buffers(t) * 32
    buffers = expected_stream_buffers(t)
    for name in ("weight", "pos_weight", "grad_output"):
        op = t[name]
        s_op = DTYPE_BYTES[op["dtype"]]
        if op["mode"] == "FULL":
            per_elem += buffers[name] * s_op
        elif op["mode"] == "PERIODIC":
            per_elem += 4 if not own_period(op) or op["period_aligned"] < tile else 0
        elif op["mode"] == "GENERIC":
            per_elem += 3 * 4  # expanded tile, gather offsets, index ramp
            if op["gather_span"] == 0:  # resident: the whole operand, once
                fixed += align_up(op["numel"] * s_op, 32)
            else:  # per-tile span buffers
                fixed += buffers[name] * align_up(op["gather_span"] * s_op, 32)
        elif op["mode"] == "COLUMN":
            fixed += align_up(MAX_COLUMN_ROWS * s_op, 32)  # its window of row values, as in GM
        if op["mode"] == "PERIODIC":
            # its fp32 values behind their head; a 16-bit operand also as loaded
            fixed += op["period_aligned"] * 4 + align_up((period_head(op) + op["numel"]) * 4, 32)
            fixed += align_up(op["numel"] * s_op, 32) if s_op != 4 else 0
    return fixed, per_elem


def expected_stream_buffers(t):
    """VECIN buffers of each streamed operand (FULL, or GENERIC with a per-tile span): every freed
    VECIN buffer holds one of A2's 8 V_MTE2 event ids, so x, y and the streams share 8; streams are
    double buffered in the order grad_output, weight, pos_weight while the rest can still get one."""
    used = 2 + target_buffers(t)
    full = [k for k in ("grad_output", "weight", "pos_weight")
            if t[k]["mode"] == "FULL" or (t[k]["mode"] == "GENERIC" and t[k]["gather_span"] != 0)]
    out = {}
    for i, name in enumerate(full):
        out[name] = 2 if used + 2 + (len(full) - i - 1) <= 8 else 1
        used += out[name]
    return out


def usable_ub(t):
    """A2's Ascend C framework keeps 256 B of the UB (ASC_UB_SIZE = 192 KiB - 256)."""
    return UB - 256


def tile_align(t):
    """Reductions read their partials back through one input buffer: 64 fp32 partials per 128
    16-bit elements, so 16-bit reductions align tiles to 128."""
    if t["kernel"] == "forward" and t["reduction"] != "none":
        return 64 * 4 // DTYPE_BYTES[t["dtype"]]
    return 64


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "inp, w, pw",
    [([2, 3], None, None), ([2, 3], [3], [1, 3]), ([], [], None), ([5], [], [1]),
     ([0, 3], [3], [1, 1]), ([2, 0], [1, 0], None), ([1] * 8, [1], [1] * 8)],
)
def test_validate_accepts_broadcastable(inp, w, pw):
    host.validate_shapes(inp, inp, w, pw)
    host.validate_shapes(inp, inp, weight=w, pos_weight=pw)


def test_validate_negative_dims():
    with pytest.raises(ValueError, match=r"input of shape \[2, -1\] has a negative size -1 at dimension 1"):
        host.validate_shapes([2, -1], [2, -1])
    with pytest.raises(ValueError, match=r"^weight of shape \[-3\] has a negative size"):
        host.validate_shapes([2, 3], [2, 3], [-3])
    with pytest.raises(ValueError, match=r"^pos_weight of shape"):
        host.validate_shapes([2, 3], [2, 3], None, [1, -3])


def test_validate_rank_limit():
    with pytest.raises(ValueError, match=r"^input has 9 dimensions; at most 8 are supported$"):
        host.validate_shapes([1] * 9, [1] * 9)


def test_validate_target_must_match():
    msg = r"^Target size \(\[2, 3\]\) must be the same as input size \(\[2, 4\]\)$"
    with pytest.raises(ValueError, match=msg):
        host.validate_shapes([2, 4], [2, 3])
    with pytest.raises(ValueError, match=r"Target size \(\[1, 4\]\)"):
        host.validate_shapes([4], [1, 4])  # broadcasting the target is not allowed


def test_validate_operand_dim_mismatch():
    msg = (r"^weight of shape \[4\] is not broadcastable to the input shape \[2, 3\]: "
           r"dimension 1 of the input has size 3, weight has 4$")
    with pytest.raises(ValueError, match=msg):
        host.validate_shapes([2, 3], [2, 3], [4])
    with pytest.raises(ValueError, match=r"^pos_weight of shape \[3, 3\] .* dimension 0 of the input "
                                         r"has size 2"):
        host.validate_shapes([2, 3], [2, 3], None, [3, 3])
    with pytest.raises(ValueError, match=r"dimension 0 of the input has size 4, weight has 0"):
        host.validate_shapes([4], [4], [0])


def test_validate_operand_rank_higher_than_input():
    # Only operand -> input broadcasting: [3] with weight [2, 3] would grow the output.
    with pytest.raises(ValueError, match=r"^weight of shape \[2, 3\] is not broadcastable to the input "
                                         r"shape \[3\]: weight has 2 dimensions, the input has 1$"):
        host.validate_shapes([3], [3], [2, 3])
    with pytest.raises(ValueError, match=r"pos_weight has 1 dimensions, the input has 0"):
        host.validate_shapes([], [], None, [1])


def test_validate_element_count_overflow():
    with pytest.raises(ValueError, match=r"more than 2\^63 - 1 elements"):
        host.validate_shapes([2**40, 2**40], [2**40, 2**40])


# ---------------------------------------------------------------- collapsing


@pytest.mark.parametrize(
    "inp, w, pw, dims, ws, ps",
    [
        ([4, 1000], None, [1000], [4, 1000], [0, 0], [0, 1]),
        ([4, 1000], [4, 1], None, [4, 1000], [1, 0], [0, 0]),
        ([2, 3, 4, 5], [1, 3, 1, 1], None, [2, 3, 20], [0, 1, 0], [0, 0, 0]),
        ([2, 3, 4, 5], [2, 3, 4, 5], None, [120], [1], [0]),
        ([2, 3, 4, 5], None, None, [120], [0], [0]),
        ([2, 3, 4, 5], [4, 5], [3, 1, 1], [2, 3, 20], [0, 0, 1], [0, 1, 0]),
        ([2, 1, 3], [2, 1, 1], [3], [2, 3], [1, 0], [0, 1]),
        ([3, 4, 7, 5], [4, 1, 5], None, [3, 4, 7, 5], [0, 5, 0, 1], [0, 0, 0, 0]),
        ([], None, None, [1], [0], [0]),
        ([1, 1, 1], [1, 1], [1], [1], [0], [0]),
        ([6], [], [1], [6], [0], [0]),
        ([0], [0], None, [0], [0], [0]),
        ([5, 0, 3], [3], [1, 1, 1], [0], [0], [0]),
    ],
)
def test_collapse_examples(inp, w, pw, dims, ws, ps):
    got = host.collapse_broadcast(inp, w, pw)
    assert got == {"rank": len(dims), "dims": dims, "weight_strides": ws, "pos_weight_strides": ps}


def test_collapse_validates():
    with pytest.raises(ValueError, match="not broadcastable"):
        host.collapse_broadcast([2, 3], [2])


def expanded_index(dims, strides):
    """Operand element read at each flat input index, per the collapsed layout."""
    n = math.prod(dims)
    coords = np.unravel_index(np.arange(n), dims)
    return sum(c.astype(np.int64) * s for c, s in zip(coords, strides))


def random_operand(rng, inp):
    if rng.random() < 0.2:
        return None
    keep = rng.integers(0, len(inp) + 1)
    return [d if rng.random() < 0.5 else 1 for d in inp[len(inp) - keep:]]


def test_collapse_reproduces_numpy_broadcast():
    rng = np.random.default_rng(1234)
    for _ in range(400):
        inp = [int(d) for d in rng.choice([1, 1, 2, 3, 4, 5], size=rng.integers(0, 7))]
        w, pw = random_operand(rng, inp), random_operand(rng, inp)
        got = host.collapse_broadcast(inp, w, pw)
        assert got["rank"] >= 1 and math.prod(got["dims"]) == math.prod(inp)
        assert all(d > 1 for d in got["dims"]) or got["dims"] == [1]
        for shape, strides in ((w, got["weight_strides"]), (pw, got["pos_weight_strides"])):
            if shape is None:
                assert strides == [0] * got["rank"]
                continue
            numel = math.prod(shape)
            want = np.broadcast_to(np.arange(numel).reshape(shape), inp).ravel()
            np.testing.assert_array_equal(expanded_index(got["dims"], strides), want)


def test_collapse_merges_maximally():
    # Adjacent collapsed dims never share the broadcast status of every operand.
    rng = np.random.default_rng(7)
    for _ in range(200):
        inp = [int(d) for d in rng.choice([1, 2, 3], size=rng.integers(1, 9))]
        got = host.collapse_broadcast(inp, random_operand(rng, inp), random_operand(rng, inp))
        status = [[s == 0 for s in got[k]] for k in ("weight_strides", "pos_weight_strides")]
        for d in range(got["rank"] - 1):
            assert any(st[d] != st[d + 1] for st in status)


# ---------------------------------------------------------------- operand modes


def test_mode_absent():
    t = tiling([4, 5])
    for op in (t["weight"], t["pos_weight"]):
        assert op == {"mode": "ABSENT", "dtype": "float32", "numel": 0, "period": 0,
                      "period_aligned": 0, "buffer_num": 0, "gather_span": 0, "strides": [0]}


@pytest.mark.parametrize("shape", [[], [1], [1, 1]])
def test_mode_scalar(shape):
    t = tiling([7, 9], weight_shape=shape, weight_dtype="bfloat16")
    assert t["weight"] == {"mode": "SCALAR", "dtype": "bfloat16", "numel": 1, "period": 0,
                           "period_aligned": 0, "buffer_num": 0, "gather_span": 0, "strides": [0]}


def test_mode_full():
    t = tiling([1, 2, 3], weight_shape=[2, 3], pos_weight_shape=[1, 2, 3], pos_weight_dtype="float16")
    assert t["rank"] == 1 and t["dims"] == [6]
    assert t["weight"]["mode"] == "FULL" and t["weight"]["strides"] == [1] and t["weight"]["numel"] == 6
    assert t["pos_weight"]["mode"] == "FULL" and t["pos_weight"]["dtype"] == "float16"
    assert t["weight"]["period"] == 0 and t["weight"]["period_aligned"] == 0


def test_mode_periodic():
    t = tiling([4096, 1000], pos_weight_shape=[1000])
    pw = t["pos_weight"]
    assert pw["mode"] == "PERIODIC" and pw["period"] == 1000 and pw["period_aligned"] == 1000
    assert pw["numel"] == 1000 and pw["strides"] == [0, 1]
    t = tiling([300, 4, 7, 5], weight_shape=[4, 1, 5])
    w = t["weight"]
    assert (w["mode"], w["period"], w["period_aligned"], w["numel"]) == ("PERIODIC", 140, 280, 20)
    assert w["strides"] == [0, 5, 0, 1]
    t = tiling([1000, 3], weight_shape=[3])  # period 3 -> lcm(3, 8) = 24
    assert (t["weight"]["mode"], t["weight"]["period_aligned"]) == ("PERIODIC", 24)


def test_mode_generic():
    t = tiling([4096, 10, 100], weight_shape=[4096, 1, 100])
    w = t["weight"]
    assert w["mode"] == "GENERIC" and w["strides"] == [100, 0, 1]
    assert w["period"] == 0 and w["period_aligned"] == 0 and w["numel"] == 409600
    # A column vector with short rows (under MIN_COLUMN_RUN = 256 elements) is gathered too.
    assert tiling([4096, 100], weight_shape=[4096, 1])["weight"]["mode"] == "GENERIC"


def test_mode_column():
    # weight[N, 1] on [N, C]: one Muls per row piece. Rows a multiple of 8 fp32 start 32-B aligned in
    # flat tiles; other rows get row tiles.
    t = tiling([4096, 1000], weight_shape=[4096, 1])
    w = t["weight"]
    assert w["mode"] == "COLUMN" and w["strides"] == [1, 0] and w["numel"] == 4096
    assert w["buffer_num"] == 0 and w["gather_span"] == 0 and t["row_length"] == 0
    odd = tiling([300, 2053], weight_shape=[300, 1])
    assert odd["weight"]["mode"] == "COLUMN" and odd["row_length"] == 2053
    assert_tiles_cover_the_input(odd)
    # Rows under MIN_ROW_TILE_ELEMS = 2048: a row tile per row costs more than flat tiles and a Gather.
    short = tiling([300, 2047], weight_shape=[300, 1])
    assert (short["weight"]["mode"], short["row_length"]) == ("GENERIC", 0)
    # Beside a PERIODIC pos_weight (flat tiles only): COLUMN only with aligned rows.
    assert tiling([4096, 1000], weight_shape=[4096, 1], pos_weight_shape=[1000])["weight"]["mode"] == "COLUMN"
    mixed = tiling([4000, 1001], weight_shape=[4000, 1], pos_weight_shape=[1001])
    assert (mixed["weight"]["mode"], mixed["pos_weight"]["mode"], mixed["row_length"]) == ("GENERIC", "PERIODIC", 0)
    # Beside a ROW pos_weight: both under row tiles.
    both = tiling([300, 21841], weight_shape=[300, 1], pos_weight_shape=[21841])
    assert (both["weight"]["mode"], both["pos_weight"]["mode"], both["row_length"]) == ("COLUMN", "ROW", 21841)


def test_mode_periodic_limit_counts_dtype_casts():
    # fp32 cost 8P, 16-bit cost 4P + 2P + 4P: P = 6000 fits 48 KiB only in fp32.
    # (300 rows: every block reads more than a period, so PERIODIC is worth its set-up.)
    assert tiling([300, 6000], weight_shape=[6000])["weight"]["mode"] == "PERIODIC"
    # Not PERIODIC: a row vector of a rank-2 space is read by row tiles (ROW), chunk by chunk.
    assert tiling([300, 6000], weight_shape=[6000], weight_dtype="float16")["weight"]["mode"] == "ROW"
    assert tiling([300, 6144], weight_shape=[6144])["weight"]["mode"] == "PERIODIC"  # exactly 48 KiB
    assert tiling([300, 6152], weight_shape=[6152])["weight"]["mode"] == "ROW"
    assert tiling([4, 100000], pos_weight_shape=[100000])["pos_weight"]["mode"] == "ROW"
    # Elsewhere (not a row vector) the same length limit leaves GENERIC.
    assert tiling([300, 2, 6152], weight_shape=[300, 1, 6152])["weight"]["mode"] == "GENERIC"


# ---------------------------------------------------------------- tile length and UB


CONFIGS = [
    ([4096, 1000], {}),
    ([4096, 1000], {"pos_weight_shape": [1000]}),
    ([4092, 1001], {"pos_weight_shape": [1001]}),  # lcm(P, 8) = 8 P: no tile's worth behind the period
    ([2048, 1001], {"weight_shape": [1001], "pos_weight_shape": [1001], "weight_dtype": "float16"}),
    ([8000, 551], {"pos_weight_shape": [551]}),  # lcm(P, 8) = 4408: about where a tile's worth stops fitting
    ([4096, 1000], {"weight_shape": [4096, 1], "pos_weight_shape": [1000], "pos_weight_dtype": "float16"}),
    ([64, 6144], {"weight_shape": [6144], "pos_weight_shape": [6144]}),
    ([64, 4096], {"weight_shape": [64, 4096], "pos_weight_shape": [64, 4096],
                  "weight_dtype": "bfloat16"}),
    ([33, 17, 5], {"weight_shape": [17, 1], "pos_weight_shape": [1]}),
    ([1], {"weight_shape": [1]}),
    ([100], {}),
    ([12345677], {"pos_weight_shape": [1]}),
]


@pytest.mark.parametrize("shape, kw", CONFIGS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kernel", ["forward", "backward", "backward_target"])
def test_tile_length_matches_ub_plan(shape, kw, dtype, reduction, kernel):
    kw = dict(kw, kernel=kernel)
    t = tiling(shape, dtype, reduction, **kw)
    assert t["kernel"] == kernel
    fixed, per_elem = reference_ub(t)
    want = expected_tile_length(t, math.prod(shape), fixed, per_elem)
    assert t["tile_length"] == want
    used = host.ub_bytes_used(shape, dtype, reduction, **kw)
    room = usable_ub(t) - fixed - want * per_elem  # pads only from the room the tile left
    pads = check_bank_pads(t, room)
    assert used == fixed + want * per_elem + pads and used <= usable_ub(t) == t["ub_bytes"]
    for name, num in expected_stream_buffers(t).items():
        assert t[name]["buffer_num"] == num
    vecin = 2 + target_buffers(t) + sum(expected_stream_buffers(t).values())
    assert vecin <= 8


BANK_CYCLE, HALF, BANK_ROW = 512, 256, 64 * 1024  # 16 bank groups of 32 B; a bank is a group of one 64-KiB row


# The kernels' bank plans (bce_with_logits_bank_plan.h BankPlanAt), in order: where the output
# queue goes, and the level of placement (1: the later temps and an fp32 output tile queue at the
# half phase; 2: also the fp32 target queue; 3: also the operands' Mul buffers and the fp32 input
# queue; 4: also the later temps from a 64-KiB bank row of their own).
BANK_PLANS = [("middle", 4), ("middle", 3), ("late", 4), ("late", 3), ("early", 4), ("early", 3),
              ("middle", 2), ("late", 2), ("early", 2), ("middle", 1)]
# Plans 10-15: plans 0-5 with tmpA longer by a bank cycle less a block (480 B), for an fp32
# forward with a PERIODIC pos_weight (its product goes into tmpA at the phase opposite the
# expansion's read for the tile); the same layout as plans 0-5 for any other tiling.
BANK_PLANS += [(where, level, "slack") for where, level in BANK_PLANS[:6]]
# Plans 16-21: plans 10-15 with the operands' Mul buffers right after tmpA, before the input queue,
# for dL/dinput with a 16-bit target (the target queue then leaves tmpA's bank row, where y's
# widening into tmpA met it) or an fp32 PERIODIC pos_weight (y * n2 goes into tmpA beside y's
# reads, then into tmpB from there and the expansion); the same layout as plans 10-15 otherwise.
BANK_PLANS += [(where, level, "operands first") for where, level in BANK_PLANS[:6]]
TMP_A_SLACK = 480
MAKE_ROOM_PLAN = 1  # ("middle", 3), without the operands' buffers, the input and output queues unplaced


def expected_bank_pads(t, operands=True):
    """The pads of each of BANK_PLANS, restated. The kernels allocate tmpA at UB offset 0, the input
    queue, the target queue, the buffer each operand's Mul reads (weight, pos_weight, dL/dloss),
    the later temps, and the output queue right after the input queue ("early"), before the later
    temps ("middle") or after them ("late"). Placed buffers go at 256 mod 512 (the later temps, an
    fp32 output tile queue: the other half of the 16 bank groups of 32 B) or at the half opposite
    the tile they are multiplied into (the fp32 target queue and the operands' buffers at 0 mod
    512; the weight and dL/dloss of an fp32 forward 'none' or gradient, which multiply x's buffer,
    at 256). The output queue holds only a forward mean/sum's partials. Buffers of a
    placed queue of two are rounded up to 512 B; the pads count those roundings. `operands` False:
    as if the operands had no Mul buffer and the input and output queues were never placed (the pads
    a UB tile makes room for). A 16-bit output queue or one of partials is never placed; a 16-bit FULL
    operand's stream comes after these buffers."""
    size = DTYPE_BYTES[t["dtype"]]
    n, tile, tile32 = t["tile_length"], t["tile_length"] * size, t["tile_length"] * 4
    backward = t["kernel"] != "forward"
    fp32 = t["dtype"] == "float32"
    # no output queue: x's buffer holds the loss or the gradient
    loss_into_input = backward or t["reduction"] == "none"
    # Opposite the tile the factors multiply: x's fp32 buffer (phase 0), or tmpD (a 16-bit
    # gradient) or tmpC (a 16-bit forward 'none', mean/sum), at the half phase.
    factor_phase = HALF if loss_into_input and fp32 else 0
    target = (tile if t["kernel"] != "backward_target" else 0, target_buffers(t), 0, fp32, 2)
    ops = []
    for name, phase in (("weight", factor_phase), ("pos_weight", 0), ("grad_output", factor_phase)):
        op = t[name] if operands else {"mode": "ABSENT"}
        if op["mode"] == "PERIODIC":
            tail = n if not own_period(op) or op["period_aligned"] < n else 0
            ops.append(((op["period_aligned"] + tail) * 4, 1, phase, True, 3))
        elif op["mode"] in ("GENERIC", "ROW"):
            ops.append((tile32, 1, phase, True, 3))
        elif op["mode"] == "FULL" and op["dtype"] == "float32":
            ops.append((tile32, op["buffer_num"], phase, True, 3))
    partials = not backward and t["reduction"] != "none"
    out = (32, output_buffers(t), 0, False, 1) if partials else (0, 0, HALF, False, 1)
    temps = [(tile32, 1, HALF, True, 1)] * (3 if backward else 2)

    slack = TMP_A_SLACK if (t["kernel"] != "backward_target" and fp32 and t["pos_weight"]["mode"] == "PERIODIC") else 0

    # dL/dinput, and a 16-bit forward 'none' or dL/dtarget (y, or x's buffers, leave tmpA's bank
    # row, where the missing output queue let them fall).
    operands_first = (t["kernel"] == "backward" and (not fp32 or slack != 0)) or (loss_into_input and not fp32)

    def walk(where, level, variant=None):
        inputs = (tile, 2, 0, fp32 and operands, 3)  # an fp32 input queue at phase 0 from level 3
        first = variant == "operands first" and operands_first and level >= 3
        order = (ops if first else []) + [inputs] + ([out] if where == "early" else []) + [target]
        order += ([] if first else ops) + ([out] if where == "middle" else [])
        first_temp = len(order)
        order += temps + ([out] if where == "late" else [])
        pads = slack if variant in ("slack", "operands first") else 0
        offset = tile32 + pads
        for k, (nbytes, num, phase, placeable, from_level) in enumerate(order):
            if nbytes == 0:
                continue
            if placeable and level >= from_level:
                if k == first_temp and level == 4:  # a bank row of their own
                    pad = align_up(offset, BANK_ROW) + HALF - offset
                else:
                    pad = (phase - offset) % BANK_CYCLE
                each = align_up(nbytes, BANK_CYCLE) if num > 1 else nbytes
                pads += pad + num * (each - nbytes)
                offset += pad + num * each
            else:
                offset += num * nbytes
        return pads

    return [walk(*plan) for plan in BANK_PLANS]


def check_bank_pads(t, room):
    """bank_pad_bytes: a plan's pads that fit the room the tiles leave, plus its index + 1 in the
    low 5 bits; 0 only when no plan fits. Returns the pads' bytes."""
    pads, code = t["bank_pad_bytes"] & ~31, t["bank_pad_bytes"] & 31
    plans = expected_bank_pads(t)
    if code == 0:
        assert pads == 0 and min(plans) > room
    else:
        assert code <= len(BANK_PLANS) and pads == plans[code - 1] <= room
    return pads


def longest_fitting_tile(t, a):
    """The longest multiple of `a` whose UB plan fits, scanned down from the longest without
    PERIODIC tails (reference_ub at that tile, not the tiling's own)."""
    fixed, per_elem = reference_ub(t, 0)
    tile = (usable_ub(t) - fixed) // per_elem // a * a
    while tile > a and sum(x * m for x, m in zip(reference_ub(t, tile), (1, tile))) > usable_ub(t):
        tile -= a
    return tile


def expected_tile_length(t, n, fixed, per_elem, blocks=48):
    """The tiling rule, restated: the longest tile the UB holds (a multiple of 64, no longer than
    the input), shortened by the alignment until its bank pads fit beside it; then the blocks are
    evened out (elementwise: over the launch's blocks in multiples of 16; reductions: over 48
    planned blocks in multiples of the tile alignment, whatever the SoC or block count) at the tile
    count per block the longest tile gives, two rather than one for a kernel with an output tile
    whose half-share copies still carry 5 KiB (copy-in and copy-out then overlap the compute)."""
    a = tile_align(t)
    longest = min(longest_fitting_tile(t, a), align_up(max(n, 1), a))
    assert longest >= a
    def used(tile):
        fixed_at, per_elem_at = reference_ub(t, tile)
        pads = expected_bank_pads(dict(t, tile_length=tile), operands=False)[MAKE_ROOM_PLAN]
        return fixed_at + tile * per_elem_at + pads

    while longest > a and used(longest) > usable_ub(t):
        longest -= a
    reducing = t["kernel"] == "forward" and t["reduction"] != "none"
    step = a if reducing else 16
    total = max(n, 1)
    per_block = -(-total // (longest * blocks))
    half_share = align_up(-(-total // (2 * blocks)), step)
    if per_block == 1 and not reducing and half_share * DTYPE_BYTES[t["dtype"]] >= 5 * 1024:
        per_block = 2
    return align_up(-(-total // (per_block * blocks)), step)


@pytest.mark.parametrize("shape, kw", CONFIGS)
@pytest.mark.parametrize("kernel", ["forward", "backward"])
def test_elementwise_tiles_balance_the_blocks(shape, kw, kernel):
    n = math.prod(shape)
    for max_blocks in (0, 1, 7, 40):
        t = tiling(shape, "float32", "none", kernel=kernel, max_blocks=max_blocks, **kw)
        blocks, tiles = t["block_dim"], t["num_tiles"]
        assert t["tile_length"] % 16 == 0 and tiles * t["tile_length"] >= n > (tiles - 1) * t["tile_length"]
        if tiles >= blocks:  # the busiest block has at most one tile more than the average
            assert -(-tiles // blocks) <= tiles / blocks + 1


@pytest.mark.parametrize("shape, kw", CONFIGS)
def test_reduction_tiles_independent_of_blocks_and_soc(shape, kw):
    for reduction in ("mean", "sum"):
        ref = tiling(shape, "float16", reduction, **kw)
        for soc, max_blocks in itertools.product(SOCS, [0, 1, 2, 7, 40, 1000]):
            t = tiling(shape, "float16", reduction, soc=soc, max_blocks=max_blocks, **kw)
            assert (t["tile_length"], t["num_tiles"]) == (ref["tile_length"], ref["num_tiles"])
            assert t["workspace_bytes"] == ref["workspace_bytes"]


def test_tiny_inputs_get_small_tiles():
    assert tiling([1])["tile_length"] == 64
    assert tiling([100])["tile_length"] == 64  # mean: spread over 48 tiles, at least one repeat
    assert tiling([100], reduction="none")["tile_length"] == 16
    assert tiling([])["tile_length"] == 64
    assert tiling([0])["tile_length"] == 64


def test_large_reductions_take_as_few_tiles_per_block_as_the_ub_allows():
    # The longest tile the UB holds sets the tiles per planned block (48); balancing then shortens
    # the tile, never adding one to the busiest block (16M fp32 mean: 2405 tiles of 6976 give the
    # busiest block 51 of them, as 2428 tiles of 6912 do, each 0.9 % shorter).
    n = 1 << 24
    for dtype, reduction in itertools.product(DTYPES, ("mean", "sum")):
        t = tiling([n], dtype, reduction)
        fixed, per_elem = reference_ub(t)
        a = tile_align(t)
        longest = (usable_ub(t) - fixed) // per_elem // a * a
        assert host.ub_bytes_used([n], dtype, reduction) <= usable_ub(t)
        assert -(-t["num_tiles"] // 48) == -(-(-(-n // longest)) // 48)
        assert t["tile_length"] <= longest and t["tile_length"] % a == 0
        assert t["num_tiles"] >= -(-n // longest)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", [{}, dict(weight_shape=[], pos_weight_shape=[1])])
def test_large_input_copies_at_least_16_kib_per_data_copy(dtype, reduction, kw):
    # A2 guidance: a DataCopy of 16 KB or more reaches full GM bandwidth.
    # The 256 B the framework keeps cost 16-bit 'none' one fp32 repeat of its 16 KiB tile
    # (16256 B per copy).
    t = tiling([1 << 24], dtype, reduction, **kw)
    floor = 16 * 1024 - (128 if reduction == "none" and dtype != "float32" else 0)
    assert t["tile_length"] * DTYPE_BYTES[dtype] >= floor


@pytest.mark.parametrize("dtype", DTYPES)
def test_backward_grad_output_modes_and_no_workspace(dtype):
    none = tiling([7, 300], dtype, "none", kernel="backward", pos_weight_shape=[300])
    assert none["grad_output"]["mode"] == "FULL" and none["grad_output"]["numel"] == 2100
    assert none["grad_output"]["dtype"] == dtype and none["workspace_bytes"] == 0
    for reduction, kernel in itertools.product(("mean", "sum"), ("backward", "backward_target")):
        t = tiling([7, 300], dtype, reduction, kernel=kernel)
        assert (t["grad_output"]["mode"], t["grad_output"]["numel"], t["workspace_bytes"]) == ("SCALAR", 1, 0)
    assert tiling([7, 300], dtype, "mean")["grad_output"]["mode"] == "ABSENT"


def test_backward_has_no_two_level_reduction_limit():
    # Elementwise: N far beyond tileLength^2 tiles is fine for the backward of mean.
    with pytest.raises(ValueError, match="two-level reduction limit"):
        tiling([1 << 62], "float32", "mean")
    t = tiling([1 << 62], "float32", "mean", kernel="backward")
    assert t["num_tiles"] == -(-(1 << 62) // t["tile_length"]) and t["block_dim"] == 48


def tile_spans(t):
    """(offset, count) of every tile, as the kernels' TileAt: flat, or row tiles chunk-major."""
    n, tile = t["total_length"], t["tile_length"]
    if not t["row_length"]:
        return [(o, min(tile, n - o)) for o in range(0, n, tile)]
    c, rows = t["row_length"], n // t["row_length"]
    return [(r * c + k * tile, min(tile, c - k * tile)) for k in range(t["row_chunks"]) for r in range(rows)]


def assert_tiles_cover_the_input(t):
    """Tile count and lengths: ceil(N / tile) flat tiles, or rowChunks chunks (the last shorter) of
    each row; every element in exactly one tile (counted, not listed: N may be huge)."""
    n, tile = t["total_length"], t["tile_length"]
    if not t["row_length"]:
        assert t["row_chunks"] == 0 and t["num_tiles"] * tile >= n > (t["num_tiles"] - 1) * tile
        return
    c, k = t["row_length"], t["row_chunks"]
    assert t["rank"] == 2 and t["dims"][1] == c and n % c == 0
    assert (k - 1) * tile < c <= k * tile and t["num_tiles"] == k * (n // c)


def test_random_configs_fit_ub():
    rng = np.random.default_rng(99)
    for _ in range(300):
        inp = [int(d) for d in rng.integers(1, 300, size=rng.integers(1, 5))]
        w, pw = random_operand(rng, inp), random_operand(rng, inp)
        args = (inp, str(rng.choice(DTYPES)), str(rng.choice(REDUCTIONS)))
        kw = dict(weight_shape=w, weight_dtype=str(rng.choice(DTYPES)), pos_weight_shape=pw,
                  pos_weight_dtype=str(rng.choice(DTYPES)))
        t = host.compute_tiling(*args, **kw)
        align = 16 if args[2] == "none" else 64  # elementwise tiles are balanced in steps of 16
        assert align <= t["tile_length"] and t["tile_length"] % align == 0
        assert host.ub_bytes_used(*args, **kw) <= UB
        assert_tiles_cover_the_input(t)


# ---------------------------------------------------------------- blocks, tiles, workspace


@pytest.mark.parametrize("n", [1, 64, 1000, 5889, 100_000, 10_000_000])
@pytest.mark.parametrize("soc", list(SOCS))
@pytest.mark.parametrize("max_blocks", [0, 1, 3, 64])
def test_block_dim_bounds(n, soc, max_blocks):
    t = tiling([n], soc=soc, max_blocks=max_blocks)
    assert t["num_tiles"] == -(-n // t["tile_length"])
    # The busiest block runs the tiles of a launch on every core it may use; no more blocks run
    # than that count needs (the others would only share HBM with it).
    cap = max(1, min(SOCS[soc], t["num_tiles"], max_blocks or SOCS[soc]))
    busiest = -(-t["num_tiles"] // cap)
    assert t["block_dim"] == max(1, -(-t["num_tiles"] // busiest))
    assert -(-t["num_tiles"] // t["block_dim"]) == busiest


def _tile_elems(t, tile):
    """Elements of one tile, as the kernels' TileAt lays them out (flat, or chunk-major row tiles)."""
    if t["row_length"] == 0:
        return min(t["tile_length"], t["total_length"] - tile * t["tile_length"])
    rows = t["total_length"] // t["row_length"]
    return min(t["tile_length"], t["row_length"] - tile // rows * t["tile_length"])


def block_ranges(t, blocks):
    """[first, end) of every block's tiles as BlockTilesOf splits them: the first n % blocks take one
    tile more, over all tiles or, for row tiles whose chunk count divides `blocks`, within each chunk
    over blocks / chunks blocks of its own."""
    def balanced(n, parts, start):
        base, extra = divmod(n, parts)
        ranges, first = [], start
        for b in range(parts):
            count = base + (b < extra)
            ranges.append((first, first + count))
            first += count
        return ranges

    chunks = t["row_chunks"] if t["row_length"] else 0
    if chunks > 1 and blocks % chunks == 0:
        rows = t["num_tiles"] // chunks
        return [r for k in range(chunks) for r in balanced(rows, blocks // chunks, k * rows)]
    return balanced(t["num_tiles"], blocks, 0)


def _busiest(t, blocks):
    """(tiles, work) of the busiest block when `blocks` blocks split t's tiles as BlockTiles does;
    work: its elements, plus a tile's length for every further row chunk its tiles reach (a ROW
    operand's chunk is loaded again)."""
    rows = t["total_length"] // t["row_length"] if t["row_length"] else 0
    most_tiles, most_work = 0, 0
    for first, end in block_ranges(t, blocks):
        count = end - first
        work = sum(_tile_elems(t, k) for k in range(first, end))
        if rows and count:
            chunks = {k // rows for k in range(first, end)}
            work += (len(chunks) - 1) * t["tile_length"]
        most_tiles, most_work = max(most_tiles, count), max(most_work, work)
    return most_tiles, most_work


@pytest.mark.parametrize("shape, kw", [
    ([100, 1001], dict(pos_weight_shape=[1001])),        # 100 row tiles: 34 blocks of 3
    ([100, 1000], dict(pos_weight_shape=[1000])),
    ([46, 21841], dict(pos_weight_shape=[21841])),       # row chunks with a short last chunk
    ([183, 21841], dict(pos_weight_shape=[21841])),
    ([458, 21841], dict(pos_weight_shape=[21841])),    # 48 blocks: 47 would put a chunk change on 39 tiles
    ([4579, 21841], dict(pos_weight_shape=[21841])),
    ([7, 1537], dict(pos_weight_shape=[1537])),
    ([100_000], {}), ([5889], {}), ([10_000_000], {}),
])
@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_a_launch_runs_the_fewest_blocks_that_leave_its_busiest_block_no_more_work(shape, kw, reduction):
    t = tiling(shape, reduction=reduction, **kw)
    cap = min(48, t["num_tiles"])
    tiles_at_cap, work_at_cap = _busiest(t, cap)
    blocks = t["block_dim"]
    tiles, work = _busiest(t, blocks)
    assert blocks <= cap and tiles == tiles_at_cap and work <= work_at_cap
    # No count below it keeps both: one block fewer adds a tile or work to the busiest.
    if blocks > 1:
        fewer = _busiest(t, blocks - 1)
        assert fewer[0] > tiles_at_cap or fewer[1] > work_at_cap


def test_workspace_bytes():
    for reduction in ("mean", "sum"):
        t = tiling([10_000_000], reduction=reduction)
        assert t["workspace_bytes"] == align_up(t["num_tiles"] * 4, 32) and t["workspace_bytes"] % 32 == 0
    assert tiling([10_000_000], reduction="none")["workspace_bytes"] == 0
    assert tiling([1], reduction="mean")["workspace_bytes"] == 32


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_empty_input(reduction):
    t = tiling([3, 0, 5], "float16", reduction, weight_shape=[5], pos_weight_shape=[0, 1])
    assert (t["total_length"], t["num_tiles"], t["block_dim"], t["workspace_bytes"]) == (0, 0, 1, 0)
    assert t["rank"] == 1 and t["dims"] == [0]
    assert t["weight"]["mode"] in ("FULL", "GENERIC") and t["pos_weight"]["mode"] == "FULL"


def test_single_element():
    t = tiling([1, 1], "bfloat16", "sum", weight_shape=[1], pos_weight_shape=[1, 1])
    assert (t["total_length"], t["num_tiles"], t["block_dim"], t["tile_length"]) == (1, 1, 1, 128)
    assert t["partial_group_length"] == 64
    assert t["weight"]["mode"] == t["pos_weight"]["mode"] == "SCALAR"


@pytest.mark.parametrize("shape", [[2**31 + 5], [2**35], [32, 2**30], [2**17, 2**18]])
def test_huge_inputs_without_allocation(shape):
    n = math.prod(shape)
    start = time.perf_counter()
    t = tiling(shape, "float16", "mean", weight_shape=[shape[-1]], pos_weight_shape=[1])
    assert time.perf_counter() - start < 0.5  # nothing proportional to N is touched
    assert t["total_length"] == n
    assert_tiles_cover_the_input(t)
    assert t["workspace_bytes"] == align_up(t["num_tiles"] * 4, 32)
    assert t["block_dim"] == 48 and t["weight"]["numel"] == shape[-1]


def test_two_level_reduction_limit():
    # A request the tiling cannot serve is the caller's ValueError (was RuntimeError).
    with pytest.raises(ValueError, match="two-level reduction limit"):
        tiling([2**40], "float16", "mean")


# ---------------------------------------------------------------- raw bytes, presets, misc

TILING_FORMAT = "<3Q4I8Q" + "2I3Q2I8q" * 3 + "2Q2I3Q"  # weight, pos_weight, grad_output


def test_tiling_bytes_layout():
    args = ([100, 4, 7, 5], "float16", "sum")
    kw = dict(weight_shape=[4, 1, 5], weight_dtype="bfloat16", pos_weight_shape=[100, 4, 7, 5], max_blocks=3)
    raw = host.tiling_bytes(*args, **kw)
    assert isinstance(raw, bytes) and len(raw) == host.TILING_SIZE == struct.calcsize(TILING_FORMAT) == 464
    v = struct.unpack(TILING_FORMAT, raw)
    t = host.compute_tiling(*args, **kw)
    assert v[:7] == (t["total_length"], t["tile_length"], t["num_tiles"], t["block_dim"], 2, 1, t["rank"])
    assert list(v[7:7 + t["rank"]]) == t["dims"] and set(v[7 + t["rank"]:15]) == {0}
    w, pw, g = v[15:30], v[30:45], v[45:60]
    assert w[:7] == (2, 2, 20, 140, 280, 0, 0) and list(w[7:7 + t["rank"]]) == t["weight"]["strides"]
    assert pw[:7] == (3, 0, 14000, 0, 0, 2, 0) and list(pw[7:7 + t["rank"]]) == [140, 35, 5, 1]
    assert g[:7] == (0, 1, 0, 0, 0, 0, 0)  # forward: no grad_output (ABSENT, float16)
    # kernel 0 = forward; 256 B of UB are the framework's
    assert v[60:] == (t["workspace_bytes"], t["partial_group_length"], UB - 256, 0, t["bank_pad_bytes"], 0, 0)


def test_soc_info():
    for name, cores in SOCS.items():
        assert host.soc_info(name) == {"name": name, "vector_cores": cores, "ub_bytes": UB}
    with pytest.raises(ValueError, match="unknown SoC '910A'; valid names: 910B1, 910B2, 910B3, 910B4"):
        host.soc_info("910A")
    with pytest.raises(ValueError, match="unknown SoC"):
        tiling([4], soc="Ascend310P")


def test_output_shape():
    assert host.output_shape([2, 3], "none") == [2, 3]
    assert host.output_shape([2, 3], "mean") == []
    assert host.output_shape([], "sum") == []


def test_bad_names_and_arguments():
    with pytest.raises(ValueError, match="dtype 'float64' is not supported"):
        tiling([4], "float64")
    with pytest.raises(ValueError, match="reduction 'avg' is not supported"):
        tiling([4], reduction="avg")
    with pytest.raises(ValueError, match="dtype 'int8'"):
        tiling([4], weight_shape=[4], weight_dtype="int8")
    with pytest.raises(ValueError, match="reduction"):
        host.output_shape([4], "max")
    with pytest.raises(ValueError, match="at most 8"):
        tiling([1] * 9)
    with pytest.raises(ValueError, match="not broadcastable"):
        tiling([4, 5], pos_weight_shape=[4])


def test_small_elementwise_inputs_stay_balanced_and_pipelined():
    # 256 x 1000 fp32 with a [1000] pos_weight: 16 KiB tiles would give 63 tiles on 48 blocks,
    # the busiest block doing 1.5x the average; balanced tiles give every block 2.
    t = tiling([256, 1000], "float32", "none", pos_weight_shape=[1000])
    n, blocks = 256 * 1000, t["block_dim"]
    busiest = -(-t["num_tiles"] // blocks) * t["tile_length"]
    assert blocks == 48 and busiest <= 1.05 * n / blocks
    # Large inputs keep UB-sized tiles (their imbalance is small anyway).
    assert tiling([1 << 24], "float32", "none")["tile_length"] * 4 >= 16 * 1024


@pytest.mark.parametrize("rows, dtype, reduction, kernel, tiles", [
    (128, "float32", "none", "forward", 96),     # halves of 1334 fp32: 5.3 KB copies, two per block
    (64, "float32", "none", "forward", 48),      # halves of 2.7 KB: one tile per block
    (192, "float16", "none", "forward", 48),     # halves of 2000 fp16 (4 KB): one
    (256, "float16", "none", "forward", 96),     # halves of 2672 fp16 (5.3 KB): two
    (256, "float32", "none", "backward", 96),
    (256, "float32", "mean", "forward", 48),     # partials: nothing to overlap the compute with
])
def test_a_block_share_that_fits_one_tile_is_split_in_two_when_the_copies_stay_5_kib(rows, dtype, reduction,
                                                                                     kernel, tiles):
    t = tiling([rows, 1000], dtype, reduction, pos_weight_shape=[1000], kernel=kernel)
    assert (t["num_tiles"], t["block_dim"]) == (tiles, 48)


@pytest.mark.parametrize("n", [48 * 64, 65536, 256 * 1000])
@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_small_reductions_use_every_core(n, dtype):
    # A UB-sized tile would leave most cores idle (65536 fp32 elements: 14 tiles); the spread does
    # not depend on the SoC, so 910B3's 40 cores see the same tiles and the same summation order.
    t = tiling([n], dtype, "mean")
    align = 64 * 4 // DTYPE_BYTES[dtype]
    busiest = -(-t["num_tiles"] // t["block_dim"]) * t["tile_length"]
    assert busiest <= align_up(-(-n // 48), align)  # the UB-sized tile would give 14 tiles at 65536
    assert t["block_dim"] == min(48, t["num_tiles"])
    assert tiling([n], dtype, "mean", soc="910B3")["tile_length"] == t["tile_length"]


def test_small_inputs_read_chunks_instead_of_expanding_a_period():
    # A block of 10 x 1001 reads 209 elements: expanding lcm(1001, 8) = 8008 would cost more, so
    # the rows are cut into chunks, one tile each, that read their pos_weight chunk as it is.
    t = tiling([10, 1001], pos_weight_shape=[1001])
    assert t["pos_weight"]["mode"] == "ROW" and t["num_tiles"] <= 48
    assert tiling([400, 1001], pos_weight_shape=[1001])["pos_weight"]["mode"] == "PERIODIC"
    # pos_weight[1001] is copied period by period (no index arithmetic): worth it from half of
    # lcm(1001, 8) = 8008 elements per planned block (48) on.
    half = 8008 // 2 * 48
    assert tiling([half // 1001 + 1, 1001], pos_weight_shape=[1001])["pos_weight"]["mode"] == "PERIODIC"
    assert tiling([half // 1001 - 1, 1001], pos_weight_shape=[1001])["pos_weight"]["mode"] == "ROW"
    # Not its own period (an inner broadcast dim): the general gather, worth it from a whole lcm.
    assert tiling([160, 1001, 2], pos_weight_shape=[1001, 1])["pos_weight"]["mode"] == "GENERIC"
    # Not a row vector: gathered.
    assert tiling([10, 3, 1001], weight_shape=[10, 1, 1001])["weight"]["mode"] == "GENERIC"


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_generic_tiles_stay_within_255_gather_repeats(dtype):
    # A UB eight times A2's: without the cap a tile would take it all; Gather keeps its repeat
    # count in a uint8_t, so a GENERIC tile (one Gather) has at most 255 fp32 repeats.
    big_ub = 8 * 196608
    shape, pw = [64, 2, 1 << 15], [64, 1, 1 << 15]  # not a row vector: GENERIC
    t = _C.host.compute_tiling(shape, dtype, "none", ub_bytes=big_ub)
    assert t["tile_length"] > 255 * 64  # no GENERIC operand: no cap
    t = _C.host.compute_tiling(shape, dtype, "none", None, dtype, pw, dtype, ub_bytes=big_ub)
    assert t["pos_weight"]["mode"] == "GENERIC"
    assert 0 < t["tile_length"] <= 255 * 64


# ---------------------------------------------------------------- row tiles (OperandMode ROW)


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kernel", ["forward", "backward", "backward_target"])
def test_wide_pos_weight_gets_row_tiles(dtype, reduction, kernel):
    # pos_weight[21841] on [188, 21841]: lcm(21841, 8) fp32 is far over the PERIODIC budget.
    rows, c = 188, 21841
    t = host.compute_tiling([rows, c], dtype, reduction, pos_weight_shape=[c], kernel=kernel)
    pw = t["pos_weight"]
    assert pw["mode"] == "ROW" and pw["buffer_num"] == 1 and pw["gather_span"] == 0 and pw["strides"] == [0, 1]
    assert t["row_length"] == c
    assert_tiles_cover_the_input(t)
    # Near-equal chunks: ceil(C / K) rounded up to the alignment, so the last one is shorter by less
    # than one alignment unit per chunk.
    align = 16 if reduction == "none" or kernel != "forward" else 64 * 4 // DTYPE_BYTES[dtype]
    last = c - (t["row_chunks"] - 1) * t["tile_length"]
    assert t["tile_length"] % align == 0 and last > t["tile_length"] - t["row_chunks"] * align
    # No Gather cap, no resident operand: a longer tile than the same operand gathered.
    gathered = host.compute_tiling([rows, 2, c // 2 + 1], dtype, reduction,
                                   pos_weight_shape=[rows, 1, c // 2 + 1], kernel=kernel)
    assert gathered["pos_weight"]["mode"] == "GENERIC" and t["tile_length"] > gathered["tile_length"]
    assert host.ub_bytes_used([rows, c], dtype, reduction, pos_weight_shape=[c], kernel=kernel) <= UB


def test_row_tiles_give_few_rows_one_tile_per_block():
    for rows in (1, 2, 3, 7, 10):
        t = tiling([rows, 21841], pos_weight_shape=[21841], reduction="none")
        if rows == 1:  # rank 1 after collapsing: pw is the whole input
            assert t["pos_weight"]["mode"] == "FULL"
            continue
        # At least a chunk per planned block; more where the (balanced) tile asks for more.
        assert t["pos_weight"]["mode"] == "ROW" and t["row_chunks"] >= 48 // rows
        if rows <= 3:
            assert t["num_tiles"] == t["block_dim"] == 48


@pytest.mark.parametrize("rows, c, max_blocks", [(10, 1000, 0), (10, 1000, 20), (20, 3000, 0), (7, 1537, 0),
                                                 (47, 1000, 0), (100, 2049, 0)])
def test_row_tiles_balance_the_busiest_block(rows, c, max_blocks):
    # Elementwise row tiles: the busiest block takes as few tiles as the longest chunk allows (the
    # UB-planned tile, at least the tile chosen), and among chunk counts with that many, the
    # shortest chunk. Chunks of a flat balanced tile gave 10 x 1000 on 48 blocks 50 tiles.
    t = tiling([rows, c], reduction="none", pos_weight_shape=[c], max_blocks=max_blocks)
    assert t["pos_weight"]["mode"] == "ROW"
    assert_tiles_cover_the_input(t)
    blocks = max_blocks or 48
    busiest = math.ceil(t["num_tiles"] / blocks)
    ub_tile = row_plan_tile(t)  # the row plan's UB tile (a flat input's balanced tile is far shorter)
    fewest_chunks = math.ceil(c / ub_tile)
    for k in range(1, c // 16 + 1):
        chunk = math.ceil(math.ceil(c / k) / 16) * 16
        k_tiles = rows * math.ceil(c / chunk)
        if math.ceil(c / chunk) < fewest_chunks or chunk > ub_tile:
            continue
        assert math.ceil(k_tiles / blocks) > busiest or (math.ceil(k_tiles / blocks) == busiest
                                                         and chunk >= t["tile_length"]), (k, chunk)
    if rows * math.ceil(c / ub_tile) <= blocks:
        assert t["num_tiles"] <= blocks


def row_plan_tile(t):
    """The UB-planned tile of a row-tiled plan, restated: reference_ub's queues and temps plus, per
    ROW operand, one chunk buffer and (16-bit) its fp32 widening; no longer than the input, and
    shortened by the alignment until its bank pads fit (as expected_tile_length)."""
    fixed, per_elem = reference_ub(t)
    for name in ("weight", "pos_weight"):
        if t[name]["mode"] == "ROW":
            s_op = DTYPE_BYTES[t[name]["dtype"]]
            per_elem += s_op + (4 if s_op != 4 else 0)
    a = tile_align(t)
    longest = min((usable_ub(t) - fixed) // per_elem // a * a, align_up(t["total_length"], a))
    while longest > a and fixed + longest * per_elem + \
            expected_bank_pads(dict(t, tile_length=longest), operands=False)[MAKE_ROOM_PLAN] > usable_ub(t):
        longest -= a
    return longest


# rows = 2 and rows around the 48 planned blocks; C one past a multiple of the alignment; C short
# enough that the last chunk is one element; C = 18500, 4 chunks of fp32 'none's UB tile before
# its bank pads (4672) and 5 after (4608).
@pytest.mark.parametrize("rows, c", [(2, 17), (2, 1001), (2, 12289), (3, 16385), (10, 1000), (47, 21841),
                                     (49, 21841), (100, 12289), (48, 18500)])
@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kernel", ["forward", "backward"])
def test_row_chunks_fit_the_ub_plan_and_leave_the_busiest_block_fewest_tiles(rows, c, dtype, reduction, kernel):
    # Every chunk fits the UB-planned tile of the row plan (not only a flat balanced tile); the
    # busiest block gets the fewest tiles chunks of that length allow, with the shortest aligned
    # chunk that keeps it. Blocks: the launch's for elementwise kernels, PLANNED_BLOCKS (48) for
    # forward reductions, so their chunks (and summation order) are the same on every SoC and cap.
    partials = kernel == "forward" and reduction != "none"
    reduction_plan = None
    for soc, max_blocks in [("910B1", 0), ("910B3", 0), ("910B1", 1), ("910B4", 7)]:
        kw = dict(pos_weight_shape=[c], pos_weight_dtype="float16", soc=soc, max_blocks=max_blocks, kernel=kernel)
        t = tiling([rows, c], dtype, reduction, **kw)
        assert t["pos_weight"]["mode"] == "ROW" and t["row_length"] == c
        host.validate_tiling(host.tiling_bytes([rows, c], dtype, reduction, **kw), soc)
        assert_tiles_cover_the_input(t)
        planned = row_plan_tile(t)
        assert t["tile_length"] <= planned
        blocks = 48 if partials else min(SOCS[soc], max_blocks or SOCS[soc])
        align = tile_align(t) if partials else 16
        busiest = -(-rows * -(-c // planned) // blocks)
        assert -(-t["num_tiles"] // blocks) == busiest
        keeps = [k for k in range(align, planned + 1, align) if -(-rows * -(-c // k) // blocks) <= busiest]
        assert t["tile_length"] == min(keeps)
        if partials:
            plan = (t["tile_length"], t["row_chunks"], t["num_tiles"])
            assert plan == (reduction_plan or plan)
            reduction_plan = plan


def test_row_tiles_take_scalar_full_row_and_column_operands_only():
    shape = [188, 21841]
    both = tiling(shape, weight_shape=[21841], weight_dtype="float16", pos_weight_shape=[21841])
    assert both["weight"]["mode"] == both["pos_weight"]["mode"] == "ROW"
    assert tiling(shape, weight_shape=shape, pos_weight_shape=[21841])["weight"]["mode"] == "FULL"
    assert tiling(shape, weight_shape=[1], pos_weight_shape=[21841])["row_length"] == 21841
    # A row weight [N, 1] is a COLUMN beside it (in rank 2 every operand pattern is one of these).
    assert tiling(shape, weight_shape=[188, 1], pos_weight_shape=[21841])["weight"]["mode"] == "COLUMN"
    # A PERIODIC operand needs 32-B aligned flat tile starts: flat tiles.
    assert tiling([400, 1001], pos_weight_shape=[1001])["row_length"] == 0


def test_row_tiles_keep_the_reduction_order_for_any_block_count():
    # The chunking depends on the shape, dtypes and UB, never on the SoC or max_blocks.
    base = tiling([188, 21841], reduction="sum", pos_weight_shape=[21841])
    for soc in SOCS:
        for max_blocks in (1, 7, 0):
            t = tiling([188, 21841], reduction="sum", pos_weight_shape=[21841], soc=soc, max_blocks=max_blocks)
            assert (t["tile_length"], t["row_chunks"], t["num_tiles"]) == (
                base["tile_length"], base["row_chunks"], base["num_tiles"])
