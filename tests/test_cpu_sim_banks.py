"""cpu_sim's UB bank conflicts on A2 (cpu_sim/include/sim/ub_banks.h): the layouts of asc-devkit's
bank_conflict_ub sample (examples/01_simd_cpp_api/05_best_practices/04_memory_access/
bank_conflict_ub), run as a reduced kernel (cpu_sim/selftest/st_banks.cpp) that places src0, src1
and dst at given UB offsets and adds them. The bank rules are restated here from the 2201 bank guide
and the vector time worked out from the cost table (`_C.cost_table()`)."""
from __future__ import annotations

import numpy as np
import pytest

import ascend_bce
from ascend_bce import _C
from test_bce_with_logits_backward import check as check_grad, grad_output_for

COST = _C.cost_table()
FLOATS = 4096              # the sample's length: 64 fp32 repeats
REPEATS = FLOATS * 4 // 256
ADDS = 3
BLOCK = 32                 # UB row: one 32-B block
GROUPS = 16                # bank groups; bank_id = address bits 16-17


def bank_group(addr: int) -> int:
    return addr // BLOCK % GROUPS


def bank(addr: int) -> int:
    return bank_group(addr) + GROUPS * (addr >> 16)


def expected_conflict(src0: int, src1: int, dst: int) -> tuple[bool, bool]:
    """(read-read, read-write) for one repeat of contiguous operands: two sources in one bank group,
    or dst in a source's bank without lying block-for-block on it (then the write waits a repeat)."""
    blocks = [[a + BLOCK * k for k in range(8)] for a in (src0, src1, dst)]
    reads = [bank_group(a) for a in blocks[0] + blocks[1]]
    read_read = len(set(reads)) < len(reads)
    read_write = False
    for src in blocks[:2]:
        shared = {bank(a) for a in src} & {bank(a) for a in blocks[2]}
        aligned = all(bank(s) == bank(d) for s, d in zip(src, blocks[2]))
        read_write |= bool(shared) and not aligned
    return read_read, read_write


def run_add(src0: int, src1: int, dst: int):
    rng = np.random.default_rng(src1 + dst)
    x, y = rng.standard_normal(FLOATS).astype(np.float32), rng.standard_normal(FLOATS).astype(np.float32)
    z = np.zeros(FLOATS, np.float32)
    tiling = np.zeros(16, np.uint32)
    tiling[:5] = src0, src1, dst, FLOATS, ADDS
    stats = _C.selftest.run("bank_add", [x, y, z], block_dim=1, tiling=tiling)
    np.testing.assert_array_equal(z, x + (y if src1 != src0 else x))  # addresses change the time only
    return stats


# (src0, src1, dst): the sample's scenarios 1-5, the add sample's 256-B shift, and src0 == src1.
LAYOUTS = {
    "clean": (0x0, 0x10100, 0x20000),
    "read_read_same_bank": (0x0, 0x4000, 0x10000),
    "read_read_same_group": (0x0, 0x10000, 0x14100),
    "read_read_fixed_by_256B": (0x0, 0x4100, 0x10000),
    "write_lies_on_src0": (0x0, 0x10100, 0x4000),
    "read_write": (0x0, 0x10100, 0x4020),
    "same_source_twice": (0x0, 0x0, 0x10000),
}
CONFLICTS = {
    "clean": (False, False),
    "read_read_same_bank": (True, False),
    "read_read_same_group": (True, False),
    "read_read_fixed_by_256B": (False, False),
    "write_lies_on_src0": (False, False),
    "read_write": (False, True),
    "same_source_twice": (True, False),
}


@pytest.mark.parametrize("name", LAYOUTS)
def test_add_is_charged_its_documented_conflicts(name):
    src0, src1, dst = LAYOUTS[name]
    read_read, read_write = expected_conflict(src0, src1, dst)
    assert (read_read, read_write) == CONFLICTS[name]  # the restated rule agrees with the sample
    stats = run_add(src0, src1, dst)
    conflicted = ADDS * REPEATS if (read_read or read_write) else 0
    assert stats.bank_conflict_repeats == conflicted
    assert stats.bank_conflicts == ({"Add": conflicted} if conflicted else {})
    per_repeat = COST["simple_repeat_cycles"] + read_read * COST["bank_conflict_beat_cycles"] + \
        read_write * COST["read_write_conflict_cycles"]
    want_v = ADDS * (COST["vector_issue_cycles"] + REPEATS * per_repeat)
    busy_v = stats.as_dict()["blocks"][0]["busy_us"]["V"] * COST["clock_hz"] / 1e6
    assert busy_v == pytest.approx(want_v, rel=1e-9)


