"""cpu_sim runtime: counters, data-copy layouts, atomics, SyncAll, launcher limits, and the
compile-time rules (no converting overloads, A2 dtype support)."""
import pathlib
import shutil
import subprocess
import time

import numpy as np
import pytest

from ascend_bce import _C

run = _C.selftest.run
ROOT = pathlib.Path(__file__).resolve().parents[1]


def tiling(**words):
    """Tiling words by index: w0=n, w3.. kernel specific; f1/f10 are float words."""
    t = np.zeros(16, np.uint32)
    for key, value in words.items():
        if key.startswith("f"):
            t.view(np.float32)[int(key[1:])] = value
        else:
            t[int(key[1:])] = value
    return t


def test_add_f32_result_and_exact_counters():
    n, blocks = 16384, 4
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)
    z = np.zeros(n, np.float32)
    s = run("add_f32", [x, y, z], block_dim=blocks, soc="910B3", tiling=tiling(w0=n))
    np.testing.assert_array_equal(z, x + y)
    assert (s.block_dim, s.soc) == (blocks, "910B3")
    assert s.gm_bytes_read == 2 * n * 4 and s.gm_bytes_written == n * 4
    assert s.instructions == {"Add": n // 1024, "DataCopy": 3 * n // 1024}
    assert s.repeats == {"Add": n * 4 // 256, "DataCopy": 3 * n * 4 // 256}
    assert s.ub_peak_bytes == 3 * 2 * 1024 * 4
    # Each InitBuffer'd buffer, back to back in InitBuffer order (kernel_tpipe_impl.h), with the GM
    # buffers copied into or out of it.
    queues = [("VECIN", ["buffer 0"], []), ("VECIN", ["buffer 1"], []), ("VECOUT", [], ["buffer 2"])]
    want = [dict(kind="TQue", position=pos, index=i, offset=(2 * q + i) * 4096, bytes=4096, copied_from=src,
                 copied_to=dst) for q, (pos, src, dst) in enumerate(queues) for i in range(2)]
    assert all(b["ub_buffers"] == want for b in s.blocks)
    assert s.sync_all_count == 0
    assert len(s.blocks) == blocks
    assert [b["block_idx"] for b in s.blocks] == list(range(blocks))
    assert all(b["gm_bytes_written"] == n * 4 // blocks for b in s.blocks)
    d = s.as_dict()
    assert d["instructions"]["Add"] == n // 1024 and d["soc"] == "910B3"
    assert "Add: 16 (256 repeats)" in repr(s)


def test_add_f32_1m_across_16_blocks():
    # Its speed is a benchmark row (`python -m ascend_bce bench`), not a timed test.
    n = 1 << 20
    x = np.arange(n, dtype=np.float32)
    z = np.zeros(n, np.float32)
    s = run("add_f32", [x, x.copy(), z], block_dim=16, tiling=tiling(w0=n))
    np.testing.assert_array_equal(z, 2 * x)
    assert s.gm_bytes_read == 2 * n * 4 and s.gm_bytes_written == n * 4


def pad_in_ref(src, count, blen, sstride, dstride, is_pad, left, right, value, ub_elems):
    ub = np.full(ub_elems, -1, np.float32)
    foot = -(-(left * 4 + blen + right * 4) // 32) * 32
    for i in range(count):
        base = i * (foot + dstride * 32) // 4
        g = i * (blen + sstride) // 4
        # isPad: paddings 0 -> dummy data, the run's first element (the docs' worst reading),
        # paddings given -> paddingValue. No isPad: the pad register's value if anything set it,
        # else dummy or random: unknown (the simulator writes NaN).
        ub[base:base + foot // 4] = (src[g] if left == right == 0 else value) if is_pad else np.nan
        ub[base + left:base + left + blen // 4] = src[g:g + blen // 4]
    return ub


@pytest.mark.parametrize("count,blen,sstride,dstride,is_pad,left,right", [
    (3, 20, 8, 1, 1, 1, 2), (4, 12, 0, 0, 0, 0, 0), (2, 40, 4, 2, 1, 2, 0), (5, 4, 12, 0, 1, 0, 7),
    (1, 100, 0, 0, 1, 8, 8)])
def test_datacopypad_in_layout(count, blen, sstride, dstride, is_pad, left, right):
    ub_elems = 256
    src = np.arange(1, 129, dtype=np.float32)
    out = np.zeros(ub_elems, np.float32)
    s = run("DataCopyPad_in_f32", [src, out], tiling=tiling(
        w3=count, w4=blen, w5=sstride, w6=dstride, w7=is_pad, w8=left, w9=right, f10=9.5, w11=ub_elems))
    np.testing.assert_array_equal(
        out, pad_in_ref(src, count, blen, sstride, dstride, is_pad, left, right, 9.5, ub_elems))
    assert s.gm_bytes_read == count * blen + ub_elems * 0  # only the payload is read from GM
    assert s.instructions["DataCopyPad"] == 1


@pytest.mark.parametrize("count,blen,sstride,dstride", [(3, 20, 1, 8), (4, 36, 0, 0), (2, 64, 2, 4)])
def test_datacopypad_out_layout(count, blen, sstride, dstride):
    ub_elems = 256
    src = np.arange(ub_elems, dtype=np.float32)
    dst = np.full(128, -7, np.float32)
    s = run("DataCopyPad_out_f32", [src, dst], tiling=tiling(w3=count, w4=blen, w5=sstride, w6=dstride,
                                                               w11=ub_elems))
    ref = np.full(128, -7, np.float32)
    for i in range(count):
        u = i * (-(-blen // 32) * 32 + sstride * 32) // 4
        g = i * (blen + dstride) // 4
        ref[g:g + blen // 4] = src[u:u + blen // 4]
    np.testing.assert_array_equal(dst, ref)
    assert s.gm_bytes_written == count * blen


def test_datacopy_params_form_units_are_blocks():
    src = np.arange(256, dtype=np.float32)
    dst = np.full(256, -1, np.float32)
    # 3 blocks of 2 x 32 B; GM source gap 1 block; GM destination gap 2 blocks.
    run("DataCopy_params_f32", [src, dst], tiling=tiling(w3=3, w4=2, w5=1, w6=2, w11=64))
    ref = np.full(256, -1, np.float32)
    for i in range(3):
        ref[i * 32:i * 32 + 16] = src[i * 24:i * 24 + 16]
    np.testing.assert_array_equal(dst, ref)


def test_datacopy_params_form_ub_to_ub_and_inplace_dequeue():
    # kernel_operator_data_copy_intf.h declares DataCopy(LocalTensor, LocalTensor, DataCopyParams) and
    # kernel_tpipe.h the in-place TQue::AllocTensor(LocalTensor&) / DeQue(LocalTensor&).
    n = 256
    src = np.arange(n, dtype=np.float32)
    dst = np.zeros(n, np.float32)
    # 3 blocks of 2 x 32 B; UB source gap 1 block; UB destination gap 2 blocks.
    s = run("DataCopy_params_ub_f32", [src, dst], tiling=tiling(w0=n, w3=3, w4=2, w5=1, w6=2))
    ref = np.full(n, -1, np.float32)
    for i in range(3):
        ref[i * 32:i * 32 + 16] = src[i * 24:i * 24 + 16]
    np.testing.assert_array_equal(dst, ref)
    assert s.instructions["DataCopy"] == 3  # GM->UB, UB->UB (params), UB->GM


def test_atomic_add_across_blocks():
    n, blocks = 1024, 8
    x = np.arange(n, dtype=np.float32)
    out = np.ones(n, np.float32)
    s = run("atomic_add_f32", [x, out], block_dim=blocks, tiling=tiling(w0=n))
    np.testing.assert_array_equal(out, 1 + blocks * x)
    assert s.gm_bytes_written == blocks * n * 4


def test_tensor_accessors_ub_copy_and_atomic_none():
    n = 64
    x = np.arange(n, dtype=np.float32) * 0.5
    atomic_out = np.ones(n, np.float32)
    plain_out = np.ones(n, np.float32)
    info = np.zeros(8, np.uint32)
    s = run("tensor_api_f32", [x, atomic_out, plain_out, info], tiling=tiling(w0=n))
    np.testing.assert_array_equal(atomic_out, 1 + 2 * x)  # SetAtomicAdd: added to GM
    np.testing.assert_array_equal(plain_out, 2 * x)       # after SetAtomicNone: overwritten
    assert info[0] == n and info[1] == n
    assert info[2] == np.float32(2 * x[1]).view(np.uint32)  # ReinterpretCast sees the fp32 bits
    assert info[3] == 2 * x[4] and info[4] == int(x[5])
    assert s.instructions["DataCopy"] == 4  # GM->UB, UB->UB, two UB->GM


@pytest.mark.parametrize("blocks", [1, 3, 48])
def test_syncall_barrier(blocks):
    ws = np.zeros(blocks * 8, np.float32)
    out = np.zeros(8, np.float32)
    s = run("syncall_sum", [ws, out], block_dim=blocks, workspace_bytes=32, batch_mode=True)
    assert out[0] == blocks * (blocks + 1) / 2
    assert s.sync_all_count == 2
    assert all(b["sync_all_count"] == 2 for b in s.blocks)


def test_setflag_waitflag_makes_tbuf_safe():
    x = np.arange(64, dtype=np.float32)
    y = np.zeros(64, np.float32)
    run("flag_ok_f32", [x, y], tiling=tiling(w0=64))
    np.testing.assert_array_equal(y, 2 * x)


NEGATIVE = {
    "bad_datacopy_count": r"DataCopy\(GM->UB\): count 7 x 4 B = 28 B is not a multiple of 32 B",
    "bad_pad_blockcount": r"DataCopyPad\(GM->UB\): blockCount 4096 > 4095",
    "bad_pad_blocklen": r"DataCopyPad.*blockLen 6 B is not a multiple of sizeof\(T\)",
    "bad_ub_overflow": r"TPipe::InitBuffer: .*exceeds the 196352 B of UB this kernel type leaves",
    "bad_65_buffers": r"TPipe::InitBuffer: 65 buffers exceed .*QBUF_MAX_LEN",
    "bad_misaligned_ub": r"Add: src0 starts at UB offset 4, not 32-B aligned",
    "bad_local_range": r"Duplicate: dst needs 512 elements but the LocalTensor holds 256",
    "bad_gm_oob": r"DataCopy\(GM->UB\): GM access .*GM out of bounds",
    "bad_alloc_no_free": r"TQue::AllocTensor: .*device hang",
    "bad_deque_empty": r"TQue::DeQue: the queue is empty",
    "bad_enque_depth": r"TQue::EnQue: queue of depth 1 already holds 1",
    "bad_not_freed": r"kernel end: TQue #0 buffer 0 is still allocated",
    "bad_hazard_mte2_v": r"pipe hazard: Exp on pipe V reads UB bytes \[0, 256\) written by MTE2",
    "bad_hazard_v_mte3": r"pipe hazard: DataCopy\(UB->GM\) on pipe MTE3 reads .* written by V",
    "bad_hazard_v_s": r"pipe hazard: LocalTensor::GetValue on pipe S reads .* written by V",
    "bad_hazard_mte2_s": r"pipe hazard: LocalTensor::GetValue on pipe S reads UB bytes \[0, 32\) written by MTE2 "
                         r"without EnQue/DeQue or SetFlag/WaitFlag",
    "bad_war_v_mte2": r"pipe hazard: DataCopy\(GM->UB\) on pipe MTE2 overwrites UB bytes \[0, 256\) that pipe V "
                      r"may still be reading: no SetFlag/WaitFlag<V_MTE2> or FreeTensor since that read",
    "bad_war_s_mte2": r"pipe hazard: DataCopy\(GM->UB\) on pipe MTE2 overwrites UB bytes \[0, 32\) that pipe S "
                      r"may still be reading: no SetFlag/WaitFlag<S_MTE2> or FreeTensor since that read",
    "bad_war_v_s": r"pipe hazard: LocalTensor::SetValue on pipe S overwrites UB bytes \[0, 32\) that pipe V "
                   r"may still be reading.*<V_S>",
    "bad_waw_v_mte2": r"pipe hazard: DataCopy\(GM->UB\) on pipe MTE2 overwrites UB bytes \[0, 256\) written by V "
                      r".*\(write after write\)",
    "bad_waitflag": r"deadlock: WaitFlag<MTE2_V>\(2\) waits for a flag that is not set .*device hang",
    "bad_select_scratch": r"Select: mode 2 uses UB scratch \[188416, 196608\)",
    "bad_syncall_type": r"SyncAll: the hardware barrier needs a mix kernel type",
    "bad_cast_mode": r"Cast: float -> bfloat16_t does not support CAST_NONE",
    "bad_compare_count": r"Compare: count 32 x 4 B = 128 B is not a multiple of 256 B",
}


@pytest.mark.parametrize("name", sorted(NEGATIVE))
def test_negative_kernel_raises(name):
    bufs = [np.ones(64, np.float32), np.zeros(64, np.float32)]
    with pytest.raises(_C.SimulatorError, match=r"^block 0: " + NEGATIVE[name]):
        run(name, bufs, tiling=tiling(w0=64), workspace_bytes=32, batch_mode=True)


def test_tile_reuse_ordered_through_a_chain_of_flags_is_fine():
    x = np.arange(64, dtype=np.float32)
    y = np.zeros(64, np.float32)
    run("war_chain_ok_f32", [x, y], tiling=tiling(w0=64))
    np.testing.assert_array_equal(y, 2 * x)


def test_scalar_reads_of_reused_windows_ordered_by_s_mte2_are_fine():
    x = np.random.default_rng(3).standard_normal(64).astype(np.float32)
    y = np.zeros(64, np.float32)
    run("war_s_mte2_ok_f32", [x, y], tiling=tiling(w0=64))
    np.testing.assert_allclose(y[0], x[::8].astype(np.float64).sum(), rtol=1e-6)


def test_block_idx_beyond_data_is_gm_oob():
    bufs = [np.ones(64, np.float32), np.zeros(64, np.float32)]
    run("bad_block_idx", bufs, block_dim=1, tiling=tiling(w0=64))  # fine with one block
    with pytest.raises(_C.SimulatorError, match=r"^block 1: DataCopy\(GM->UB\).*GM out of bounds"):
        run("bad_block_idx", bufs, block_dim=2, tiling=tiling(w0=64))


def test_missing_syncall_is_a_deadlock_not_a_hang():
    t0 = time.perf_counter()
    with pytest.raises(_C.SimulatorError, match=r"SyncAll: block 0 returned without reaching SyncAll #1 "
                                                r"\(device deadlock\)"):
        run("bad_syncall_missing", [np.zeros(8, np.float32), np.zeros(8, np.float32)], block_dim=8,
            workspace_bytes=32, batch_mode=True)
    assert time.perf_counter() - t0 < 5


def test_simulator_error_is_runtime_error():
    assert issubclass(_C.SimulatorError, RuntimeError)


def test_launch_limits_and_soc_table():
    bufs = [np.zeros(8, np.float32), np.zeros(8, np.float32)]
    with pytest.raises(_C.SimulatorError, match=r"blockDim 49 outside \[1, 48\]"):
        run("syncall_sum", [np.zeros(49 * 8, np.float32), bufs[1]], block_dim=49, soc="910B1")
    with pytest.raises(_C.SimulatorError, match=r"blockDim 41 outside \[1, 40\] vector cores of 910B4"):
        run("syncall_sum", [np.zeros(41 * 8, np.float32), bufs[1]], block_dim=41, soc="910B4")
    with pytest.raises(ValueError, match="910B1, 910B2, 910B3, 910B4"):
        run("syncall_sum", bufs, soc="910C")
    with pytest.raises(ValueError, match="takes 2 buffers"):
        run("syncall_sum", bufs[:1])
    with pytest.raises(ValueError, match="contiguous"):
        run("flag_ok_f32", [np.zeros(128, np.float32)[::2], bufs[1]], tiling=tiling(w0=64))
    assert "add_f32" in _C.selftest.names() and len(_C.selftest.names()) > 80


COMPILE_CASES = {
    "ok": ("LocalTensor<half> t; half h = 1.0; Adds(t, t, h, 128); Adds(t, t, (half)2.0f, 128);"
           "bfloat16_t b = AscendC::Cast(1.0f); float f = AscendC::Cast(b); (void)f;", True),
    "adds_float_scalar_on_half": ("LocalTensor<half> t; Adds(t, t, 1.0f, 128);", False),
    "muls_double_scalar_on_float": ("LocalTensor<float> t; Muls(t, t, 2.0, 128);", False),
    "exp_bf16": ("LocalTensor<bfloat16_t> t; Exp(t, t, 128);", False),
    "div_int32": ("LocalTensor<int32_t> t; Div(t, t, t, 64);", False),
    "bf16_implicit_init": ("bfloat16_t b = 1.0f; (void)b;", False),
    # Declarations of the real headers (asc-devkit include/basic_api/*.h) the simulator must mirror.
    "scalar_op_twin_u_equals_primt": ("LocalTensor<float> t; Adds<float, float>(t, t, 1.0f, 64);"
                                      "Muls<float, float, true>(t, t, 2.0f, 64); Maxs<float, true>(t, t, 0.0f, 64);"
                                      "Mins(t, t, 0.0f, 64u);", True),
    "scalar_op_twin_u_not_primt": ("LocalTensor<half> t; Adds<half, float>(t, t, 1.0f, 128);", False),
    "datacopy_ext_params_five_args": ("DataCopyExtParams p{1, 64, 0, 0, 0}; DataCopyExtParams q; (void)p; (void)q;"
                                      "DataCopyPadExtParams<half> pad{true, 0, 1, (half)0}; (void)pad;"
                                      "DataCopyPadExtParams<bfloat16_t> padb; (void)padb;"
                                      "DataCopyParams r(1, 2, 0, 0); LocalTensor<float> a; DataCopy(a, a, r);", True),
    "datacopy_ext_params_four_args": ("DataCopyExtParams p{1, 64, 0, 0}; (void)p;", False),
    "tque_inplace_forms": ("TPipe pipe; TQue<TPosition::VECIN, 0> q; pipe.InitBuffer(q, 1, 256);"
                           "LocalTensor<float> t; q.AllocTensor(t); q.EnQue(t); q.DeQue(t); q.FreeTensor(t);"
                           "TBuf<> b; pipe.InitBuffer(b, 256); LocalTensor<float> w = b.GetWithOffset<float>(8, 32);"
                           "(void)w; SetFlag<HardEvent::V_S>(EVENT_ID0); WaitFlag<HardEvent::V_S>(EVENT_ID0);"
                           "PipeBarrier<PIPE_ALL>(); SyncAll(); SyncAll<true>(); int64_t i = GetBlockIdx(); (void)i;", True),
    "tque_depth_is_required": ("TQue<TPosition::VECIN> q; (void)q;", False),
    # The DeQue page: the inplace forms need depth 0, the others a non-zero depth.
    "tque_inplace_alloc_needs_depth_0": ("TQue<TPosition::VECIN, 1> q; LocalTensor<float> t; q.AllocTensor(t);", False),
    "tque_inplace_deque_needs_depth_0": ("TQue<TPosition::VECIN, 1> q; LocalTensor<float> t; q.DeQue(t);", False),
    "tque_depth_0_has_no_value_deque": ("TQue<TPosition::VECIN, 0> q; LocalTensor<float> t = q.DeQue<float>();"
                                        "(void)t;", False),
    "fill_int8_not_on_a2": ("GlobalTensor<int8_t> g; Fill(g, 32, (int8_t)0);", False),
}


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
@pytest.mark.parametrize("case", sorted(COMPILE_CASES))
def test_compile_rules(case, tmp_path):
    body, should_compile = COMPILE_CASES[case]
    src = tmp_path / "k.cpp"
    src.write_text('#include "kernel_operator.h"\nusing namespace AscendC;\n'
                   f'extern "C" __global__ __aicore__ void k(GM_ADDR x) {{ {body} }}\n')
    r = subprocess.run(["g++", "-std=c++17", "-fsyntax-only", "-I", str(ROOT / "cpu_sim" / "include"), str(src)],
                       capture_output=True, text=True)
    assert (r.returncode == 0) == should_compile, r.stderr[-2000:]


@pytest.mark.parametrize("count", [8, 4096])
def test_ub_the_kernel_never_wrote_is_not_zeros(count):
    # On the NPU a buffer keeps what the core's previous kernel left there (AllocTensor hands out
    # stale contents): cpu_sim starts every UB byte as 0xFF, a NaN in every float type, so a kernel
    # that reads UB it never wrote cannot pass by finding zeros.
    out = np.zeros(count, np.float32)
    tiling = np.zeros(16, np.uint32)
    tiling[0] = count
    _C.selftest.run("ub_poison", [out], block_dim=1, tiling=tiling)
    assert (out.view(np.uint32) == 0xFFFFFFFF).all()
