"""Validate(TilingData): accepts every tiling ComputeTiling makes, rejects each forged field by
name; the simulator launchers check the tiling and every buffer before a launch; a forged-tiling
fuzz never crashes the process."""
from __future__ import annotations

import struct

import ml_dtypes
import numpy as np
import pytest

from ascend_bce import _C

SOCS = ("910B1", "910B2", "910B3", "910B4")
DTYPES = {"float32": np.float32, "float16": np.float16, "bfloat16": ml_dtypes.bfloat16}
# TilingData (op_kernel/bce_with_logits_tiling.h) as named fields; operands weight, posWeight, gradOutput.
OPERAND_FIELDS = ["mode", "dtype", "numel", "period", "periodAligned", "bufferNum", "gatherSpan"] + \
    [f"strides[{i}]" for i in range(8)]
FIELDS = ["totalLength", "tileLength", "numTiles", "blockDim", "reduction", "dtype", "rank"] + \
    [f"dims[{i}]" for i in range(8)] + \
    [f"{op}.{f}" for op in ("weight", "posWeight", "gradOutput") for f in OPERAND_FIELDS] + \
    ["workspaceBytes", "partialGroupLength", "ubBytes", "kernel", "bankPadBytes", "rowLength", "rowChunks"]
FORMAT = "<3Q4I8Q" + "2I3Q2I8q" * 3 + "2Q2I3Q"
assert struct.calcsize(FORMAT) == _C.host.TILING_SIZE and len(struct.unpack(FORMAT, bytes(struct.calcsize(FORMAT)))) == len(FIELDS)


def raw_tiling(shape, dtype="float32", reduction="mean", **kw) -> bytes:
    return _C.host.tiling_bytes(shape, dtype, reduction, **kw)


def set_field(raw: bytes, field: str, value: int) -> bytes:
    values = dict(zip(FIELDS, struct.unpack(FORMAT, raw)))
    assert field in values
    values[field] = value
    return struct.pack(FORMAT, *(values[f] for f in FIELDS))


def field(raw: bytes, name: str) -> int:
    return dict(zip(FIELDS, struct.unpack(FORMAT, raw)))[name]


# ---------------------------------------------------------------- Validate accepts ComputeTiling

def random_request(rng):
    rank = int(rng.integers(0, 9))
    shape = [int(rng.choice([0, 1, 2, 3, 5, 7, 16, 33, 100, 1000])) if rng.random() < 0.9 else int(rng.integers(1, 70000))
             for _ in range(rank)]
    if rng.random() < 0.9:
        shape = [d if d != 0 else 1 for d in shape]  # mostly non-empty
    def operand():
        if rng.random() < 0.3:
            return None
        k = int(rng.integers(0, len(shape) + 1))
        return [d if rng.random() < 0.6 else 1 for d in shape[len(shape) - k:]]
    kw = dict(weight_shape=operand(), weight_dtype=str(rng.choice(list(DTYPES))),
              pos_weight_shape=operand(), pos_weight_dtype=str(rng.choice(list(DTYPES))),
              soc=str(rng.choice(SOCS)), max_blocks=int(rng.choice([0, 0, 1, 3, 17, 100])),
              kernel=str(rng.choice(["forward", "backward", "backward_target"])))
    if rng.random() < 0.15:
        kw["ub_bytes"] = int(rng.choice([4096, 20000, 37888, 100000]))
    return shape, str(rng.choice(list(DTYPES))), str(rng.choice(["none", "mean", "sum"])), kw


def test_validate_accepts_every_computed_tiling():
    rng = np.random.default_rng(12)
    accepted = 0
    for _ in range(3000):
        shape, dtype, reduction, kw = random_request(rng)
        try:
            raw = raw_tiling(shape, dtype, reduction, **kw)
        except (ValueError, RuntimeError):
            continue  # a request the tiling refuses (e.g. UB too small for one tile)
        _C.host.validate_tiling(raw, kw["soc"])
        accepted += 1
    assert accepted > 2500


@pytest.mark.parametrize("shape,kw", [
    ([0], {}), ([0, 1000], dict(weight_shape=[1000])), ([], {}), ([1, 1, 1], dict(pos_weight_shape=[1])),
    ([2**40], dict(kernel="backward")), ([3, 1000], dict(weight_shape=[3, 1], pos_weight_shape=[1000])),
    ([7, 6000], dict(weight_shape=[6000], weight_dtype="float16", ub_bytes=37888)),
])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_validate_accepts_edge_tilings(shape, kw, reduction):
    _C.host.validate_tiling(raw_tiling(shape, "float16", reduction, soc="910B3", **kw), "910B3")