def delayed_write_conflicts(src0: int, src1: int, dst: int, repeats: int) -> int:
    """Repeats of one contiguous Add with a read-write conflict when the hardware delays a write that
    lies bank-for-bank on a source by one repeat (the sample's scenarios 4 and 6): that write then
    happens in the next repeat's beat, next to that repeat's reads; an undelayed write meets its own."""
    def banks(addr, r):
        return {bank(addr + 256 * r + BLOCK * k) for k in range(8)}
    conflicted, waiting = 0, set()
    for r in range(repeats):
        reads = banks(src0, r) | banks(src1, r)
        own = banks(dst, r)
        delayed = any(all(bank(dst + 256 * r + BLOCK * k) == bank(s + 256 * r + BLOCK * k) for k in range(8))
                      for s in (src0, src1))
        conflicted += bool(((set() if delayed else own) | waiting) & reads)
        waiting = own if delayed else set()
    return conflicted


# In-place Add(src0, src0, src1): dst lies on src0, so each write lands one repeat late, where the
# next repeat reads src1 from the same bank groups when src1 sits at the opposite half phase. In
# src0's 64-KiB bank row that is a read-write conflict in every repeat after the first; in another
# bank row (bank_id) it is none, as in the sample's scenarios 4 and 6 (measured clean).
@pytest.mark.parametrize("src1,conflicted", [(0x4100, REPEATS - 1), (0x10100, 0), (0x4000, 0)])
def test_delayed_write_meets_the_next_repeats_reads(src1, conflicted):
    assert delayed_write_conflicts(0x0, src1, 0x0, REPEATS) == conflicted  # the rule restated
    rng = np.random.default_rng(src1)
    x, y = rng.standard_normal(FLOATS).astype(np.float32), rng.standard_normal(FLOATS).astype(np.float32)
    z = np.zeros(FLOATS, np.float32)
    tiling = np.zeros(16, np.uint32)
    tiling[:5] = 0x0, src1, 0x0, FLOATS, ADDS
    stats = _C.selftest.run("bank_add", [x, y, z], block_dim=1, tiling=tiling)
    want = x.copy()
    for _ in range(ADDS):
        want = want + y  # the in-place Adds, rounded in fp32 one by one
    np.testing.assert_array_equal(z, want)
    # src1 == src0's phase (0x4000): the same groups every repeat, a read-read conflict instead.
    read_read = src1 % 512 == 0
    assert stats.bank_conflict_repeats == ADDS * (REPEATS if read_read else conflicted)
    per_repeat = read_read * COST["bank_conflict_beat_cycles"]
    want_v = ADDS * (COST["vector_issue_cycles"] + REPEATS * (COST["simple_repeat_cycles"] + per_repeat) +
                     conflicted * COST["read_write_conflict_cycles"])
    busy_v = stats.as_dict()["blocks"][0]["busy_us"]["V"] * COST["clock_hz"] / 1e6
    assert busy_v == pytest.approx(want_v, rel=1e-9)


