"""The UB tile TBE's dynamic schedules give each stock kernel on A2: elements per buffer, single-
and double-buffered, from the kernel's compute graph (tbe_coexisting.py) and the UB size.

Source: the public TBE mirror (`dengguojie/vue-element-admin` at 7d77ce32d054). At compile time a
schedule records the UB size (less its scratch) and its coexisting quantity; the tiling case turns
them into the "_base_info" the runtime tiling reads: max_available_ub = (UB // quantity) rounded
down to 32 B, in elements of the widest dtype, and max_available_ub_db the same of UB // 2
(elewise_tilingcase.py :282-286 over a compute's schedules: the smallest UB and the largest
quantity; broadcast_tilingcase.py :359-369, the smallest of each per schedule). The runtime caps
and aligns them further (stock_tiling.py). UB_SIZE is the SoC's ub_size (util.py :334-338,
get_soc_spec("UB_SIZE")): 196608 B on every 910B (the CANN platform ini; ../shared/ascendc-api.md).
The reduce schedules size their buffers differently (`reduce_tile`). The backward's grad kernel
(SigmoidCrossEntropyWithLogitsGradV2, `grad_graph`) goes through the same rules (stock_backward.py).

bf16 is taken as fp16 (the snapshot predates bf16 in SigmoidCrossEntropyWithLogitsV2, :186).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, Tuple

from .tbe_coexisting import (BLOCK_BYTES, PLACEHOLDER, SCALAR_BROADCAST, Coexisting, Node, broadcast_coexisting,
                             elewise_coexisting)

UB_BYTES = 196608
FP32_BYTES = 4  # every stock kernel but a 16-bit OnesLike computes in fp32


@dataclass(frozen=True)
class UbTile:
    """Elements of the widest dtype per UB buffer: single- and double-buffered, and that width."""
    single: int
    double: int
    dtype_bytes: int = FP32_BYTES

    def scaled(self, factor: float) -> "UbTile":
        return UbTile(max(int(self.single * factor), 1), max(int(self.double * factor), 1), self.dtype_bytes)


def available(ub_bytes: int, coexisting: int, dtype_bytes: int) -> UbTile:
    """The _base_info pair: a buffer of (UB // quantity) bytes rounded down to 32 B, and of half that."""
    def per_buffer(nbytes: int) -> int:
        return nbytes // coexisting // BLOCK_BYTES * BLOCK_BYTES // dtype_bytes
    return UbTile(per_buffer(ub_bytes), per_buffer(ub_bytes // 2), dtype_bytes)


def elewise_tile(graph: Tuple[Node, ...], dtype_bytes: int = FP32_BYTES) -> UbTile:
    """An elementwise kernel: its db schedule (elewise_tilingcase.py _default_db_func is True, :164)
    reports the UB less twice the scratch (elewise_schedule.py _do_storage_bound :813-815), the
    smallest of the compute's schedules."""
    need: Coexisting = elewise_coexisting(graph)
    return available(UB_BYTES - 2 * need.tmp_bytes, need.quantity, dtype_bytes)


def _binary(name: str, insn: str, lhs: str, rhs: str) -> Node:
    return Node(name, "elewise_binary_" + insn, (lhs, rhs))


def _loaded(name: str, low_precision: bool) -> Tuple[Tuple[Node, ...], str]:
    """An input as the fused kernel reads it: a 16-bit one is cast to fp32 first (:94-104)."""
    if not low_precision:
        return (Node(name, PLACEHOLDER),), name
    return (Node(name, PLACEHOLDER), Node(name + "_f32", "elewise_single_cast", (name,))), name + "_f32"


def fused_graph(low_precision: bool, with_weight: bool, broadcast: FrozenSet[str] = frozenset()) -> Tuple[Node, ...]:
    """SigmoidCrossEntropyWithLogitsV2's compute (ops/built-in/tbe/impl/dynamic/
    sigmoid_cross_entropy_with_logits_v2.py :92-146) with pos_weight (always given on A2), the
    weight if `with_weight`; `broadcast` names the operands that are broadcast ("pos_weight",
    "weight"): tbe.broadcast returns an operand of the output's shape unchanged and tags one
    broadcast along known axes "unified_broadcast" (nn.py _tensor_broadcast :521-539)."""
    nodes, names = [], {}
    for operand in ("predict", "target", "pos_weight") + (("weight",) if with_weight else ()):
        loaded, names[operand] = _loaded(operand, low_precision)
        nodes += loaded
        if operand in broadcast:
            nodes.append(Node(operand + "_brc", "unified_broadcast", (names[operand],)))
            names[operand] = operand + "_brc"
    x, y, pw = names["predict"], names["target"], names["pos_weight"]
    nodes += [
        Node("zero", SCALAR_BROADCAST), Node("one", SCALAR_BROADCAST),           # :109-110
        _binary("neg_x", "sub", "zero", x),                                       # :113
        Node("max_val", "elewise_single_VS_max", ("neg_x",)),                     # :114
        _binary("neg_max", "sub", "zero", "max_val"),                             # :118
        Node("exp_neg_max", "elewise_single_exp", ("neg_max",)),                  # :119
        _binary("neg_max_x", "sub", "neg_max", x),                                # :120
        Node("exp_neg_max_x", "elewise_single_exp", ("neg_max_x",)),              # :121
        _binary("exp_sum", "add", "exp_neg_max", "exp_neg_max_x"),                # :122
        Node("log_sum", "elewise_single_log", ("exp_sum",)),                      # :123
        _binary("softplus", "add", "log_sum", "max_val"),                         # :124
        _binary("one_minus_y", "sub", "one", y),                                  # :127
        _binary("linear", "mul", "one_minus_y", x),                               # :128
        _binary("pw_minus_one", "sub", pw, "one"),                                # :134
        _binary("pw_y", "mul", "pw_minus_one", y),                                # :135
        Node("log_weight", "elewise_single_VS_add", ("pw_y",)),                   # :136
        _binary("weighted", "mul", "log_weight", "softplus"),                     # :137
        _binary("loss", "add", "linear", "weighted"),                             # :138
    ]
    if with_weight:
        nodes.append(_binary("weighted_loss", "mul", "loss", names["weight"]))   # :144-145
    return tuple(nodes)


def fused_broadcast_tile(low_precision: bool, with_weight: bool, has_axis: dict) -> UbTile:
    """The fused kernel on the milan broadcast schedule over fused dims: `has_axis[operand]` says
    per dim whether the broadcast operand has it. Every tiling case of a compute shares one
    _base_info entry (broadcast_tilingcase.py _get_pattern_key :319-323 drops the axis digits), so
    the UB is that of the case needing the most buffers: no split (ub axis 0), and one split per
    UB axis u (_calc_general, block axis 0). With the UB axis before the last, each broadcast gets
    a remove-pad copy (last dims are dynamic); with ONE_CUT, a broadcast its operand lacks at u
    is store-predicated (_is_only_calc_one, :553-562); one along two or more dims from u is wide."""
    return graph_broadcast_tile(fused_graph(low_precision, with_weight, frozenset(has_axis)), has_axis)


def graph_broadcast_tile(graph: Tuple[Node, ...], has_axis: dict) -> UbTile:
    """`fused_broadcast_tile`'s rule for any compute graph whose broadcast operands (nodes named
    operand + "_brc") `has_axis` lists: the UB of the tiling case that needs the most buffers."""
    dims = len(next(iter(has_axis.values())))
    brc = {operand + "_brc": axes for operand, axes in has_axis.items()}
    cases = [broadcast_coexisting(graph, remove_pad=frozenset(brc) if dims > 1 else frozenset())]
    for u in range(dims):
        pad = frozenset(brc) if u < dims - 1 else frozenset()
        held = frozenset(name for name, axes in brc.items() if not axes[u])
        wide = frozenset(name for name, axes in brc.items() if sum(not has for has in axes[u:]) > 1)
        cases.append(broadcast_coexisting(graph, pad, held, wide))
    quantity = max(case.quantity for case in cases)
    tmp = max(case.tmp_bytes for case in cases)
    return available(UB_BYTES - tmp, quantity, FP32_BYTES)


def grad_graph(low_precision: bool, broadcast: FrozenSet[str] = frozenset(), mean: bool = False) -> Tuple[Node, ...]:
    """SigmoidCrossEntropyWithLogitsGradV2's compute (ops/built-in/tbe/impl/dynamic/
    sigmoid_cross_entropy_with_logits_grad_v2.py :92-156) as aclnn calls it on A2: weight and
    pos_weight always given (a missing one is OnesLike(self), stock_backward.py). predict, target
    and dout are broadcast (:102-104) before a 16-bit cast (:109-112); pos_weight and weight are
    cast (:125-126, :142-143) before theirs (:128, :145). `broadcast` names the broadcast operands
    ("dout", "pos_weight", "weight"); `mean` adds the vmuls by 1/N (:149-151)."""
    nodes, names = [], {}
    for operand in ("predict", "target", "dout"):
        nodes.append(Node(operand, PLACEHOLDER))
        names[operand] = operand
        if operand in broadcast:
            nodes.append(Node(operand + "_brc", "unified_broadcast", (operand,)))
            names[operand] = operand + "_brc"
        if low_precision:
            nodes.append(Node(operand + "_f32", "elewise_single_cast", (names[operand],)))
            names[operand] = operand + "_f32"
    for operand in ("pos_weight", "weight"):
        loaded, names[operand] = _loaded(operand, low_precision)
        nodes += loaded
        if operand in broadcast:
            nodes.append(Node(operand + "_brc", "unified_broadcast", (names[operand],)))
            names[operand] = operand + "_brc"
    x, y, dout, pw, w = (names[k] for k in ("predict", "target", "dout", "pos_weight", "weight"))
    nodes += [
        Node("neg_x", "elewise_single_VS_mul", (x,)),                              # :117
        Node("exp_neg_x", "elewise_single_exp", ("neg_x",)),                       # :118
        Node("exp_sum", "elewise_single_VS_add", ("exp_neg_x",)),                  # :119
        Node("one", SCALAR_BROADCAST),                                             # :120
        _binary("sigmoid", "div", "one", "exp_sum"),                               # :121
        _binary("log_weight", "mul", pw, y),                                       # :130
        Node("weight_tmp", "elewise_single_VS_add", ("log_weight",)),              # :131
        _binary("weight_sub", "sub", "weight_tmp", y),                             # :132
        _binary("grad_tmp", "mul", "weight_sub", "sigmoid"),                       # :133
        _binary("grad_cur", "sub", "grad_tmp", "log_weight"),                      # :134
        _binary("grad_dout", "mul", "grad_cur", dout),                             # :135
        _binary("grad_w", "mul", "grad_dout", w),                                  # :146
    ]
    last = "grad_w"
    if mean:
        nodes.append(Node("grad_mean", "elewise_single_VS_mul", (last,)))          # :151
        last = "grad_mean"
    if low_precision:
        nodes.append(Node("grad_f16", "elewise_single_cast", (last,)))             # :153-154
    return tuple(nodes)


def grad_elewise_tile(low_precision: bool, mean: bool) -> UbTile:
    """The grad kernel on the elementwise schedule: no operand broadcast, or only a one-element
    dout (broadcast_v3.cc sends two distinct shapes, one of them all ones, to the elementwise
    tiling: elewise_v3.cc GetDispatchPattern :128-152); the scalar is priced as a full operand."""
    return elewise_tile(grad_graph(low_precision, mean=mean))


def grad_broadcast_tile(low_precision: bool, mean: bool, has_axis: dict) -> UbTile:
    """The grad kernel on the milan broadcast schedule (`graph_broadcast_tile`): `has_axis[operand]`
    per fused dim, for each broadcast operand."""
    return graph_broadcast_tile(grad_graph(low_precision, frozenset(has_axis), mean), has_axis)


def fused_elewise_tile(low_precision: bool, with_weight: bool) -> UbTile:
    """The fused kernel when no operand is broadcast: the elementwise schedule (broadcast_v3.cc
    dispatches such shapes to elewise tiling, :1897-1918)."""
    return elewise_tile(fused_graph(low_precision, with_weight))


def cast_tile(to_bf16: bool = False) -> UbTile:
    """Cast (ops/built-in/tbe/impl/dynamic/cast.py): one cast of the input; fp32 -> bf16 rounds
    (tbe.round, :111-112). The widest dtype is fp32 either way."""
    insn = "elewise_single_round" if to_bf16 else "elewise_single_cast"
    return elewise_tile((Node("x", PLACEHOLDER), Node("y", insn, ("x",))))


def ones_like_tile(dtype_bytes: int) -> UbTile:
    """OnesLike (ones_like.py :55-61): a broadcast constant, the input unread; a cast to the
    same dtype returns its input (cast.py _cast), so the graph is the broadcast alone."""
    return elewise_tile((Node("ones", SCALAR_BROADCAST),), dtype_bytes)


# The reduce schedule's buffer rule (auto_schedule/.../vector/reduce/vector_info.py).
REDUCE_LAST_AXIS_SCRATCH = 4096  # a reduce_sum over the last axis alone sets this aside (:351-360)
REDUCE_RULE_PASSES = 3           # ... each time the rule meets it: normal, pad and transpose (:497-540)
REDUCE_BANK_GUARD = 1024         # "avoid bank conflict in malloc ub" (:603-604)
REDUCE_ALIGN = 128               # the tile is a multiple of 128 elements (:605)


def reduce_tile(ops_before_reduce: int) -> UbTile:
    """ReduceSum / ReduceMean of the fp32 loss over all axes (reduce_sum.py :57-60; reduce_mean.py
    :107-113 scales by 1/n first: one elementwise op), on the atomic all-reduce case that splits
    the UB along the reduced axis. The rule (get_maximum_subgraph :550-605) prices each node of
    the chain input -> ops -> reduce_sum in fp32 buffers: the input alone needs its own, one for
    the reduce computed at it and one for the rfactor (3); an op before the reduce adds its live
    input (4); the reduce needs its input, its own and the rfactor (3). An input that reaches the
    reduce only through ops reserves one more for its double buffer (:583-601). The tile is the UB
    less the scratch and the guard over those bytes per element, 128-aligned; reduce tiling cases
    never double-buffer (reduce_tilingcase.py :354, `db` is never set), so both entries agree."""
    per_element = (4 if ops_before_reduce else 3) + (1 if ops_before_reduce else 0)
    ub = UB_BYTES - REDUCE_RULE_PASSES * REDUCE_LAST_AXIS_SCRATCH - REDUCE_BANK_GUARD
    tile = ub // (per_element * FP32_BYTES) // REDUCE_ALIGN * REDUCE_ALIGN
    return UbTile(tile, tile)