# ---------------------------------------------------------------- forged fields are named

BASE = dict(shape=[600, 1000], dtype="float32", reduction="mean", weight_shape=[1000], pos_weight_shape=[600, 1000])


def base_raw(**kw) -> bytes:
    args = {**BASE, **kw}
    return raw_tiling(args.pop("shape"), args.pop("dtype"), args.pop("reduction"), **args)


@pytest.mark.parametrize("name,value,message", [
    ("rank", 0, "rank = 0"), ("rank", 9, "rank = 9"), ("dims[0]", 0, "dims[0] = 0"),
    ("dims[3]", 5, "dims[3] = 5: must be 0 beyond rank"), ("totalLength", 600001, "totalLength"),
    ("tileLength", 0, "tileLength = 0"), ("tileLength", 2**40, "tileLength"),
    ("numTiles", 7, "numTiles = 7"), ("blockDim", 0, "blockDim = 0"), ("blockDim", 49, "blockDim = 49"),
    ("dtype", 3, "dtype = 3"), ("reduction", 7, "reduction = 7"), ("kernel", 3, "kernel = 3"),
    ("weight.mode", 5, "weight.mode = 5"), ("posWeight.dtype", 9, "posWeight.dtype = 9"),
    ("weight.periodAligned", 0, "weight.periodAligned = 0"), ("weight.period", 999, "weight.period = 999"),
    ("weight.numel", 1001, "weight.numel = 1001"), ("weight.strides[1]", 2, "weight.strides[1] = 2"),
    ("posWeight.numel", 5, "posWeight.numel = 5"), ("posWeight.bufferNum", 3, "posWeight.bufferNum = 3"),
    ("gradOutput.mode", 3, "gradOutput.numel = 0: must equal totalLength"), ("gradOutput.dtype", 1, "gradOutput.dtype = 1"),
    ("partialGroupLength", 0, "partialGroupLength = 0"), ("workspaceBytes", 0, "workspaceBytes = 0"),
    ("bankPadBytes", 32, "bankPadBytes = 32: must be 0 or a bank plan's pads plus its index"),
    ("bankPadBytes", 23, "bankPadBytes = 23: must be 0 or a bank plan's pads plus its index in [1, 22]"),
    ("bankPadBytes", 32 + 2, "bankPadBytes = 34: must hold the pads of bank plan 2"),
    ("ubBytes", 1 << 20, "ubBytes = 1048576"), ("ubBytes", 8000, "ubBytes = 8000: the kernel would allocate"), ("ubBytes", 100, "tileLength = "),
])
def test_validate_names_the_forged_field(name, value, message):
    raw = base_raw()
    assert field(raw, "weight.mode") == 2 and field(raw, "posWeight.mode") == 3  # PERIODIC, FULL
    _C.host.validate_tiling(raw)
    with pytest.raises(ValueError, match=r"invalid tiling: " + message.replace("[", r"\[").replace("]", r"\]")):
        _C.host.validate_tiling(set_field(raw, name, value))


def test_validate_block_dim_against_the_soc_and_backward_rules():
    raw = base_raw(shape=[48, 100000], weight_shape=None, pos_weight_shape=None)
    assert field(raw, "blockDim") == 48
    _C.host.validate_tiling(raw, "910B1")
    with pytest.raises(ValueError, match="blockDim = 48.*910B3 = 40"):
        _C.host.validate_tiling(raw, "910B3")
    grad = base_raw(reduction="none", kernel="backward")
    assert field(grad, "gradOutput.mode") == 3
    with pytest.raises(ValueError, match="gradOutput.mode = 1"):
        forged = set_field(set_field(grad, "gradOutput.mode", 1), "gradOutput.numel", 1)
        _C.host.validate_tiling(set_field(forged, "gradOutput.bufferNum", 0))
    with pytest.raises(ValueError, match="partialGroupLength = 64: must be 0"):
        _C.host.validate_tiling(set_field(grad, "partialGroupLength", 64))
    with pytest.raises(ValueError, match="tiling must hold"):
        _C.host.validate_tiling(grad[:-4])


# ---------------------------------------------------------------- the launchers check their buffers

