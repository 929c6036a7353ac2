"""The stock aclnnBinaryCrossEntropyWithLogitsBackward model (stock_backward.py): the launch list
per case as ops-nn's aclnn code issues it (written out here by hand), the bytes and vector work of
the grad kernel, its UB tiles traced through TBE's buffer rules, one launch priced by hand, and the
bench's backward rows and table."""
from __future__ import annotations

import csv
import pytest

from ascend_bce import bench_cli
from ascend_bce.__main__ import main
from ascend_bce.assumptions import BASE
from ascend_bce.bench_cases import Case, backward_cases, quick_cases
from ascend_bce.bench_model import run_backward_case
from ascend_bce.bench_report import BACKWARD_CSV_COLUMNS, BACKWARD_TITLE, backward_csv_path
from ascend_bce.functional import last_kernel_stats
from ascend_bce.stock_backward import (GRAD_CASTS, GRAD_SIMPLE_OPS, GRAD_SLOW_OPS, backward_launches, grad_launch,
                                       kernel_dtype, stock_backward_time)
from ascend_bce.stock_model import ELEMS_PER_REPEAT, StockCall, launch_us, pipelined_cycles, tile_loop
from ascend_bce.stock_ub_tile import grad_broadcast_tile, grad_elewise_tile, grad_graph
from ascend_bce.tbe_coexisting import elewise_coexisting

ROWS, C = 4096, 1000
N = ROWS * C
GRAD = "SigmoidCrossEntropyWithLogitsGradV2"


def names(call):
    return [launch.name for launch in backward_launches(call)]


def gm_bytes(call):
    return sum(launch.gm_bytes for launch in backward_launches(call))


@pytest.mark.parametrize("call, want_names, want_bytes", [
    # fp32, no operand: aclnn makes OnesLike(self) for the weight AND the pos_weight (:264, :269),
    # each N fp32 ones; the kernel reads x, y, grad_output and both ones, writes the N fp32 grads.
    (StockCall((ROWS, C), "float32", "none"), ["OnesLike(weight)", "OnesLike(pos_weight)", f"{GRAD}(none)"],
     2 * 4 * N + (5 * 4 * N + 4 * N)),
    # mean: grad_output is one element, broadcast in the kernel (no Expand launch).
    (StockCall((ROWS, C), "float32", "mean", pos_weight_shape=(C,)), ["OnesLike(weight)", f"{GRAD}(mean)"],
     4 * N + (3 * 4 * N + 4 + 4 * C + 4 * N)),
    # fp16 logits, fp32 pos_weight: PromoteType takes the pos_weight in (:107-116), so the kernel runs
    # in fp32: OnesLike(weight) in fp16 (self's dtype), Casts of grad_output, self, target and the
    # ones to fp32, the kernel, and Cast(out) back to fp16 (:294).
    (StockCall((ROWS, C), "float16", "none", pos_weight_shape=(C,)),
     ["OnesLike(weight)", "Cast(grad_output)", "Cast(self)", "Cast(target)", "Cast(weight)", f"{GRAD}(none)",
      "Cast(out)"],
     2 * N + 4 * (2 * N + 4 * N) + (4 * 4 * N + 4 * C + 4 * N) + (4 * N + 2 * N)),
    # fp16 with an fp16 pos_weight: all fp16, no Cast launch; the kernel widens inside.
    (StockCall((ROWS, C), "float16", "mean", pos_weight_shape=(C,), pos_weight_dtype="float16"),
     ["OnesLike(weight)", f"{GRAD}(mean)"], 2 * N + (3 * 2 * N + 2 + 2 * C + 2 * N)),
    # bf16 with an fp32 weight[N,1]: fp32 kernel; the missing pos_weight is bf16 ones, then cast.
    (StockCall((ROWS, C), "bfloat16", "sum", weight_shape=(ROWS, 1)),
     ["OnesLike(pos_weight)", "Cast(grad_output)", "Cast(self)", "Cast(target)", "Cast(pos_weight)",
      f"{GRAD}(sum)", "Cast(out)"],
     2 * N + (2 + 4) + 2 * (2 * N + 4 * N) + (2 * N + 4 * N) + (4 * 4 * N + 4 + 4 * ROWS) + (4 * N + 2 * N)),
])
def test_launch_list_and_bytes_follow_the_aclnn_sequence(call, want_names, want_bytes):
    assert names(call) == want_names
    assert gm_bytes(call) == want_bytes
    assert stock_backward_time(call).launch_count == len(want_names)


