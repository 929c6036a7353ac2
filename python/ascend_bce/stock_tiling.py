"""How the stock TBE kernels split a launch over the cores and into UB tiles on A2: the busiest
core's elements and tiles, which set a launch's time (stock_model.launch_us).

The stock fused kernel (SigmoidCrossEntropyWithLogitsV2) is a dynamic-shape TBE DSL kernel whose
tiling runs at launch time in TBE's auto-tiling (the public mirror of TBE's op_tiling in
`dengguojie/vue-element-admin`, `ops/built-in/op_tiling/`, 2022-06 snapshot):

- an input whose operands all have its shape goes through the elementwise tiling
  (`elewise_v3.cc`, the block factor at :590 and the UB split at :599-621): each core gets a
  128-aligned share, so the last core is short;
- with a broadcast operand, through the broadcast tiling (`broadcast_v3.cc`, the "milan" path
  that `is_milan_soc` selects for Ascend910B, :165): neighbouring axes with the same broadcast
  state are fused, DoBlockTiling (:804) picks the first axis larger than the cores left,
  MilanUbTiling (:852) fills a UB tile from the last axis inwards (whole rows when they fit), and
  ModifyTiling (:1424) hands each core ceil(tiles / cores) consecutive UB tiles. With few rows the
  busiest core holds ceil(rows / cores) rows (100 rows of 1001 on 48 cores: 3 rows, where an even
  split gives 2.08) and fewer cores run.

The UB tile a launch may fill (single- and double-buffered) is its kernel's own, as TBE's schedule
sized it at compile time (stock_ub_tile.py); the runtime tilings here cap and align it.

The reduce tiling of ReduceMean/ReduceSum is stock_reduce.py's. What is not modelled: graph-mode
static compiles (compile-time tiling) and CANN releases after the snapshot.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import ceil, prod
from typing import Sequence, Tuple

from .stock_ub_tile import UbTile
from .tbe_coexisting import BLOCK_BYTES

OUT_ELEM_BYTES = 4          # every fused-kernel output is fp32 (stock_model.LOSS_DTYPE)
DOUBLE_BUFFER = 2           # broadcast_v3.cc DOUBLE_BUFFER_SIZE
ONE_REPEAT_BLOCK_NUM = 8    # broadcast_v3.cc
MAX_REPEAT_TIMES = 8        # broadcast_v3.cc (the constant the block-align threshold uses)
ELEWISE_ALIGN = 128         # elewise_schedule.py ub_factor_align
# elewise_v3.cc SPLIT_FACTORS (:34-39): a UB factor never exceeds this, by the widest dtype's bytes.
ELEWISE_UB_CAP = {2: 32767, 4: 16383}


@dataclass(frozen=True)
class CoreSplit:
    """The busiest core of a launch: its elements and UB tiles, the elements of a full tile, and
    the cores that run."""
    per_core: float
    tiles: int
    span: int
    cores_used: int
    # Whether TBE double-buffers the tile loop (the store predicate then loads a held operand on a
    # core's first two tiles, else on its first: broadcast_schedule_base.py _do_store_predicate).
    double_buffer: bool = True


def elewise_split(n: int, cores: int, tile: UbTile) -> CoreSplit:
    """elewise_v3.cc: one core below 8 blocks of output per core twice over; else a 128-aligned
    ceil(n / cores) per core, double-buffered when that is more than one single-buffered UB tile
    (AllFuseTiling :849-853), cut into the fewest UB tiles of at most the double-buffered tile (and
    the SPLIT_FACTORS cap) by a 128-aligned even factor, rounded down where rounding up would pass
    the limit (:599-621)."""
    elems_per_block = BLOCK_BYTES // OUT_ELEM_BYTES
    if n < elems_per_block * cores * DOUBLE_BUFFER:
        return CoreSplit(float(n), 1, max(n, 1), 1, False)
    block = ceil(ceil(n / cores) / ELEWISE_ALIGN) * ELEWISE_ALIGN
    cap = ELEWISE_UB_CAP[tile.dtype_bytes]
    double_buffer = block > min(tile.single, cap)
    limit = min(tile.double if double_buffer else tile.single, cap)
    span = block
    if span > limit:
        even = ceil(block / ceil(block / limit))
        span = ceil(even / ELEWISE_ALIGN) * ELEWISE_ALIGN
        if span > limit:
            span = even // ELEWISE_ALIGN * ELEWISE_ALIGN
    per_core = min(block, n)
    return CoreSplit(float(per_core), ceil(per_core / span), min(span, per_core), ceil(n / block), double_buffer)


def _align_core(dim: int, core: int, block_dims: int, half_core: int) -> int:
    """broadcast_v3.cc CalcAlignCore: the largest core count up to `core` that divides `dim`, if
    it keeps more than half the cores busy."""
    align = core
    while align > 0 and dim % align != 0:
        align -= 1
    return align if block_dims * align > half_core else core


def _block_axis(dims: Sequence[int], cores: int, block_align: bool) -> Tuple[int, int]:
    """broadcast_v3.cc DoBlockTiling: (block axis, its provisional per-core factor)."""
    cur, block_dims, half = cores, 1, cores // 2
    for i, dim in enumerate(dims):
        if dim > cur:
            align = _align_core(dim, cur, block_dims, half) if block_align else cur
            return i, ceil(dim / align)
        if block_align and cur % dim != 0 and block_dims * dim > half and i + 1 < len(dims):
            return i + 1, dims[i + 1]
        cur //= dim
        block_dims *= dim
    return len(dims) - 1, dims[-1]


def _ub_axis(dims: Sequence[int], broadcast: Sequence[bool], block_axis: int, block_factor: int,
             ub_elems: int, in_elem_bytes: int) -> Tuple[int, int]:
    """broadcast_v3.cc MilanUbTiling and OptimizeUbTiling: (UB axis, UB factor) over the shape
    with the block axis at its per-core factor."""
    shape = list(dims)
    shape[block_axis] = block_factor
    limit, ub_axis, ub_factor = ub_elems, block_axis, shape[block_axis]
    elems_per_block = BLOCK_BYTES // OUT_ELEM_BYTES
    for i in range(len(shape) - 1, block_axis - 1, -1):
        size = ceil(shape[i] / elems_per_block) * elems_per_block if i == len(shape) - 1 else shape[i]
        ub_axis = i
        if size >= limit:
            ub_factor = min(shape[i], limit)
            break
        limit //= size
        ub_factor = shape[i]
    if (block_axis < ub_axis and shape[ub_axis - 1] >= BLOCK_BYTES // in_elem_bytes // 2
            and broadcast[ub_axis - 1] and not broadcast[ub_axis] and ub_factor == shape[ub_axis]):
        ub_axis, ub_factor = ub_axis - 1, 1
    return ub_axis, ub_factor


@lru_cache(maxsize=4096)
def broadcast_split(dims: Tuple[int, ...], broadcast: Tuple[bool, ...], cores: int, tile: UbTile,
                    in_elem_bytes: int) -> CoreSplit:
    """broadcast_v3.cc's milan tiling of the fused output shape `dims` (`broadcast[i]`: some
    operand is broadcast along axis i): ModifyTiling's ceil(tiles / cores) consecutive UB tiles
    per core, the last tile of each UB-axis run short. MilanUbTiling applies no cap (:852-880)."""
    n = prod(dims)
    elems_per_block = BLOCK_BYTES // OUT_ELEM_BYTES
    if n <= elems_per_block * cores * DOUBLE_BUFFER:
        cores = 1
    block_align = n <= elems_per_block * ONE_REPEAT_BLOCK_NUM * MAX_REPEAT_TIMES * cores
    block_axis, block_factor = _block_axis(dims, cores, block_align)
    # IsNeedDoubleBuffer (:1185-1188): only COMMON_BROADCAST (two fused axes, the last one broadcast:
    # a weight[N, 1]) whose row after the block split is at least a single-buffered UB tile double-
    # buffers, and then tiles by the double-buffered one (DoTiling :1402-1405); the other patterns
    # have no double-buffered tiling case (broadcast_tilingcase.py _calc_special_tiling_case).
    row = block_factor if block_axis == len(dims) - 1 else dims[-1]
    double_buffer = (n > elems_per_block * cores * DOUBLE_BUFFER and broadcast == (False, True)
                     and row >= tile.single)
    ub_elems = tile.double if double_buffer else tile.single
    ub_axis, ub_factor = _ub_axis(dims, broadcast, block_axis, block_factor, ub_elems, in_elem_bytes)
    inner = prod(dims[ub_axis + 1:])
    runs = prod(dims[:ub_axis])
    cuts = ceil(dims[ub_axis] / ub_factor)
    per_run = [min(ub_factor, dims[ub_axis] - j * ub_factor) * inner for j in range(cuts)]
    tiles = runs * cuts
    per_core_tiles = ceil(tiles / cores)
    busiest = 0
    # Core c runs tiles [c * per_core_tiles, ...): the sizes repeat every `cuts` tiles, so only the
    # offset of a core's first tile in that cycle matters.
    seen = set()
    for first in range(0, tiles, per_core_tiles):
        key = (first % cuts, min(per_core_tiles, tiles - first))
        if key in seen:
            continue
        seen.add(key)
        start, count = key
        whole, rest = divmod(count, cuts)
        total = whole * sum(per_run) + sum(per_run[(start + k) % cuts] for k in range(rest))
        busiest = max(busiest, total)
    return CoreSplit(float(busiest), per_core_tiles, ub_factor * inner, ceil(tiles / per_core_tiles), double_buffer)