def forward_args(shape=(6, 1000), dtype="float32", reduction="mean", weight=True):
    rng = np.random.default_rng(0)
    t = DTYPES[dtype]
    x = rng.standard_normal(shape).astype(t)
    y = rng.random(shape).astype(t)
    w = rng.random(shape[-1:]).astype(np.float32) if weight else None
    raw = raw_tiling(list(shape), dtype, reduction, weight_shape=None if w is None else list(w.shape))
    out = np.empty(shape if reduction == "none" else (), dtype=t).reshape(-1)
    ws = np.zeros(max(field(raw, "workspaceBytes"), 32), dtype=np.uint8)
    return dict(input=x, target=y, weight=w, pos_weight=None, out=out, workspace=ws,
                tiling=np.frombuffer(raw, dtype=np.uint8).copy(), soc="910B1")


def grad_args(reduction="none"):
    a = forward_args(reduction=reduction)
    raw = raw_tiling([6, 1000], "float32", reduction, weight_shape=[1000], kernel="backward")
    g = np.ones(6000 if reduction == "none" else 1, dtype=np.float32)
    return dict(input=a["input"], target=a["target"], weight=a["weight"], pos_weight=None, grad_output=g,
                grad=np.empty(6000, dtype=np.float32), workspace=np.zeros(32, dtype=np.uint8),
                tiling=np.frombuffer(raw, dtype=np.uint8).copy(), soc="910B1")


def test_launch_reads_a_reversed_tiling_view_only_after_the_layout_check():
    a = forward_args()
    _C.launch_bce_with_logits(**a)
    a["tiling"] = a["tiling"][::-1]  # same size, negative stride: memcpy from data() would over-read
    with pytest.raises(ValueError, match="tiling must be C-contiguous"):
        _C.launch_bce_with_logits(**a)


@pytest.mark.parametrize("name,value,message", [
    ("input", np.zeros((6, 1000), np.float16), "input has dtype float16; the tiling says float32"),
    ("target", np.zeros((6, 999), np.float32), "target has 5994 elements; the tiling says 6000"),
    ("input", np.zeros((6, 1000), object), "input must not have dtype object"),
    ("input", np.zeros((1000, 6), np.float32).T, "input must be C-contiguous"),
    ("weight", np.zeros(1000, ml_dtypes.bfloat16), "weight has dtype bfloat16; the tiling says float32"),
    ("weight", None, "weight is None but the tiling expects one"),
    ("pos_weight", np.ones(1000, np.float32), "pos_weight is given but the tiling has none"),
    ("out", np.empty(2, np.float32), "out has 2 elements"),
    ("out", np.empty(1, np.float16), "out has dtype float16"),
    ("workspace", np.zeros(8, np.uint8), "workspace must hold"),
    ("workspace", np.zeros(32, object), "workspace must not have dtype object"),
])
def test_launch_checks_buffers_against_the_tiling(name, value, message):
    a = forward_args()
    a[name] = value
    with pytest.raises(ValueError, match=message):
        _C.launch_bce_with_logits(**a)


@pytest.mark.parametrize("name", ["out", "workspace"])
def test_launch_refuses_read_only_outputs(name):
    a = forward_args()
    a[name] = a[name].copy()
    a[name].flags.writeable = False
    with pytest.raises(ValueError, match=f"{name} must be writable"):
        _C.launch_bce_with_logits(**a)


def test_grad_launch_checks_buffers_and_kernel_kind():
    a = grad_args()
    _C.launch_bce_with_logits_grad(**a)
    bad = dict(a, grad=a["grad"].copy())
    bad["grad"].flags.writeable = False
    with pytest.raises(ValueError, match="grad must be writable"):
        _C.launch_bce_with_logits_grad(**bad)
    with pytest.raises(ValueError, match="grad_output has 1 elements; the tiling says 6000"):
        _C.launch_bce_with_logits_grad(**dict(a, grad_output=np.ones(1, np.float32)))
    with pytest.raises(ValueError, match="grad_output has dtype float16"):
        _C.launch_bce_with_logits_grad(**dict(a, grad_output=np.ones(6000, np.float16)))
    forward = forward_args(reduction="none")["tiling"]
    with pytest.raises(ValueError, match="needs a backward tiling"):
        _C.launch_bce_with_logits_grad(**dict(a, tiling=forward))
    with pytest.raises(ValueError, match="needs a forward tiling"):
        _C.launch_bce_with_logits(**dict(forward_args(reduction="none"), tiling=a["tiling"]))