def test_the_kernel_dtype_is_the_promotion_of_every_tensor_given():
    assert kernel_dtype(StockCall((2, 3), "float16", "none")) == "float16"
    assert kernel_dtype(StockCall((2, 3), "float16", "none", pos_weight_shape=(3,))) == "float32"
    same = StockCall((2, 3), "bfloat16", "mean", weight_shape=(2, 3), weight_dtype="bfloat16")
    assert kernel_dtype(same) == "bfloat16"


def test_the_grad_kernels_vector_work():
    # fp32 pos_weight[C], none: the 9 simple ops of the compute and one broadcast pass of pos_weight;
    # vexp and vdiv are the slow ops (Div is slow in our cost model too).
    fp32 = grad_launch(StockCall((ROWS, C), "float32", "none", pos_weight_shape=(C,)))
    assert (fp32.vector_ops, fp32.slow_ops, fp32.streams) == (GRAD_SIMPLE_OPS + 1, GRAD_SLOW_OPS, 6)
    assert (GRAD_SIMPLE_OPS, GRAD_SLOW_OPS, GRAD_CASTS) == (9, 2, 6)
    # fp16 mean, no operand: + the 1/N vmuls, 5 casts in and 1 out, and the scalar grad's broadcast.
    fp16 = grad_launch(StockCall((ROWS, C), "float16", "mean"))
    assert fp16.vector_ops == 9 + 1 + 6 + 1
    # The scalar grad_output alone goes to the elementwise tiling (GetDispatchPattern: two shapes,
    # one of them a single element); with a pos_weight[C] too, to the broadcast tiling.
    assert fp16.split_dims == () and fp16.tile_reads == ()
    both = grad_launch(StockCall((ROWS, C), "float32", "mean", pos_weight_shape=(C,)))
    assert both.split_dims == (ROWS, C) and both.split_broadcast == (True, True)
    assert [read.operand_shape for read in both.tile_reads] == [(), (C,)]


def test_the_grad_kernels_elementwise_ub_tile():
    # elewise_schedule's walk from the output (grad * weight): the pos_weight branch holds pw, y,
    # then log_weight and weight_sub live while the sigmoid branch runs: the scalar one (3 live), x
    # (4), then vmuls/exp/vadds/vdiv each need the 4 live plus their own: 5. Two or more inputs add
    # one: 6 buffers. Scratch: a block each for the scalar one, vexp, vdiv (it folds the scalar)
    # and the two vsub (scalar-capable, not vector-scalar): 160 B.
    need = elewise_coexisting(grad_graph(False))
    assert (need.quantity, need.tmp_bytes) == (6, 160)
    # (196608 - 2 * 160) // 6 = 32714 -> 32704 B (32-B aligned) / 4 = 8176 fp32; half UB: 4088.
    tile = grad_elewise_tile(False, False)
    assert (tile.single, tile.double) == (8176, 4088)
    # fp16: six more casts, a scratch block each (352 B): (196608 - 704) // 6 = 32650 -> 32640 B
    # -> 8160 fp32.
    assert grad_elewise_tile(True, True).single == 8160


def test_the_grad_kernels_broadcast_ub_tile():
    # pos_weight[C] (none): the worst tiling case keeps 6 buffers: 196608 // 6 = 32768 B = 8192 fp32.
    assert grad_broadcast_tile(False, False, {"pos_weight": (False, True)}).single == 8192
    # mean: the scalar grad is broadcast along both dims, one more buffer: 196608 // 7 = 28086 ->
    # 28064 B -> 7016 fp32.
    assert grad_broadcast_tile(False, True, {"pos_weight": (False, True), "dout": (False, False)}).single == 7016


