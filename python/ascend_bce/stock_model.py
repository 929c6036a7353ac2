"""The stock aclnnBinaryCrossEntropyWithLogits on A2, launch by launch, priced on the same
assumptions (assumptions.py) as our kernel.

The sequence follows hicann/ops-nn `loss/sigmoid_cross_entropy_with_logits_v2/op_api/
aclnn_binary_cross_entropy_with_logits.cpp` (BinaryCrossEntropyWithLogitsStub) and the l0 ops it
calls (ops-math `math/cast`, `math/ones_like`, `math/reduce_mean`, `math/reduce_sum` op_api):

1. Contiguous(self), Contiguous(target): no launch for contiguous tensors.
2. Cast(self/target -> PromoteType(self, target)): no launch (same dtype; l0op::Cast returns its
   input when the dtype already matches).
3. weight given: Contiguous + Cast to the input dtype -- a Cast launch over the weight's own
   elements when its dtype differs (an fp32 weight with 16-bit input). A missing weight is passed
   as null (the experimental/ copy of the file would materialise it with OnesLike too).
4. pos_weight: on A2 (not regbase) a missing one becomes OnesLike(self): a full-size launch that
   writes N ones in the input dtype; a given one is Cast to the input dtype like the weight.
5. SigmoidCrossEntropyWithLogitsV2 with reduction "none": for A2 a built-in TBE kernel (not in
   ops-nn, whose kernel is for ascend950 only) that casts 16-bit inputs to fp32, broadcasts
   weight/pos_weight in-kernel, and writes an fp32 loss for every input dtype (the l0op allocates
   DT_FLOAT for fp16/bf16). Its compute: max(-x,0), two Exp, one Ln and 13 simple vector ops
   with pos_weight (always present on A2), one more Mul with a weight.
6. reduction mean/sum: ReduceMean / ReduceSum over all axes of the fp32 loss, the built-in TBE
   kernel on A2 (stock_reduce.py): above 1024 elements its atomic case splits the elements over
   the cores, each block adding its partial into the output with one atomic DMA (priced as one
   `sync_all_us` per block of the busiest core); up to 1024, one core. ReduceMean multiplies every
   element by 1/N (computed by the host tiling) before the sum: one more vector pass. The aclnn
   engine zeroes the output first with its own MemSet launch (`stock_reduce_memset_launches`).
7. Cast(result -> out dtype) for 16-bit input: N elements for 'none', one element otherwise.
8. ViewCopy into a contiguous out: priced as free (in the stock sequence's favour).

Each launch is priced on its busiest core as TBE's runtime tiling splits it over the cores
(stock_tiling.py: whole-row UB tiles and ceil(tiles / cores) per core with a broadcast operand, a
128-aligned share per core elementwise), at the HBM share of the cores that run, with the UB tile
TBE's schedule gives that kernel (stock_ub_tile.py: from its compute graph's live buffers).

Intermediates written by one launch and read by the next (the ones, the fp32 loss) are priced at
L2 bandwidth for the part that fits in L2; inputs and the final output at HBM bandwidth, as ours.
A broadcast operand (pos_weight[C], weight[N,1]) is read by the fused kernel tile by tile: a tile
copies the operand elements its output elements touch, and past the first read of each element the
re-reads are priced at L2 bandwidth (`broadcast_reread_bytes`). Where the tile loop runs along an
axis the operand is broadcast over (pos_weight[C] under tiles of whole rows), TBE's broadcast
schedule store-predicates the operand (tbe/dsl/unify_schedule/vector/broadcast/
broadcast_schedule_base.py `_calc_store_predicate`, `_do_store_predicate`): its UB copy is loaded on
a core's first tiles and kept for the rest, so only those loads are charged (`held_loads`). Our
kernels' own operand reads are priced at HBM bandwidth per block.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Dict, List, Optional, Tuple

from .assumptions import BASE, A2Assumptions
from .stock_shapes import fused_states, held_loads, split_shape, touched_elements
from .stock_reduce import ReduceTiling, blocks_on_busiest_core, busiest_core, reduce_all_tiling
from .stock_tiling import CoreSplit, broadcast_split, elewise_split
from .stock_ub_tile import (UbTile, cast_tile, fused_broadcast_tile, fused_elewise_tile, ones_like_tile,
                            reduce_tile)

DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2}
LOSS_DTYPE = "float32"  # the fused kernel's output for every input dtype
ELEMS_PER_REPEAT = 64   # fp32 elements in one 256-B vector repeat
# SigmoidCrossEntropyWithLogitsV2's compute per element, in fp32 (the TBE compute function):
# vsub, vmaxs, vsub, vsub, vadd, vadd, vsub, vmul and the pos_weight path vadds, vmul, vadds,
# vmul, vadd; the slow ops two vexp and one vlog.
FUSED_SIMPLE_OPS = 13
FUSED_SLOW_OPS = 3
WEIGHT_OPS = 1              # loss * weight
BROADCAST_OPS = 1           # expanding a broadcast operand to the tile (one vector copy pass)
CAST_OPS = 1                # one pass per 16-bit input widened to fp32
REDUCE_OPS = 1              # one Add pass over the loss
MEAN_SCALE_OPS = 1          # ReduceMean: vmuls by the tiling's 1/N before its reduce_sum (reduce_mean.py :112)
FILL_OPS = 1                # OnesLike: one Duplicate pass
# A store-predicated broadcast operand is loaded while the tile index along the split axis is below
# 2 with double buffering, below 1 without (the predicate of broadcast_schedule_base.py
# `_do_store_predicate`): once per buffer, on the first tiles of each pass of a core over that axis.
# Which loops double-buffer: stock_tiling.CoreSplit.double_buffer.
STORE_PREDICATE_LOADS = 2
SINGLE_BUFFER_LOADS = 1


@dataclass(frozen=True)
class StockCall:
    """A BCEWithLogitsLoss call: shapes and dtypes of what the user passes."""
    shape: Tuple[int, ...]
    dtype: str                                   # float32 | float16 | bfloat16
    reduction: str                               # none | mean | sum
    weight_shape: Optional[Tuple[int, ...]] = None
    weight_dtype: str = "float32"
    pos_weight_shape: Optional[Tuple[int, ...]] = None
    pos_weight_dtype: str = "float32"

    @property
    def numel(self) -> int:
        return prod(self.shape)


@dataclass(frozen=True)
class Launch:
    """One kernel of the sequence: the elements it iterates over (split over the cores as TBE's
    tiling splits them, stock_tiling.py, in UB tiles of at most `ub_tile`), its bytes by kind, and
    its vector work."""
    name: str
    elements: int
    ub_tile: UbTile
    input_bytes: int = 0          # user tensors read from HBM
    output_bytes: int = 0         # the user's result written to HBM
    inter_read_bytes: int = 0     # intermediates of an earlier launch read (L2 if they fit)
    inter_write_bytes: int = 0    # intermediates written for a later launch (L2 if they fit)
    vector_ops: float = 0.0       # simple-op passes per element (fp32 repeats)
    slow_ops: float = 0.0         # Exp/Ln passes per element
    streams: int = 1              # DataCopies per tile
    reduce_all: bool = False      # a ReduceSum/ReduceMean over every axis (stock_reduce.py)
    tile_reads: Tuple["TileRead", ...] = ()  # broadcast operands copied in per tile
    # The fused output shape TBE's broadcast tiling splits (stock_tiling.broadcast_split) and, per
    # axis, whether an operand is broadcast along it; () for an elementwise launch.
    split_dims: Tuple[int, ...] = ()
    split_broadcast: Tuple[bool, ...] = ()
    in_elem_bytes: int = 4

    @property
    def gm_bytes(self) -> int:
        return self.input_bytes + self.output_bytes + self.inter_read_bytes + self.inter_write_bytes


@dataclass(frozen=True)
class TileRead:
    """A broadcast operand a launch copies in tile by tile, as it is laid out in GM."""
    input_shape: Tuple[int, ...]
    operand_shape: Tuple[int, ...]
    elem_bytes: int


def tile_loop(launch: "Launch", a: A2Assumptions) -> CoreSplit:
    """The busiest core of a launch (elements, UB tiles, tile span, cores that run) as TBE's
    tiling splits it: broadcast or elementwise (stock_tiling.py); the reductions by TBE's reduce
    tiling (stock_reduce.py)."""
    if launch.reduce_all:
        return busiest_core(_reduce_tiling(launch, a), launch.elements, a.vector_cores)
    tile = launch.ub_tile.scaled(a.stock_tile_factor)
    if launch.split_dims:
        return broadcast_split(launch.split_dims, launch.split_broadcast, a.vector_cores, tile, launch.in_elem_bytes)
    return elewise_split(launch.elements, a.vector_cores, tile)


def operand_loads(launch: "Launch", split: CoreSplit) -> List[Tuple["TileRead", int]]:
    """Each broadcast operand with the tiles per core (of the launch's `split`, tile_loop) that copy
    it in (and broadcast it): every tile, or only the loads of an operand kept in UB across tiles
    (`held_loads`)."""
    loads = []
    for read in launch.tile_reads:
        per_pass = STORE_PREDICATE_LOADS if split.double_buffer else SINGLE_BUFFER_LOADS
        held = held_loads(read.input_shape, read.operand_shape, split.span, split.per_core, split.tiles, per_pass)
        loads.append((read, split.tiles if held is None else held))
    return loads


def broadcast_reread_bytes(launch: "Launch", a: A2Assumptions) -> float:
    """Bytes of the launch's broadcast operands read again by later tiles or other cores, over
    the first read of each element that `input_bytes`/`inter_read_bytes` already count."""
    return _reread_bytes(launch, tile_loop(launch, a))


def _reread_bytes(launch: "Launch", split: CoreSplit) -> float:
    total = 0.0
    for read, loads in operand_loads(launch, split):
        once = prod(read.operand_shape) * read.elem_bytes
        every_tile = touched_elements(read.input_shape, read.operand_shape, split.span) * read.elem_bytes
        total += max(split.cores_used * loads * every_tile - once, 0)
    return total


def _operand(shape: Optional[Tuple[int, ...]], dtype: str, call: StockCall) -> Tuple[int, int, bool]:
    """(elements, bytes in the input dtype, read from an earlier launch's output) of an operand
    as the fused kernel reads it: one of another dtype went through a Cast launch first."""
    n = prod(shape)
    return n, n * DTYPE_BYTES[call.dtype], dtype != call.dtype


def _cast_launch(name: str, n: int, src: str, dst: str, inter_in: bool, inter_out: bool) -> Launch:
    read, written = n * DTYPE_BYTES[src], n * DTYPE_BYTES[dst]
    return Launch(name, n, cast_tile(to_bf16=dst == "bfloat16"), input_bytes=0 if inter_in else read, output_bytes=0 if inter_out else written,
                  inter_read_bytes=read if inter_in else 0, inter_write_bytes=written if inter_out else 0,
                  vector_ops=CAST_OPS, streams=2)


def _reduce_tiling(launch: Launch, a: A2Assumptions) -> ReduceTiling:
    """TBE's runtime tiling of a full-reduction launch (stock_reduce.py) with its UB tile."""
    return reduce_all_tiling(launch.elements, a.vector_cores, launch.ub_tile.scaled(a.stock_tile_factor).single)


def cross_core_combines(launch: Launch, a: A2Assumptions) -> int:
    """The atomic adds of partials the busiest core of a full reduction issues (one per block it
    runs, none on the one-core path), each priced as one `sync_all_us`."""
    return blocks_on_busiest_core(_reduce_tiling(launch, a), a.vector_cores) if launch.reduce_all else 0


def stock_launches(call: StockCall, a: A2Assumptions = BASE) -> List[Launch]:
    """The kernels the stock operator launches for `call`, in order (module docstring)."""
    n, s = call.numel, DTYPE_BYTES[call.dtype]
    low_precision = s != DTYPE_BYTES[LOSS_DTYPE]
    launches: List[Launch] = []
    for which, shape, dtype in (("weight", call.weight_shape, call.weight_dtype),
                                ("pos_weight", call.pos_weight_shape, call.pos_weight_dtype)):
        if shape is not None and dtype != call.dtype:
            # The cast operand is small unless it is full-size; either way the fused kernel reads
            # it next, so its output is an intermediate.
            launches.append(_cast_launch(f"Cast({which})", prod(shape), dtype, call.dtype,
                                         inter_in=False, inter_out=True))
    if call.pos_weight_shape is None:
        launches.append(Launch("OnesLike(pos_weight)", n, ones_like_tile(s), inter_write_bytes=n * s,
                               vector_ops=FILL_OPS * s / DTYPE_BYTES[LOSS_DTYPE]))
    launches.append(_fused(call, n, s, low_precision))
    loss_bytes = n * DTYPE_BYTES[LOSS_DTYPE]
    if call.reduction != "none":
        name = "ReduceMean" if call.reduction == "mean" else "ReduceSum"
        result = DTYPE_BYTES[LOSS_DTYPE]  # one fp32 value: the user's output, or Cast's input
        # The output the reduce adds into, zeroed by aclnn's MemSet kernel first (stock_reduce.py).
        for _ in range(a.stock_reduce_memset_launches):
            launches.append(Launch(f"MemSet({name} out)", 1, ones_like_tile(DTYPE_BYTES[LOSS_DTYPE]),
                                   inter_write_bytes=result, vector_ops=FILL_OPS))
        # ReduceMean scales by 1/n before its reduce_sum (one elementwise op); ReduceSum does not.
        mean = call.reduction == "mean"
        launches.append(Launch(name, n, reduce_tile(1 if mean else 0), inter_read_bytes=loss_bytes, output_bytes=0 if low_precision else result,
                               inter_write_bytes=result if low_precision else 0,
                               vector_ops=REDUCE_OPS + (MEAN_SCALE_OPS if mean else 0), reduce_all=True))
        if low_precision:
            launches.append(_cast_launch("Cast(out)", 1, LOSS_DTYPE, call.dtype, inter_in=True, inter_out=False))
    elif low_precision:
        launches.append(_cast_launch("Cast(out)", n, LOSS_DTYPE, call.dtype, inter_in=True, inter_out=False))
    return launches


def _fused(call: StockCall, n: int, s: int, low_precision: bool) -> Launch:
    """SigmoidCrossEntropyWithLogitsV2 ('none'): reads x, y, pos_weight (the OnesLike tensor when
    the caller gave none: always present on A2) and the weight if given; writes the fp32 loss."""
    operands = [(n, n * s, True) if call.pos_weight_shape is None
                else _operand(call.pos_weight_shape, call.pos_weight_dtype, call)]
    if call.weight_shape is not None:
        operands.append(_operand(call.weight_shape, call.weight_dtype, call))
    inputs, inter_in = 2 * n * s, 0
    ops = FUSED_SIMPLE_OPS + (WEIGHT_OPS if call.weight_shape is not None else 0)
    ops += 2 * CAST_OPS if low_precision else 0  # x and y widened to fp32
    streams = 3                                   # x, y in, loss out
    shapes = [call.pos_weight_shape, call.weight_shape]
    tile_reads = tuple(TileRead(call.shape, shape, s) for shape in shapes if shape is not None and prod(shape) < n)
    for count, nbytes, intermediate in operands:
        streams += 1  # a broadcast operand too is copied in per tile (a short run)
        ops += (BROADCAST_OPS if count < n else 0) + (CAST_OPS if low_precision else 0)
        if intermediate:
            inter_in += nbytes
        else:
            inputs += nbytes
    loss_bytes = n * DTYPE_BYTES[LOSS_DTYPE]
    final = call.reduction == "none" and not low_precision  # the loss is the user's output
    dims, broadcast = split_shape(call.shape, [shape for shape in shapes if shape is not None])
    return Launch("SigmoidCrossEntropyWithLogitsV2(none)", n, _fused_tile(call, bool(dims)), input_bytes=inputs, inter_read_bytes=inter_in,
                  output_bytes=loss_bytes if final else 0, inter_write_bytes=0 if final else loss_bytes,
                  vector_ops=ops, slow_ops=FUSED_SLOW_OPS, streams=streams, tile_reads=tile_reads,
                  split_dims=dims, split_broadcast=broadcast, in_elem_bytes=s)


def _fused_tile(call: StockCall, broadcast: bool) -> UbTile:
    """The fused kernel's UB tile: on the broadcast schedule, with per fused dim whether each
    broadcast operand has it; else the elementwise one."""
    low_precision = DTYPE_BYTES[call.dtype] != DTYPE_BYTES[LOSS_DTYPE]
    with_weight = call.weight_shape is not None
    if not broadcast:
        return fused_elewise_tile(low_precision, with_weight)
    named = [(name, shape) for name, shape in (("pos_weight", call.pos_weight_shape), ("weight", call.weight_shape))
             if shape is not None]
    _, states = fused_states(call.shape, [shape for _, shape in named])
    has_axis = {name: tuple(state[i] for state in states) for i, (name, _) in enumerate(named)}
    return fused_broadcast_tile(low_precision, with_weight,
                                {name: axes for name, axes in has_axis.items() if not all(axes)})


@dataclass
class StockTime:
    total_us: float
    launches: List[Launch]
    per_launch_us: Dict[str, float]

    @property
    def launch_count(self) -> int:
        return len(self.launches)


def l2_fraction(nbytes: int, a: A2Assumptions) -> float:
    """Share of an intermediate of `nbytes` that is still in L2 when the next launch reads it."""
    return 1.0 if nbytes <= a.l2_bytes else a.l2_bytes / nbytes


def pipelined_cycles(copy: float, vector: float, tiles: int, overlap: float = 1.0) -> float:
    """Cycles of a double-buffered tile loop whose copies (in and out) take `copy` and whose vector
    work takes `vector` in all, over `tiles` equal tiles: the two overlap except where they cannot,
    the first tile's copy-in before any compute and the last tile's compute before its copy-out
    (T * max + min of the per-tile stages; T = 1 is fully serial). Our kernels pay exactly this on
    the simulator's timeline, so the stock kernels pay it too. `overlap` (at most 1) is the share of
    that overlap a loop reaches: 1 as above, 0 in series (copy + vector), linear between."""
    best = max(copy, vector) + min(copy, vector) / max(tiles, 1)
    return best + (1.0 - min(overlap, 1.0)) * (copy + vector - best)


def launch_us(launch: Launch, a: A2Assumptions) -> float:
    """Modelled microseconds of one stock launch on its busiest core (tile_loop): the
    copy pipes (HBM bytes at the core's HBM share, L2-resident bytes at its L2 share, issue costs)
    overlap the vector pipe as a double-buffered tile loop (`pipelined_cycles`); plus the launch
    cost and the cross-core combine."""
    split = tile_loop(launch, a)
    per_core, tiles, cores = split.per_core, split.tiles, split.cores_used
    share = per_core / launch.elements if launch.elements else 0.0  # of the bytes, on the busiest core
    # A held broadcast operand's copy and broadcast pass run on its loads only (store predicate).
    skipped = sum(tiles - loads for _, loads in operand_loads(launch, split))
    hbm = launch.input_bytes + launch.output_bytes
    l2 = 0.0
    for inter in (launch.inter_read_bytes, launch.inter_write_bytes):
        hit = l2_fraction(inter, a)
        l2 += inter * hit
        hbm += inter * (1 - hit)
    rereads = _reread_bytes(launch, split) / cores  # spread over the cores that run
    copy = (hbm * share / a.core_bytes_per_cycle(cores) + (l2 * share + rereads) / a.core_bytes_per_cycle(cores, a.l2_bytes_per_s)
            + (launch.streams * tiles - skipped) * a.copy_issue_cycles)
    repeats = per_core / ELEMS_PER_REPEAT
    instructions = launch.vector_ops + launch.slow_ops
    vector = ((repeats * (launch.vector_ops + launch.slow_ops * a.slow_op_factor)
               - repeats / tiles * skipped * BROADCAST_OPS) * a.vector_repeat_cycles
              + (instructions * tiles - skipped * BROADCAST_OPS) * a.vector_issue_cycles)
    # A single-buffered loop reaches the double-buffered overlap at best (README); the sensitivity
    # table prices less (stock_single_buffer_overlap).
    overlap = 1.0 if split.double_buffer else a.stock_single_buffer_overlap
    return (a.launch_us + pipelined_cycles(copy, vector, tiles, overlap) * 1e6 / a.clock_hz
            + cross_core_combines(launch, a) * a.sync_all_us)


def price_launches(launches: List[Launch], a: A2Assumptions) -> StockTime:
    """A launch sequence's modelled time, per launch name (launch_us on its busiest core)."""
    per: Dict[str, float] = {}
    for launch in launches:
        per[launch.name] = per.get(launch.name, 0.0) + launch_us(launch, a)
    return StockTime(sum(per.values()), launches, per)


def stock_time(call: StockCall, a: A2Assumptions = BASE) -> StockTime:
    return price_launches(stock_launches(call, a), a)


def stock_gm_bytes(call: StockCall, a: A2Assumptions = BASE) -> int:
    """Bytes the stock sequence moves between the cores and GM (HBM or L2), its broadcast
    operands' per-tile re-reads included."""
    return sum(launch.gm_bytes + round(broadcast_reread_bytes(launch, a)) for launch in stock_launches(call, a))