def test_launch_validates_the_tiling_against_the_soc():
    a = forward_args(shape=(48, 100000), weight=False)
    assert field(a["tiling"].tobytes(), "blockDim") == 48
    with pytest.raises(ValueError, match="invalid tiling: blockDim = 48"):
        _C.launch_bce_with_logits(**dict(a, soc="910B4"))
    for name, value in [("rank", 0), ("dims[0]", 0), ("reduction", 3), ("dtype", 5)]:
        forged = np.frombuffer(set_field(a["tiling"].tobytes(), name, value), dtype=np.uint8).copy()
        with pytest.raises(ValueError, match=f"invalid tiling: {name.replace('[', '.').replace(']', '.')}"):
            _C.launch_bce_with_logits(**dict(a, tiling=forged))


# ---------------------------------------------------------------- forged-tiling fuzz

def fuzz_launch(kind, reduction, tiling):
    if kind == "forward":
        a = forward_args(shape=(3, 700), reduction=reduction)
        a["tiling"] = tiling
        _C.launch_bce_with_logits(**a)
        return a["out"]
    a = grad_args(reduction)
    a["tiling"] = tiling
    _C.launch_bce_with_logits_grad(**a)
    return a["grad"]


def fuzz_tiling(kind, reduction):
    if kind == "forward":
        return forward_args(shape=(3, 700), reduction=reduction)["tiling"]
    return grad_args(reduction)["tiling"]


@pytest.mark.parametrize("kind,reduction", [("forward", "mean"), ("forward", "none"), ("backward", "none"),
                                            ("backward", "sum")])
def test_forged_tiling_fuzz_never_crashes(kind, reduction):
    """Random byte mutations: a clean exception, or a run whose result equals the genuine one."""
    rng = np.random.default_rng(sum(map(ord, kind + reduction)))
    valid = fuzz_tiling(kind, reduction)
    truth = fuzz_launch(kind, reduction, valid.copy()).copy()
    outcomes = {"rejected": 0, "ran": 0}
    for _ in range(400):
        forged = valid.copy()
        for _ in range(int(rng.integers(1, 4))):
            pos = int(rng.integers(0, forged.size))
            forged[pos] = rng.choice([0, 1, 0xFF, 0x80, int(rng.integers(0, 256))])
        try:
            out = fuzz_launch(kind, reduction, forged)
        except (ValueError, RuntimeError) as e:  # ValueError: Validate; RuntimeError: SimulatorError
            assert str(e)
            outcomes["rejected"] += 1
            continue
        outcomes["ran"] += 1
        np.testing.assert_allclose(out, truth, rtol=1e-6, atol=0)
    assert outcomes["rejected"] > 100 and outcomes["ran"] > 0, outcomes


def test_gather_span_must_hold_every_tile_span():
    raw = raw_tiling([7, 3, 4001], "float32", "none", weight_shape=[7, 1, 4001])
    span = field(raw, "weight.gatherSpan")
    assert 0 < span  # a per-tile span buffer
    _C.host.validate_tiling(raw)
    with pytest.raises(ValueError, match=r"weight.gatherSpan = \d+: must hold the largest span"):
        _C.host.validate_tiling(set_field(raw, "weight.gatherSpan", span - 1))
    with pytest.raises(ValueError, match=r"weight.gatherSpan = 0: resident \(0\) needs the operand within"):
        _C.host.validate_tiling(set_field(set_field(raw, "weight.gatherSpan", 0), "weight.bufferNum", 0))
    with pytest.raises(ValueError, match=r"posWeight.gatherSpan = 5: must be 0 unless the mode is GENERIC"):
        _C.host.validate_tiling(set_field(raw, "posWeight.gatherSpan", 5))


