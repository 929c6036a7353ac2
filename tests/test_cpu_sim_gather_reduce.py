"""cpu_sim Gather, CreateVecIndex and ReduceRepeat<SUM> against NumPy and against the A2 rules read
from asc-devkit (dav_c220 impl and the API pages): results, instruction counts, scalar work, and
negative tests for what the hardware does not allow."""
import numpy as np
import pytest

from ascend_bce import _C

run = _C.selftest.run


def tiling(*words, scalar=0.0):
    t = np.zeros(16, np.uint32)
    for i, w in enumerate(words):
        t[i] = w
    t.view(np.float32)[1] = scalar
    return t


def reduce_ref(lanes, dtype):
    """vcadd inside one repeat: adjacent pairs, halving, every add rounded to dtype."""
    per = 256 // np.dtype(dtype).itemsize
    lane = np.zeros(per, dtype)
    lane[:len(lanes)] = lanes
    while len(lane) > 1:
        lane = (lane[0::2].astype(np.float32) + lane[1::2].astype(np.float32)).astype(dtype)
    return lane[0]


@pytest.mark.parametrize("suffix,dtype", [("f32", np.float32), ("f16", np.float16)])
@pytest.mark.parametrize("n", [48, 64 * 3 + 16, 1008])
def test_gather_reads_elements_by_byte_offset(suffix, dtype, n):
    rng = np.random.default_rng(n)
    src_n = 512
    src = rng.standard_normal(src_n).astype(dtype)
    base_elems = 16
    idx = rng.integers(0, src_n - base_elems, n).astype(np.uint32)
    offsets = idx * np.dtype(dtype).itemsize
    out = np.zeros(n, dtype)
    stats = run(f"Gather_{suffix}", [src, offsets, out],
                tiling=tiling(n, 0, src_n, base_elems * np.dtype(dtype).itemsize))
    np.testing.assert_array_equal(out, src[idx + base_elems])
    per = 256 // np.dtype(dtype).itemsize
    # Count form: the whole repeats in one vgather, the tail in a second one.
    assert stats.instructions["Gather"] == (n // per > 0) + (n % per > 0)
    assert stats.repeats["Gather"] == -(-n // per)
    assert stats.scalar_accesses == 0


def test_gather_count_form_keeps_at_most_255_repeats():
    n = 256 * 64  # 256 whole fp32 repeats: repeatTime is a uint8_t in dav_c220's count form
    src = np.zeros(64, np.float32)
    with pytest.raises(_C.SimulatorError, match="uint8_t"):
        run("Gather_f32", [src, np.zeros(n, np.uint32), np.zeros(n, np.float32)], tiling=tiling(n, 0, 64, 0))


@pytest.mark.parametrize("offset,match", [(2, "misaligned"), (4 * 64, "outside src")])
def test_gather_offsets_must_be_aligned_and_inside_src(offset, match):
    offsets = np.zeros(64, np.uint32)
    offsets[7] = offset
    with pytest.raises(_C.SimulatorError, match=match):
        run("Gather_f32", [np.zeros(64, np.float32), offsets, np.zeros(64, np.float32)], tiling=tiling(64, 0, 64, 0))


def test_gather_into_its_own_source_is_refused():
    with pytest.raises(_C.SimulatorError, match="Gather: dst and (a source overlap|src are the same)"):
        run("Gather_f32", [np.zeros(64, np.float32), np.zeros(64, np.uint32), np.zeros(64, np.float32)],
            tiling=tiling(64, 0, 64, 0, 1))


@pytest.mark.parametrize("suffix,dst_at", [("f32", 2), ("f16", 2), ("f16", 3)])
def test_gather_onto_its_offsets_is_refused(suffix, dst_at):
    # The Gather page describes no overlap of dst with srcOffset; the pages' general rule makes an
    # undescribed overlap unsupported: in place (2) and partial (3) both fail.
    dtype = np.float32 if suffix == "f32" else np.float16
    with pytest.raises(_C.SimulatorError, match="Gather: dst overlaps srcOffset"):
        run(f"Gather_{suffix}", [np.zeros(64, dtype), np.zeros(64, np.uint32), np.zeros(64, dtype)],
            tiling=tiling(64, 0, 64, 0, dst_at))


@pytest.mark.parametrize("suffix,dtype", [("f32", np.float32), ("i32", np.int32)])
@pytest.mark.parametrize("n", [5, 8, 60, 64, 200])
def test_create_vec_index(suffix, dtype, n):
    first = 3.0
    out = np.zeros(-(-n // 8) * 8, dtype)
    stats = run(f"CreateVecIndex_{suffix}", [out], tiling=tiling(n, 0, len(out), scalar=first))
    np.testing.assert_array_equal(out[:n], (first + np.arange(n)).astype(dtype))
    # The first 32-B block is written by the scalar unit, the rest by one-repeat Adds.
    assert stats.scalar_accesses == min(n, 8)
    per_repeat = 64
    blocks = 7 if n >= per_repeat else max(n // 8 - 1, 0) + (n % 8 > 0 and n > 8)
    repeats = max(n // per_repeat - 1, 0) + (n > per_repeat and n % per_repeat > 0)
    assert stats.instructions.get("Adds", 0) == (blocks + repeats if n > 8 else 0)


@pytest.mark.parametrize("suffix,dtype", [("f32", np.float32), ("f16", np.float16)])
def test_reduce_repeat_sums_each_repeat_with_the_vcadd_tree(suffix, dtype):
    per = 256 // np.dtype(dtype).itemsize
    repeats, src_rep_stride, dst_rep_stride = 3, 16, 2  # every other 256-B repeat, sums 2 elements apart
    src_n = repeats * src_rep_stride * 32 // np.dtype(dtype).itemsize
    x = np.random.default_rng(1).uniform(0, 1, src_n).astype(dtype)
    x[0], x[1:per] = 1.0, 1e-8 if dtype == np.float32 else 1e-4  # tree and sequential sums differ
    out_n = 32
    for mask in (per, per - 3):
        y = np.zeros(out_n, dtype)
        stats = run(f"ReduceRepeat_{suffix}", [x, y],
                    tiling=tiling(mask, 0, repeats, src_rep_stride, dst_rep_stride, src_n, out_n, 1))
        step = src_rep_stride * 32 // np.dtype(dtype).itemsize
        for r in range(repeats):
            assert y[1 + r * dst_rep_stride] == reduce_ref(x[r * step:r * step + mask], dtype)
        assert stats.instructions["ReduceRepeat"] == 1 and stats.repeats["ReduceRepeat"] == repeats
        assert stats.scalar_accesses == 0


def test_reduce_repeat_matches_reduce_sum_on_one_repeat():
    x = np.random.default_rng(2).uniform(-1, 1, 64).astype(np.float32)
    y_reduce_sum = np.zeros(8, np.float32)
    run("ReduceSum_f32", [x, y_reduce_sum], tiling=tiling(64))
    y = np.zeros(8, np.float32)
    run("ReduceRepeat_f32", [x, y], tiling=tiling(64, 0, 1, 8, 1, 64, 8, 0))
    assert y[0] == y_reduce_sum[0]


@pytest.mark.parametrize("mask,repeats,match", [(0, 1, "mask 0"), (65, 1, "mask 65"), (64, 256, "repeatTime 256")])
def test_reduce_repeat_parameter_ranges(mask, repeats, match):
    with pytest.raises(_C.SimulatorError, match=match):
        run("ReduceRepeat_f32", [np.zeros(64, np.float32), np.zeros(8, np.float32)],
            tiling=tiling(mask, 0, repeats, 0, 1, 64, 8, 0))


def test_reduce_repeat_result_needs_v_s_before_a_scalar_read():
    with pytest.raises(_C.SimulatorError, match="GetValue"):
        run("ReduceRepeat_scalar_race", [np.zeros(64, np.float32), np.zeros(8, np.float32)])