def test_one_grad_launch_priced_by_hand():
    call = StockCall((ROWS, C), "float32", "none")
    grad = grad_launch(call)
    # elewise_v3.cc: ceil(4,096,000 / 48) = 85,334 -> 85,376 (128-aligned) per core on 48 cores,
    # double-buffered (more than 8176); 21 tiles of at most 4088 -> 4066 -> 3968 (128-aligned down),
    # so 22 tiles.
    split = tile_loop(grad, BASE)
    assert (split.per_core, split.tiles, split.span, split.cores_used) == (85_376, 22, 3968, 48)
    share = 85_376 / N
    hbm = (3 * 4 * N + 4 * N) * share   # x, y, grad_output in; the gradient out
    l2 = 2 * 4 * N * share               # the two OnesLike tensors, still in L2
    copy = (hbm / BASE.core_bytes_per_cycle(48) + l2 / BASE.core_bytes_per_cycle(48, BASE.l2_bytes_per_s)
            + 6 * 22 * BASE.copy_issue_cycles)
    repeats = 85_376 / ELEMS_PER_REPEAT
    vector = (repeats * (9 + 2 * BASE.slow_op_factor) * BASE.vector_repeat_cycles
              + 11 * 22 * BASE.vector_issue_cycles)
    want = BASE.launch_us + (max(copy, vector) + min(copy, vector) / 22) / BASE.clock_hz * 1e6
    assert pipelined_cycles(copy, vector, 22) == max(copy, vector) + min(copy, vector) / 22
    assert launch_us(grad, BASE) == pytest.approx(want)


def test_backward_cases_are_the_briefs_eight_at_most_4m():
    cases = backward_cases(quick_cases())
    assert len(cases) == 8 and {c.elements for c in cases} == {4_096_000}
    assert {(c.dtype, c.reduction, c.operand) for c in cases} == {
        (d, r, o) for d in ("float32", "float16") for r in ("none", "mean") for o in ("-", "pw[1000]")}
    assert {c.size for c in backward_cases([Case("float32", "mean", "-", 2000)])} == {2000}
    assert backward_cases([]) == []


def test_a_backward_row_is_the_simulated_launch_and_the_stock_model():
    case = Case("float16", "mean", "pw[1000]", 2000)
    row = run_backward_case(case)
    stats = last_kernel_stats()
    assert row.ours_us == pytest.approx(float(stats.modelled_a2_us))
    assert row.ours_launches == 1 and row.stock_launches == 7
    assert row.stock_us == pytest.approx(stock_backward_time(case.stock_call()).total_us)
    assert row.speedup == pytest.approx(row.stock_us / row.ours_us)


def test_cli_prints_and_writes_the_backward_table(monkeypatch, tmp_path, capsys):
    tiny = [Case("float32", "mean", "pw[1000]", 2_000)]
    monkeypatch.setattr(bench_cli, "quick_cases", lambda: list(tiny))
    out_csv = tmp_path / "bench.csv"
    main(["bench", "--quick", "--no-progress", "--csv", str(out_csv)])
    out = capsys.readouterr().out
    assert BACKWARD_TITLE in out and "fp16 none pw[1000]" in out
    assert backward_csv_path(str(out_csv)) == str(tmp_path / "bench-backward.csv")
    with open(tmp_path / "bench-backward.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == BACKWARD_CSV_COLUMNS and len(rows) == 8
    assert {r["pass"] for r in rows} == {"backward"} and {r["elements"] for r in rows} == {"2000"}
    main(["bench", "--quick", "--no-progress", "--markdown"])
    out = capsys.readouterr().out
    assert f"**{BACKWARD_TITLE}**" in out and "| case | elements | ours us | stock us | speed-up | launches" in out


def test_backward_csv_path():
    assert backward_csv_path("out/bench.csv") == "out/bench-backward.csv"
    assert backward_csv_path("bench") == "bench-backward"
    assert backward_csv_path("a.b/bench") == "a.b/bench-backward"