def test_generic_tile_stays_within_255_gather_repeats():
    # A tiny UB-light plan: fp16 'none' with a resident GENERIC pos_weight.
    raw = raw_tiling([64, 3, 1537], "float16", "none", pos_weight_shape=[64, 1, 1537])
    assert field(raw, "posWeight.mode") == 4 and field(raw, "tileLength") <= 255 * 64
    _C.host.validate_tiling(raw)
    long_tile = 256 * 64
    tiles = -(-field(raw, "totalLength") // long_tile)
    bad = set_field(set_field(set_field(raw, "tileLength", long_tile), "numTiles", tiles), "blockDim", tiles)
    with pytest.raises(ValueError, match=r"tileLength = 16384: must be at most 16320 with a GENERIC posWeight"):
        _C.host.validate_tiling(bad)


def test_row_tiles_are_checked_field_by_field():
    raw = raw_tiling([188, 21841], "float32", "sum", pos_weight_shape=[21841])
    assert field(raw, "posWeight.mode") == 5 and field(raw, "rowLength") == 21841
    _C.host.validate_tiling(raw)
    chunks, tiles = field(raw, "rowChunks"), field(raw, "numTiles")
    with pytest.raises(ValueError, match=r"rowChunks = %d: must be ceil\(rowLength / tileLength\)" % (chunks + 1)):
        _C.host.validate_tiling(set_field(set_field(raw, "rowChunks", chunks + 1), "numTiles", tiles + 188))
    with pytest.raises(ValueError, match=r"numTiles = %d: must be rowChunks \* dims\[0\]" % (tiles - 1)):
        _C.host.validate_tiling(set_field(raw, "numTiles", tiles - 1))
    with pytest.raises(ValueError, match=r"rowLength = 21840: row tiles need a rank-2 space and rowLength = dims\[1\]"):
        _C.host.validate_tiling(set_field(raw, "rowLength", 21840))
    with pytest.raises(ValueError, match=r"posWeight.mode = 5: ROW needs row tiles"):
        flat_tiles = -(-188 * 21841 // field(raw, "tileLength"))
        _C.host.validate_tiling(set_field(set_field(set_field(raw, "rowLength", 0), "rowChunks", 0),
                                          "numTiles", flat_tiles))
    with pytest.raises(ValueError, match=r"posWeight.bufferNum = 2: must be 1 for a ROW operand"):
        _C.host.validate_tiling(set_field(raw, "posWeight.bufferNum", 2))
    with pytest.raises(ValueError, match=r"rowChunks = 3: must be 0 without row tiles"):
        _C.host.validate_tiling(set_field(raw_tiling([188, 21841], "float32", "sum"), "rowChunks", 3))


def test_row_tiles_refuse_operands_that_need_flat_tiles():
    # A PERIODIC weight reads expanded[offset % period] from 32-B aligned flat tile starts only.
    raw = raw_tiling([188, 21841], "float32", "none", pos_weight_shape=[21841])
    forged = set_field(set_field(raw, "weight.mode", 1), "weight.numel", 1)
    _C.host.validate_tiling(forged)  # a SCALAR weight is fine
    forged = set_field(set_field(set_field(raw, "weight.mode", 4), "weight.numel", 21841), "weight.strides[1]", 1)
    with pytest.raises(ValueError, match=r"weight.mode = 4: row tiles start at unaligned flat indices"):
        _C.host.validate_tiling(forged)


def test_column_operands_are_checked():
    raw = raw_tiling([4096, 1000], "float32", "mean", weight_shape=[4096, 1])
    assert field(raw, "weight.mode") == 6 and field(raw, "rowLength") == 0
    _C.host.validate_tiling(raw)
    # Rows that do not start 32-B aligned in flat tiles, or too short to be worth a Muls each.
    odd = raw_tiling([300, 2053], "float32", "none", weight_shape=[300, 1])
    assert field(odd, "rowLength") == 2053
    flat_tiles = -(-300 * 2053 // field(odd, "tileLength"))
    flat = set_field(set_field(set_field(odd, "rowLength", 0), "rowChunks", 0), "numTiles", flat_tiles)
    with pytest.raises(ValueError, match=r"weight.mode = 6: COLUMN needs a column vector"):
        _C.host.validate_tiling(set_field(flat, "blockDim", min(48, flat_tiles)))
    # Rows of 200 (under MIN_COLUMN_RUN) forged onto a column plan.
    short = raw_tiling([4096, 200], "float32", "mean", weight_shape=[4096, 1])
    assert field(short, "weight.mode") == 4
    with pytest.raises(ValueError, match=r"weight.mode = 6: COLUMN needs a column vector"):
        _C.host.validate_tiling(set_field(set_field(short, "weight.mode", 6), "weight.gatherSpan", 0))
    # Flat tiles of MAX rows of 256 touch MAX + 1 rows: one more than the kernel's window of row values.
    most = _C.host.MAX_COLUMN_ROWS
    narrow = raw_tiling([4096, 256], "float32", "none", weight_shape=[4096, 1])
    long_tiles = set_field(set_field(narrow, "tileLength", most * 256), "numTiles", 4096 // most)
    long_tiles = set_field(long_tiles, "blockDim", min(48, 4096 // most))
    with pytest.raises(ValueError, match=rf"tileLength = {most * 256}: touches up to {most + 1} rows with a "
                                         rf"COLUMN weight: at most {most}"):
        _C.host.validate_tiling(long_tiles)