def restated_cycles(src0: int, src1: int, dst: int, nbytes: int) -> tuple[int, float]:
    """Conflicted repeats and their extra V cycles for one contiguous fp32 Add of `nbytes` per operand
    (the last repeat partial), by the rules restated above: rows per bank group over both sources'
    blocks, and a write meeting a read in one bank in its beat (a write lying on a source waits a repeat)."""
    conflicted, cycles, waiting = 0, 0.0, set()
    for r in range(-(-nbytes // 256)):
        blocks = min(8, -(-(nbytes - 256 * r) // BLOCK))
        ops = [[a + 256 * r + BLOCK * k for k in range(blocks)] for a in (src0, src1, dst)]
        rows = [sum(bank_group(a) == g for a in ops[0] + ops[1]) for g in range(GROUPS)]
        reads = {bank(a) for a in ops[0] + ops[1]}
        own = {bank(a) for a in ops[2]}
        delayed = any(all(bank(s) == bank(d) for s, d in zip(src, ops[2])) for src in ops[:2])
        read_write = bool(((set() if delayed else own) | waiting) & reads)
        waiting = own if delayed else set()
        if max(rows) > 1 or read_write:
            conflicted += 1
            cycles += (max(rows) - 1) * COST["bank_conflict_beat_cycles"] + read_write * COST["read_write_conflict_cycles"]
    return conflicted, cycles


def test_random_layouts_match_the_restated_rules():
    rng = np.random.default_rng(11)
    for _ in range(24):
        floats = 8 * int(rng.integers(1, 300))
        span = floats * 4
        while True:  # 32-B aligned, no partial overlap; dst may be src0 (in place) a third of the time
            src0, src1 = (32 * int(rng.integers(0, (0x28000 - span) // 32)) for _ in range(2))
            dst = src0 if rng.random() < 1 / 3 else 32 * int(rng.integers(0, (0x28000 - span) // 32))
            pairs = ((src0, src1), (src0, dst), (src1, dst))
            if all(a == b and (a, b) != (src0, src1) or a + span <= b or b + span <= a for a, b in pairs):
                break
        x, y = rng.standard_normal(floats).astype(np.float32), rng.standard_normal(floats).astype(np.float32)
        z = np.zeros(floats, np.float32)
        tiling = np.zeros(16, np.uint32)
        tiling[:5] = src0, src1, dst, floats, 1
        stats = _C.selftest.run("bank_add", [x, y, z], block_dim=1, tiling=tiling)
        np.testing.assert_array_equal(z, x + y)
        conflicted, cycles = restated_cycles(src0, src1, dst, span)
        assert stats.bank_conflict_repeats == conflicted, (hex(src0), hex(src1), hex(dst), floats)
        repeats = -(-span // 256)
        busy_v = stats.as_dict()["blocks"][0]["busy_us"]["V"] * COST["clock_hz"] / 1e6
        want_v = COST["vector_issue_cycles"] + repeats * COST["simple_repeat_cycles"] + cycles
        assert busy_v == pytest.approx(want_v, rel=1e-9)


def test_penalties_reproduce_the_sample_measurements():
    # bank_conflict_ub README: 1000 Adds of 64 repeats take 2390 / 4167 / 3751 ticks of the 50 MHz
    # system counter without conflict / with read-read / with read-write conflicts.
    ticks_to_cycles = COST["clock_hz"] / 50e6
    clean = 1000 * (COST["vector_issue_cycles"] + 64 * COST["simple_repeat_cycles"])
    assert clean == pytest.approx(2390 * ticks_to_cycles, rel=0.02)
    assert clean + 64000 * COST["bank_conflict_beat_cycles"] == pytest.approx(4167 * ticks_to_cycles, rel=0.02)
    assert clean + 64000 * COST["read_write_conflict_cycles"] == pytest.approx(3751 * ticks_to_cycles, rel=0.02)
    # add_high_performance Case 5 -> 6 on A2: one extra beat per conflicted repeat is its 1.85x.
    case5_cycles = 12.846e-6 * COST["clock_hz"]
    modelled = 86 * (COST["vector_issue_cycles"] + 128 * (1 + COST["bank_conflict_beat_cycles"]))
    assert modelled == pytest.approx(case5_cycles, rel=0.05)


# ---------------------------------------------------------------- the kernels' temp placement

BANK_PAD_OFFSET = 440  # TilingData.bankPadBytes: the last field (tests/test_bce_with_logits_host.py)


def _launch(kernel, x, y, pw, reduction, pad):
    args = dict(kernel=kernel, input_shape=list(x.shape), dtype=np.dtype(x.dtype).name, reduction=reduction,
                pos_weight_shape=None if pw is None else list(pw.shape), pos_weight_dtype=np.dtype(x.dtype).name)
    tiling = _C.host.compute_tiling(**args)
    raw = np.frombuffer(_C.host.tiling_bytes(**args), np.uint8).copy()
    if not pad:  # the same tiling with the temps back to back (Validate accepts bankPadBytes = 0)
        raw[BANK_PAD_OFFSET:BANK_PAD_OFFSET + 8] = 0
    _C.host.validate_tiling(raw.tobytes())
    workspace = np.zeros(max(int(tiling["workspace_bytes"]), 32), np.uint8)
    if kernel == "forward":
        out = np.empty(x.shape if reduction == "none" else (), x.dtype)
        stats = _C.launch_bce_with_logits(x, y, None, pw, out.reshape(-1), workspace, raw, "910B1")
    else:
        out = np.empty_like(x)
        g = np.ones(x.size if reduction == "none" else 1, x.dtype)
        stats = _C.launch_bce_with_logits_grad(x, y, None, pw, g, out.reshape(-1), workspace, raw, "910B1")
    return out, stats, tiling, _C.host.ub_bytes_used(**args)


@pytest.mark.parametrize("kernel,dtype,reduction,with_pw", [
    ("forward", np.float32, "none", False), ("forward", np.float16, "mean", True),
    ("backward", np.float32, "mean", False), ("backward", np.float16, "none", True),
    ("backward", np.float32, "none", True)])
def test_kernel_temps_at_bank_phases_change_only_the_time(kernel, dtype, reduction, with_pw):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((96, 1000)).astype(dtype)
    y = rng.random((96, 1000)).astype(dtype)
    pw = (rng.random(1000) + 0.5).astype(dtype) if with_pw else None
    padded, fast, tiling, used = _launch(kernel, x, y, pw, reduction, pad=True)
    packed, slow, _, _ = _launch(kernel, x, y, pw, reduction, pad=False)
    assert tiling["bank_pad_bytes"] > 0
    assert padded.tobytes() == packed.tobytes()  # bit-identical
    assert fast.ub_peak_bytes == used  # the kernel allocates exactly the host's plan, pads included
    assert slow.ub_peak_bytes == used - (tiling["bank_pad_bytes"] & ~31)  # pads, less the plan index
    assert fast.bank_conflict_repeats < slow.bank_conflict_repeats
    assert fast.modelled_a2_us < slow.modelled_a2_us


@pytest.mark.parametrize("dst,conflicting", [(0x4000, True), (0x10000, False)])
def test_narrowing_cast_meets_its_source_bank_by_width(dst, conflicting):
    # fp32 -> fp16: a repeat reads 8 blocks of src and writes 4 of dst, so dst never lies
    # bank-for-bank on src; in one 64-KiB bank row they share a bank in the repeats where dst's 4
    # bank groups fall inside src's 8.
    x = np.random.default_rng(3).standard_normal(FLOATS).astype(np.float32)
    z = np.zeros(FLOATS, np.float32)
    tiling = np.zeros(16, np.uint32)
    tiling[:6] = 0, 0x8000, dst, FLOATS, 0, 1
    stats = _C.selftest.run("bank_add", [x, np.zeros(FLOATS, np.float32), z], block_dim=1, tiling=tiling)
    np.testing.assert_array_equal(z.view(np.float16)[:FLOATS], x.astype(np.float16))
    want = 0
    for r in range(REPEATS):
        src_banks = {bank(256 * r + BLOCK * k) for k in range(8)}
        dst_banks = {bank(dst + 128 * r + BLOCK * k) for k in range(4)}
        want += bool(src_banks & dst_banks)
    assert want == (REPEATS // 2 if conflicting else 0)
    assert stats.bank_conflicts == ({"Cast": want} if want else {})
    busy_v = stats.as_dict()["blocks"][0]["busy_us"]["V"] * COST["clock_hz"] / 1e6
    assert busy_v == pytest.approx(COST["vector_issue_cycles"] + REPEATS * COST["simple_repeat_cycles"] +
                                   want * COST["read_write_conflict_cycles"], rel=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_in_place_temps_meet_no_delayed_write_in_their_bank_row(dtype):
    # UB-sized tiles: tmpA in the first 64-KiB bank row, the later temps after the queues in the
    # next ones (bce_with_logits_bank_plan.h). The in-place Muls of one temp with another (Horner
    # steps Mul(a, a, b), Mul(b, b, a), Mul(c, c, y), ...) then find the delayed write in another
    # bank: of the 7 Mul passes per element only s * s (one block read twice), the pos_weight's and
    # the target's product still conflict. With the temps first, one bank row held them all and
    # 81 % of the Mul repeats conflicted.
    rng = np.random.default_rng(3)
    x = rng.standard_normal((576, 1000)).astype(dtype)
    y = (rng.random((576, 1000)) < 0.05).astype(dtype)
    pw = (rng.random(1000) + 0.5).astype(np.float32)
    ascend_bce.binary_cross_entropy_with_logits(x, y, None, "mean", pw)
    stats = ascend_bce.last_kernel_stats()
    assert stats.bank_conflicts["Mul"] < stats.repeats["Mul"] / 3


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_forward_reads_no_two_temps_of_one_bank_phase(dtype, reduction):
    # tmpA sits at phase 0 and the later temps b and c at the half phase, so a repeat reading b with
    # c queues on the same 8 bank groups. The forward's Div (s = u / (2 + u), with 2 + u in tmpA)
    # and its final Sub (c - a) read tmpA with a later temp: no Div or Sub repeat conflicts. Both
    # conflicted every repeat when 2 + u and (y - 1) * softplus(x) went in b.
    rng = np.random.default_rng(5)
    x = rng.standard_normal((192, 1000)).astype(dtype)
    y = rng.random((192, 1000)).astype(dtype)
    got = ascend_bce.binary_cross_entropy_with_logits(x, y, None, reduction)
    stats = ascend_bce.last_kernel_stats()
    assert stats.repeats["Div"] > 0 and stats.repeats["Sub"] > 0
    assert "Div" not in stats.bank_conflicts and "Sub" not in stats.bank_conflicts
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    want = np.maximum(x64, 0) - x64 * y64 + np.log1p(np.exp(-np.abs(x64)))
    want = want if reduction == "none" else want.mean()
    np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=1e-6 if dtype == np.float32 else 2e-3,
                               atol=0 if reduction == "mean" else 1e-7)


@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_full_weight_widens_into_tmp_a_not_beside_the_loss(reduction):
    # A 16-bit weight of the input's shape is widened into the Apply scratch and multiplied into
    # the loss in tmpC. With tmpB as the scratch (same bank phase as tmpC) that Mul conflicted
    # every repeat, and the Cast met tmpC's delayed writes; tmpA (free once the loss is c - a) is
    # at the other phase: the weight adds no conflict at all. (An fp32 weight is multiplied from
    # its own queue buffer, which the bank plan does not place.)
    dtype = np.float16
    rng = np.random.default_rng(11)
    x = rng.standard_normal((192, 1000)).astype(dtype)
    y = rng.random((192, 1000)).astype(dtype)
    w = (rng.random((192, 1000)) + 0.5).astype(dtype)
    ascend_bce.binary_cross_entropy_with_logits(x, y, None, reduction)
    plain = ascend_bce.last_kernel_stats()
    got = ascend_bce.binary_cross_entropy_with_logits(x, y, w, reduction)
    weighted = ascend_bce.last_kernel_stats()
    assert weighted.repeats["Mul"] > plain.repeats["Mul"]  # the weight's Mul ran
    # A mean without a weight puts the loss's upper half in tmpA for its first pairwise halving (the
    # Sub is then the loss's last pass): its Adds are not the weighted kernel's.
    skip = {"Add"} if reduction == "mean" else set()
    assert ({k: v for k, v in weighted.bank_conflicts.items() if k not in skip}
            == {k: v for k, v in plain.bank_conflicts.items() if k not in skip})
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    want = w.astype(np.float64) * (np.maximum(x64, 0) - x64 * y64 + np.log1p(np.exp(-np.abs(x64))))
    want = want if reduction == "none" else want.mean()
    np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=2e-3, atol=0 if reduction == "mean" else 1e-7)


@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_target_gradient_subtracts_tmp_a_from_a_later_temp(reduction):
    # dL/dy = pw * softplus(-x) - softplus(x): softplus(x) is formed in place on l in tmpA, so the
    # final Sub reads tmpA with tmpC. With softplus(x) in tmpB (the phase of tmpC) over half the Sub
    # repeats conflicted (3168 of 6048 here); the result is bit-identical.
    rng = np.random.default_rng(12)
    x = (rng.standard_normal((192, 1000)) * 4).astype(np.float16)
    y = rng.random((192, 1000)).astype(np.float16)
    pw = (rng.random(1000) + 0.5).astype(np.float16)
    check_grad(x, y, None, pw, reduction, grad_output_for(rng, x, reduction), "target")
    stats = ascend_bce.last_kernel_stats()
    assert stats.repeats["Sub"] > 0
    assert stats.bank_conflicts.get("Sub", 0) < stats.repeats["Sub"] / 10


# ---------------------------------------------------------------- the operands' buffers

def _squaring_repeats(tiling, skip_first=False) -> int:
    """Repeats of log1p's z = s * s (Mul(v, u, u)) over all tiles: it reads each block twice, which
    the model counts as a read-read conflict in every repeat whatever the layout. `skip_first`: all
    but each tile's first repeat (an in-place pass whose delayed write meets the next repeat)."""
    n, total, c = tiling["tile_length"], tiling["total_length"], tiling["row_length"]
    less = 1 if skip_first else 0
    if c:
        per_row = sum(-(-min(n, c - k * n) // 64) - less for k in range(tiling["row_chunks"]))
        return total // c * per_row
    return sum(-(-min(n, total - start) // 64) - less for start in range(0, total, n))


@pytest.mark.parametrize("rows, c", [(8, 21841), (100, 1001)])
def test_row_operand_meets_no_bank_conflict(rows, c):
    # pos_weight[C] under row tiles multiplies the loss chunk by chunk (Mul(c, c, chunk)). Its
    # queue after the later temps sat at neither phase of tmpC and in its bank row, so every repeat
    # conflicted (31418 at 46 x 21841); tiles of a few KiB (100 x 1001) put every buffer in bank
    # row 0, where nearly every in-place pass conflicted. Left: the forward's squaring; in the
    # backward at 100 x 1001, dL/dloss's in-place Mul into the gradient, which is in x's buffer
    # (LossIntoInput): its FULL stream and x's buffers follow tmpA in bank row 0, so the delayed
    # write meets the stream's next repeat in every repeat but a tile's first (the output tile it
    # multiplied before went after the later temps, in another bank row).
    rng = np.random.default_rng(13)
    x = (rng.standard_normal((rows, c)) * 3).astype(np.float32)
    y = rng.random((rows, c)).astype(np.float32)
    pw = (rng.random(c) + 0.5).astype(np.float32)
    tiling = _C.host.compute_tiling(kernel="forward", input_shape=[rows, c], dtype="float32", reduction="none",
                                    pos_weight_shape=[c], pos_weight_dtype="float32")
    assert tiling["pos_weight"]["mode"] == "ROW"
    got = ascend_bce.binary_cross_entropy_with_logits(x, y, None, "none", pos_weight=pw)
    assert ascend_bce.last_kernel_stats().bank_conflicts == {"Mul": _squaring_repeats(tiling)}
    x64, y64, pw64 = x.astype(np.float64), y.astype(np.float64), pw.astype(np.float64)
    softplus_neg = np.maximum(-x64, 0) + np.log1p(np.exp(-np.abs(x64)))
    want = (1 - y64) * (x64 + softplus_neg) + pw64 * y64 * softplus_neg
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    check_grad(x, y, None, pw, "none", grad_output_for(rng, x, "none"))
    grad_tiling = _C.host.compute_tiling(kernel="backward", input_shape=[rows, c], dtype="float32",
                                         reduction="none", pos_weight_shape=[c], pos_weight_dtype="float32")
    in_row_0 = grad_tiling["tile_length"] * 4 * 6 < 64 * 1024  # tmpA, x twice, y, dL/dloss twice
    want = {"Mul": _squaring_repeats(grad_tiling, skip_first=True)} if in_row_0 else {}
    assert ascend_bce.last_kernel_stats().bank_conflicts == want


def test_periodic_operand_meets_no_delayed_write():
    # The expansion of pos_weight[1000] is read from offset % 1000 on, a phase that changes from
    # tile to tile, so Mul(c, c, expanded) keeps a read-read beat on most tiles; in tmpC's bank row
    # (after the later temps) the delayed write met it as well. Now no Mul repeat has a read-write
    # conflict: every conflicted repeat costs one beat, but for the set-up's copies (Muls).
    rng = np.random.default_rng(14)
    x = (rng.standard_normal((1024, 1000)) * 3).astype(np.float32)
    y = rng.random((1024, 1000)).astype(np.float32)
    pw = (rng.random(1000) + 0.5).astype(np.float32)
    tiling = _C.host.compute_tiling(kernel="forward", input_shape=[1024, 1000], dtype="float32", reduction="none",
                                    pos_weight_shape=[1000], pos_weight_dtype="float32")
    assert tiling["pos_weight"]["mode"] == "PERIODIC"
    ascend_bce.binary_cross_entropy_with_logits(x, y, None, "none", pos_weight=pw)
    stats = ascend_bce.last_kernel_stats()
    cycles = sum(b["bank_conflict_us"] for b in stats.blocks) * 1e-6 * COST["clock_hz"]
    beyond_beats = cycles - stats.bank_conflict_repeats * COST["bank_conflict_beat_cycles"]
    assert stats.bank_conflicts["Mul"] > _squaring_repeats(tiling)  # the operand's read-read beats
    assert beyond_beats <= stats.bank_conflicts.get("Muls", 0) * COST["read_write_conflict_cycles"] + 1e-6


def _target_muls_restated(place, tiling, shifted):
    """(conflicted repeats, read-read repeats of the pos_weight Mul) of the forward's Muls after the
    target arrives, over every tile, restated: in place, Mul(c, c, y), Mul(a, b, a) and
    Mul(c, c, expanded); on a plan with tmpA's slack, Mul(a', c, y) with a' in tmpA at the phase
    opposite the expansion's read for the tile (OppositePeriodReadElems), Mul(xb, b, xb) in x's
    buffer and Mul(c, a', expanded). Tile k at offset k * n reads the expansion from
    offset % period_aligned (a second run from its start past its end)."""
    n, total, op = tiling["tile_length"], tiling["total_length"], tiling["pos_weight"]
    expanded, (b, c) = place["operands"][1]["offset"], (t["offset"] for t in place["temps"])
    target = place["target"]["offset"]
    inputs = [place["input"]["offset"] + k * place["input"]["buffer_bytes"] for k in range(2)]
    end = place["operands"][1]["buffer_bytes"] // 4
    conflicted = read_read = 0
    for offset in range(0, total, n):
        count, done, at = min(n, total - offset), 0, offset % op["period_aligned"]
        src = (expanded + 4 * at + HALF) % 512 if shifted else c
        conflicted += restated_cycles(c, target, src, 4 * count)[0]
        terms = [restated_cycles(b, x, x, 4 * count)[0] for x in (inputs if shifted else [0])]
        assert len(set(terms)) == 1  # either input buffer alike
        conflicted += terms[0]
        while done < count:
            run = min(end - at, count - done)
            e = expanded + 4 * at
            conflicted += restated_cycles(src + 4 * done, e, c + 4 * done, 4 * run)[0]
            read_read += sum(len({bank_group(a + 256 * r + BLOCK * k) for a in (src + 4 * done, e) for k in range(8)})
                             < 16 for r in range(run // 64))
            done, at = done + run, 0
    return conflicted, read_read


HALF = 256


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_periodic_pos_weight_mul_reads_opposite_phases(reduction):
    # fp32 pos_weight[1000]: the expansion's read for a tile starts at offset % 1000, a bank phase
    # that moves from tile to tile, so Mul(c, c, expanded) read both sources in one bank group on 15
    # tiles in 16. On a plan with tmpA's slack, y * softplus(-x) is put in tmpA at the phase opposite
    # that read and the Mul writes c from there: no read-read repeat is left, the results keep their
    # bits, and the time drops. The restatement counts every conflicted repeat of the Mul exactly.
    rng = np.random.default_rng(15)
    x = (rng.standard_normal((512, 1000)) * 3).astype(np.float32)
    y = rng.random((512, 1000)).astype(np.float32)
    pw = (rng.random(1000) + 0.5).astype(np.float32)
    args = dict(kernel="forward", input_shape=[512, 1000], dtype="float32", reduction=reduction,
                pos_weight_shape=[1000], pos_weight_dtype="float32")
    tiling = _C.host.compute_tiling(**args)
    raw = np.frombuffer(_C.host.tiling_bytes(**args), np.uint8).copy()
    place = _C.host.ub_placement_of(raw.tobytes())
    assert tiling["pos_weight"]["mode"] == "PERIODIC" and place["tmp_a_slack"] == 480 and place["plan_index"] >= 10
    base = raw.copy()  # the same plan without the slack (plans 10-15 are plans 0-5 with it)
    plan = place["plan_index"] - 10
    base_place = _C.host.ub_placement_of(np.concatenate([raw[:BANK_PAD_OFFSET], np.frombuffer(
        np.uint64(plan + 1).tobytes(), np.uint8), raw[BANK_PAD_OFFSET + 8:]]).tobytes())
    base[BANK_PAD_OFFSET:BANK_PAD_OFFSET + 8] = np.frombuffer(np.uint64(base_place["pad_bytes"] + plan + 1).tobytes(),
                                                              np.uint8)
    _C.host.validate_tiling(base.tobytes())
    results = {}
    for name, bytes_, where in (("shifted", raw, place), ("in_place", base, _C.host.ub_placement_of(base.tobytes()))):
        workspace = np.zeros(max(int(tiling["workspace_bytes"]), 32), np.uint8)
        out = np.empty(x.shape if reduction == "none" else (), np.float32)
        stats = _C.launch_bce_with_logits(x, y, None, pw, out.reshape(-1), workspace, bytes_, "910B1")
        conflicted, read_read = _target_muls_restated(where, tiling, name == "shifted")
        assert stats.bank_conflicts["Mul"] == _squaring_repeats(tiling) + conflicted, name
        results[name] = out, stats, read_read
    (shifted, fast, rr_shifted), (in_place, slow, rr_in_place) = results["shifted"], results["in_place"]
    assert rr_shifted == 0 and rr_in_place > 0.8 * sum(-(-min(tiling["tile_length"], 512000 - o) // 64)
                                                       for o in range(0, 512000, tiling["tile_length"]))
    assert shifted.tobytes() == in_place.tobytes()
    assert fast.modelled_a2_us < slow.modelled_a2_us
    x64, y64, pw64 = x.astype(np.float64), y.astype(np.float64), pw.astype(np.float64)
    softplus_neg = np.maximum(-x64, 0) + np.log1p(np.exp(-np.abs(x64)))
    want = (1 - y64) * (x64 + softplus_neg) + pw64 * y64 * softplus_neg
    want = {"none": want, "mean": want.mean(), "sum": want.sum()}[reduction]
    np.testing.assert_allclose(shifted, want, rtol=1e-5, atol=1e-7)


def _pairwise_add_conflicts(loss: int, spare: int | None, count: int, upper_in_spare=False) -> tuple[int, int]:
    """(conflicted repeats, halvings written to the spare tile) of PairwiseSum over one tile's loss
    at UB offset `loss`, restated (bce_with_logits_reduce.h): halve len to half = AlignUp((len + 1) / 2,
    64) with Add(s, s, s[half]) in place, or, with a spare tile, Add(spare, s, s[half]) when half is
    an odd number of repeats, nothing is left over (len = 2 half) and the spare's bytes lie in other
    64-KiB bank rows than the source's; the sums then go on in the spare tile (and may move back).
    `upper_in_spare`: the first halving's upper half was put in the spare tile (Compute's split Sub)
    and is read from there, Add(s, s, spare)."""
    def rows(at, nbytes):
        return set(range(at // BANK_ROW, (at + nbytes - 1) // BANK_ROW + 1))

    tiles, at, conflicted, moved = [loss, spare], 0, 0, 0
    length = max(64, -(-count // 64) * 64)
    if upper_in_spare and length > 64:
        half = -(-((length + 1) // 2) // 64) * 64
        conflicted += restated_cycles(loss, spare, loss, 4 * (length - half))[0]
        length = half
    while length > 64:
        half = -(-((length + 1) // 2) // 64) * 64
        src = tiles[at]
        if (spare is not None and half // 64 % 2 == 1 and length == 2 * half
                and not rows(src, 4 * length) & rows(tiles[1 - at], 4 * half)):
            conflicted += restated_cycles(src, src + 4 * half, tiles[1 - at], 4 * half)[0]
            at, moved = 1 - at, moved + 1
        else:
            conflicted += restated_cycles(src, src + 4 * half, src, 4 * (length - half))[0]
        length = half
    return conflicted, moved


BANK_ROW = 64 * 1024


def _splits_loss(count: int, n: int, loss: int) -> bool:
    """Compute puts a full tile's upper half of the loss in tmpA (no weight here): the first
    halving's half an even number of repeats, at least 32 repeats above it, tmpC at the half phase
    in other bank rows than tmpA (a tile-sized tmpA at UB offset 0)."""
    half = -(-((n + 1) // 2) // 64) * 64
    return (count == n and half // 64 % 2 == 0 and (n - half) // 64 >= 32 and loss % 512 == 256
            and (4 * n - 1) // BANK_ROW < loss // BANK_ROW)


@pytest.mark.parametrize("rows", [250, 360, 241, 318])
def test_pairwise_sum_halves_into_tmp_a_past_its_delayed_writes(rows):
    # fp32 mean, no operand, 48 tiles (one partial group: the combine adds nothing). An in-place
    # halving whose half is an odd number of repeats writes each repeat beside the next repeat's read
    # of the upper half, one bank when both lie in tmpC's bank row: every repeat conflicted. Such a
    # halving with nothing left over now writes tmpA (UB offset 0, another bank row). The Adds'
    # conflicts are the restatement's exactly (SoftplusPair's Add(b, b, a) and the halvings), fewer
    # than in place, and the mean keeps its pairwise order (its bits as before). A first halving with
    # an even number of repeats in its half (241, 318 rows) read both halves in one bank group: the
    # loss's upper half now goes into tmpA (a second Sub) and the halving reads it from there.
    rng = np.random.default_rng(rows)
    x = (rng.standard_normal((rows, 1000)) * 3).astype(np.float32)
    y = rng.random((rows, 1000)).astype(np.float32)
    args = dict(kernel="forward", input_shape=[rows, 1000], dtype="float32", reduction="mean")
    tiling = _C.host.compute_tiling(**args)
    place = _C.host.ub_placement(**args)
    n, total = tiling["tile_length"], tiling["total_length"]
    assert tiling["num_tiles"] == 48 and place["temps"][1]["offset"] >= BANK_ROW > 4 * n
    got = ascend_bce.binary_cross_entropy_with_logits(x, y, None, "mean")
    stats = ascend_bce.last_kernel_stats()
    b, c = (t["offset"] for t in place["temps"])
    counts = [min(n, total - o) for o in range(0, total, n)]
    softplus_adds = sum(restated_cycles(b, 0, b, 4 * k)[0] for k in counts)
    split = [_splits_loss(k, n, c) for k in counts]
    assert any(split) == (rows in (241, 318))
    spared = [_pairwise_add_conflicts(c, 0, k, s) for k, s in zip(counts, split)]
    in_place = sum(_pairwise_add_conflicts(c, None, k)[0] for k in counts)
    assert stats.bank_conflicts.get("Add", 0) == softplus_adds + sum(k for k, _ in spared)
    assert "Sub" not in stats.bank_conflicts  # the split Sub(a, c[half], a[half]) writes a one repeat late
    assert all(moved >= 1 or s for (_, moved), s in zip(spared, split))
    assert sum(k for k, _ in spared) < 0.75 * in_place
    # The same sums in the same order: the bits the in-place halvings gave (main at 4995a10).
    assert float(got).hex() == {250: "0x1.65570e0000000p+0", 360: "0x1.64012a0000000p+0",
                                241: "0x1.6609240000000p+0", 318: "0x1.64a03e0000000p+0"}[rows]
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    want = ((1 - y64) * np.maximum(x64, 0) + y64 * np.maximum(-x64, 0) + np.log1p(np.exp(-np.abs(x64)))).mean()
    np.testing.assert_allclose(got, want, rtol=1e-6)
