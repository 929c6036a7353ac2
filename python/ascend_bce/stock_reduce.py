"""How TBE runs the stock ReduceSum / ReduceMean of the fp32 loss over all its axes on A2: the
runtime tiling's choice between the atomic multi-core case and the one-core normal case, its
block and UB split, and the busiest core that sets the launch's time (stock_model.launch_us).

Sources (the public TBE mirror `dengguojie/vue-element-admin` at 7d77ce32d054; hicann/ops-math,
hicann/ops-nn, hicann/opbase):

- aclnnBinaryCrossEntropyWithLogits reduces over every axis of the loss (ops-nn
  `aclnn_binary_cross_entropy_with_logits.cpp` HandleMeanAndSumReductionOut) through
  l0op::ReduceSumOp / l0op::ReduceMean, which on A2 (DAV_2201) take the AI-core kernel for fp32
  (ops-math `reduce_sum_op.cpp` IsAiCoreSupport, `reduce_mean.cpp` aicore_dtype_support_list).
  ops-math ships Ascend C reduce kernels for arch35 only (`op_kernel/arch35/`; `reduce_sum_def.cpp`
  registers its AI-core config for "ascend950" and "mc62cm12a" alone; ops-nn has only level0
  stubs), so on A2 this is the built-in TBE DSL kernel (`ops/built-in/tbe/impl/dynamic/
  reduce_sum.py`, `reduce_mean.py`).
- Its runtime tiling (`ops/built-in/op_tiling/reduce_tiling_v3.cc`) drops size-1 axes and fuses
  the reduced ones: a full reduction of N elements is the pattern [1, N], the last axis reduced
  (EliminateOne, FusedReduceAxis :400-472: "Rx -> ARx"). ChooseAtomic (:516-554) takes the atomic
  case when N > 1024 (SMALL_SHAPE_THRESHOLD) and N > cores / 2; TBE compiles atomic cases for
  reduce_sum on Ascend910B (reduce_tilingcase.py check_atomic_add_support :873-897; constants.py
  AtomicSupportMap920A). ReduceMean's output is its reduce_sum too (reduce_mean.py :112-113), and
  ReduceSum's fp32 cast_to is the identity (dsl/compute/cast.py :407), so both qualify.
- The atomic case (ProcessAtomicTiling :1063-1091) splits the reduced axis over the cores:
  block factor ceil(N / cores), ceil(N / factor) blocks (GetAtomicBlockTilingInfo :877-900,
  GetAtomicBlockDim :857-874). Each block reduces its share in UB into an rfactor partial and
  writes it with one atomic-add DMA into the output (reduce_atomic_schedule.py
  _atomic_additonal_schedule :380-424: rfactor over the fused block-outer axis, the output's
  cache-write `dma_copy`, multi-core bound on it :621-624); no workspace, no second stage. The
  tiling sets NeedAtomic (:1376-1381), so the output must be zero first (`clear_atomic`,
  reduce_tilingcase.py :728, :748).
- UB split (GetUbTilingInfo :757-800): the block, 8-aligned, in one tile when it fits the UB
  (the UB split lands on the size-1 outer axis), else tiles of the whole UB along the reduced
  axis. FineTuning (:1200-1281) then, for an 8-aligned N, rounds a one-tile block factor that is
  not 8-aligned down to a multiple of 8, which can leave one more block than cores (blocks run
  in waves); its tail rebalancing never fires: EIGHTY_PERCENT is an int32_t 0.8, i.e. 0 (:36, :1271).
- The normal case (ProcessNormalTiling :1152-1197) of N <= 1024: one block, the whole N in one
  UB tile on one core (GetBlockTilingInfo finds no output axis to split; GetNotMulCoreBlockTiling).
- The UB the tiling fills: ub_info / ub_info_rf from the compile info (ChooseUBInfo :718-755).
  Both hold the rfactor-sized tile of stock_ub_tile.reduce_tile: the atomic case with the UB
  split on the reduced axis is the last one apply_dyn_compile_info writes to ub_info
  (reduce_tilingcase.py :630-649; atomic cases follow the normal ones, :188-192, last-axis atomic
  cases end with that split, :1058-1082), and the normal rfactor case fills ub_info_rf.

How the output is zeroed on the aclnn path: the op engine launches a separate MemSet kernel on the
stream before every launch of a binary whose json marks an output for initialisation (hicann/opbase
`src/nnopbase/composite_op/aclnn_engine/op_kernel.cpp` SetMemSetFlagFromJson :616-645, `op_kernel.h`
Launch :619-680 calls MemsetOutputTensor :836-870 when that list is non-empty, whose MemSet :698-741
is its own DoLaunch), whatever the runtime tiling chose (the tiling's NeedAtomic flag, stored at
`tilingctx_builder.cpp` :99, is not read by Launch). TBE's compile writes that mark for its atomic
reduce: TBE ReduceSumD/ReduceMeanD kernel jsons that MindSpore kept (skyous779/traval a861ed4,
rank_0/kernel_meta, Ascend910A static compiles) hold "parameters": [0, 1] on the kernels whose
schedule adds atomically (fp32 [1536, 384] -> [1], blockDim 32) and [0, 0] on the others; GE reads
the same key as atomic outputs (hicann/ge `tbe_json_parse_impl.cc` ParseTvmParameters :168-211), and
dynamic TBE binaries mark an output as {"dtype", "init_value"} (hicann/opbase tests/nnopbase/mock
.../ascend910/sort/Sort_90da8e60...json, an Ascend910 binary). The atomic case asks for a zeroed
output (SetNeedAtomic above) and no other aclnn path zeroes it, so without the mark it would add
into stale memory. The A2 ReduceSum binary's own json is not public, so the count stays the
assumption `stock_reduce_memset_launches`.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from .stock_tiling import CoreSplit
from .tbe_coexisting import BLOCK_BYTES

SMALL_SHAPE_THRESHOLD = 1024   # reduce_tiling_v3.cc :30
FP32_BYTES = 4
BLOCK_ELEMS = BLOCK_BYTES // FP32_BYTES  # min_block_size: 32 B of the fp32 loss (reduce_tilingcase.py :568)


@dataclass(frozen=True)
class ReduceTiling:
    """The runtime tiling of a full reduction of N fp32 elements ([1, N], axis 1 reduced)."""
    atomic: bool
    block_dim: int        # blocks launched (may exceed the cores: they run in waves)
    block_factor: int     # reduced elements per block (the last block takes the rest)
    ub_factor: int        # reduced elements per UB tile (a whole block when the UB split is on the outer axis)


def choose_atomic(n: int, cores: int, ub_elems: int) -> bool:
    """ChooseAtomic for [1, N] (:516-554): one output element <= the UB, N > 1024, one output below
    cores * block / 2, N > cores / 2. The outermost-nlast rule needs a non-last reduced axis."""
    return 1 <= ub_elems and n > SMALL_SHAPE_THRESHOLD and 1 < cores * BLOCK_ELEMS // 2 and n > cores // 2


def _align(value: int) -> int:
    return ceil(value / BLOCK_ELEMS) * BLOCK_ELEMS


def reduce_all_tiling(n: int, cores: int, ub_elems: int) -> ReduceTiling:
    """reduce_tiling_v3.cc DoReduceTiling for a full reduction of `n` fp32 elements with the
    compile info's UB tile `ub_elems` (module docstring)."""
    if not choose_atomic(n, cores, ub_elems):
        # ProcessNormalTiling: one block; the [1, align8(N)] reorder fits the UB whole (N <= 1024).
        return ReduceTiling(False, 1, n, n)
    # GetAtomicBlockTilingInfo: the reduced axis reaches the cores (left_mul = 1 before it).
    factor = ceil(n / cores) if n >= cores else 1
    blocks = ceil(n / factor)
    # GetUbTilingInfo over the reorder [1, align8(N)]: the outer axis first, with the block's
    # 8-aligned factor inside; the UB factor there is capped at the outer dim, 1.
    if _align(factor) <= ub_elems:
        # FineTuning tune_0_1: block split on the last dim, UB split not, N 8-aligned, factor not:
        # the upper rounding would need factor * 1 >= align8(factor), so it takes the lower one.
        if n % BLOCK_ELEMS == 0 and factor % BLOCK_ELEMS != 0 and factor >= BLOCK_ELEMS:
            factor = factor // BLOCK_ELEMS * BLOCK_ELEMS
            blocks = ceil(n / factor)
        return ReduceTiling(True, blocks, factor, factor)
    # The UB split on the reduced axis: tiles of the whole UB (a multiple of 128, so tune_0_0's
    # alignment never applies) and tune_1 leaves the short last tile as it is.
    return ReduceTiling(True, blocks, factor, min(ub_elems, factor))


def busiest_core(tiling: ReduceTiling, n: int, cores: int) -> CoreSplit:
    """The core that runs the most: block b on core b mod cores, so core 0 runs blocks 0, cores,
    2 * cores, ...; its elements and UB tiles (each block its own tile loop). Never double-
    buffered (reduce_tilingcase.py: `db` is never set)."""
    elements = tiles = 0
    for block in range(0, tiling.block_dim, cores):
        count = min(tiling.block_factor, n - block * tiling.block_factor)
        elements += count
        tiles += ceil(count / tiling.ub_factor)
    span = min(tiling.ub_factor, elements)
    return CoreSplit(float(elements), max(tiles, 1), max(span, 1), min(tiling.block_dim, cores), False)


def blocks_on_busiest_core(tiling: ReduceTiling, cores: int) -> int:
    """Atomic adds the busiest core issues: one per block it runs; none in the normal case."""
    return ceil(tiling.block_dim / cores) if tiling.atomic else 0
