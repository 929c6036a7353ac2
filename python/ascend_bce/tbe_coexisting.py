"""How many tile-sized UB buffers a TBE DSL kernel keeps alive at once (its "coexisting
quantity"), ported from the public TBE mirror (`dengguojie/vue-element-admin` at 7d77ce32d054,
`auto_schedule/python/tbe/dsl/unify_schedule/`) so that stock_ub_tile.py can size each stock
kernel's UB tile the way TBE's dynamic schedules do.

Both schedules walk the compute graph depth-first from the output, inputs in operand order, and
track the live tensors: a tensor stays live until its last consumer has been computed. A node
needs the live tensors plus (usually) one buffer of its own; the kernel's quantity is the most any
node needs. The two schedules differ in the corrections they apply (see each function).

A graph is a tuple of `Node`s in any order, the output last; the rules see only each node's
instruction tag (TBE's `op.tag` up to "|", e.g. "elewise_binary_sub") and its inputs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Set, Tuple

BLOCK_BYTES = 32  # BLOCK_SIZE_BYTE in both schedules: a scratch block is one 32-B block

PLACEHOLDER = "placeholder"       # a kernel input (a TVM placeholder has no tag)
SCALAR_BROADCAST = "broadcast"    # tbe.broadcast of a constant (nn.py _scalar_broadcast)
# unify_schedule/constants.py: the instruction sets the rules consult.
SUPPORT_SCALAR_INSNS = frozenset({  # :327-356, the ones the stock kernels use
    "elewise_binary_add", "elewise_binary_sub", "elewise_binary_mul", "elewise_binary_div", "elewise_single_log",
    "elewise_single_exp", "elewise_single_cast", "elewise_single_round"})
VECTOR_SCALAR_INSNS = frozenset({"elewise_binary_add", "elewise_binary_mul"})  # elewise_schedule.py :787
DST_SRC_NO_REUSE_INSNS = frozenset({"elewise_single_cast", "elewise_single_round"})  # :300-323 (casts)
NEED_TEMP_SPACE_INSNS = frozenset({"elewise_single_VS_max", "elewise_single_VS_min"})  # :359-362
NEED_EXTENT_NODE_INSNS = frozenset({"unknown_broadcast", "one_rank_broadcast"})  # :365-368
ELEWISE_BROADCAST_INSNS = frozenset({"one_shape_broadcast", "one_rank_broadcast", SCALAR_BROADCAST})  # :409-413
TERNARY_INSNS = frozenset({"elewise_multiple_mla", "elewise_multiple_madd", "elewise_multiple_maddrelu",
                           "elewise_binary_scalar_axpy"})  # :292-297


@dataclass(frozen=True)
class Node:
    name: str
    insn: str
    inputs: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Coexisting:
    """A schedule's coexisting quantity and the scratch bytes (`_tmp_ub_size`) it sets aside."""
    quantity: int
    tmp_bytes: int


def consumers(graph: Tuple[Node, ...]) -> Dict[str, List[str]]:
    users: Dict[str, List[str]] = {node.name: [] for node in graph}
    for node in graph:
        for name in node.inputs:
            users[name].append(node.name)
    return users


def _absorbable(graph: Tuple[Node, ...], users: Dict[str, List[str]]) -> FrozenSet[str]:
    """elewise_schedule.py _match_scalar_scene (:219-230): a scalar broadcast that is not the
    output and feeds only instructions with a scalar form is folded into them."""
    insn = {node.name: node.insn for node in graph}
    return frozenset(node.name for node in graph[:-1] if node.insn in ELEWISE_BROADCAST_INSNS and not node.inputs
                     and all(insn[user] in SUPPORT_SCALAR_INSNS for user in users[node.name]))


def elewise_coexisting(graph: Tuple[Node, ...]) -> Coexisting:
    """elewise_schedule.py _calc_storage_bound (:644-810). A node needs the live tensors, less a
    folded broadcast whose input is live, plus one when its output cannot overwrite an input (a
    placeholder, a cast, or -- as written, checked before the inputs are released -- any node whose
    inputs are all live), plus one for an extent-node broadcast; 32 B of scratch per node with
    temp space or a scalar operand (:709-712, :780-792). A quantity of 1 adds a block (:805-806)
    and two or more inputs add a buffer "to improve performance" (:808-810)."""
    nodes = {node.name: node for node in graph}
    users = consumers(graph)
    absorbable = _absorbable(graph, users)
    live: Dict[str, Set[str]] = {}
    tmp = 0

    def need(node: Node) -> int:
        nonlocal tmp
        count = len(live) - sum(1 for name in live if name in absorbable and nodes[name].inputs
                                and nodes[name].inputs[0] in live)
        if node.insn == PLACEHOLDER or node.insn in DST_SRC_NO_REUSE_INSNS or set(node.inputs) <= set(live):
            count += 1
        count += node.insn in NEED_EXTENT_NODE_INSNS
        external = (any(name in absorbable for name in node.inputs) or node.insn in ELEWISE_BROADCAST_INSNS
                    or node.insn in SUPPORT_SCALAR_INSNS - VECTOR_SCALAR_INSNS)
        if node.insn in NEED_TEMP_SPACE_INSNS or external:
            tmp += BLOCK_BYTES
        return count

    def visit(name: str) -> int:
        if name in live:
            return len(live)
        node = nodes[name]
        needs = [visit(source) for source in node.inputs] + [need(node)]
        _release(node, live)
        live.setdefault(name, set(users[name]))
        return max(needs)

    out = graph[-1]
    quantity = max([visit(name) for name in out.inputs] + [need(out)])
    if quantity == 1:
        tmp += BLOCK_BYTES
    inputs = sum(1 for node in graph if node.insn == PLACEHOLDER)
    return Coexisting(quantity + (inputs >= 2), tmp)


def _release(node: Node, live: Dict) -> None:
    """_refresh_dependent (both schedules): the node has consumed its inputs; an input whose last
    consumer this was is no longer live."""
    for name in node.inputs:
        if name in live:
            live[name].discard(node.name)
            if not live[name]:
                live.pop(name)


def broadcast_coexisting(graph: Tuple[Node, ...], remove_pad: FrozenSet[str] = frozenset(),
                         store_predicate: FrozenSet[str] = frozenset(),
                         wide: FrozenSet[str] = frozenset()) -> Coexisting:
    """broadcast_schedule_milan.py _calc_storage_bound (:80-192), the broadcast schedule TBE uses
    on Ascend910B. A node needs the live tensors plus one (none for a ternary instruction or a node
    already live, :105-108), plus one for an extent-node broadcast (:114-115).

    `remove_pad`: broadcasts that get a remove-pad copy (_calc_remove_pad, :194-220: the UB split
    is not on the last axis and the last dim is not known to be block aligned). The rule registers
    the copy, not the broadcast, as live (:142-147), and the copy's consumers never name it, so it
    stays live from then on. `store_predicate`: broadcasts loaded once and kept
    (broadcast_schedule_base.py _calc_store_predicate): live from the start, over every tensor
    (:172-176), so they too stay live throughout. `wide`: broadcasts along more than one axis
    under the UB split, which need one more buffer (:116-118)."""
    nodes = {node.name: node for node in graph}
    users = consumers(graph)
    everything = {node.name for node in graph}
    live: Dict[object, Set[str]] = {}
    kept = set()
    for name in store_predicate:
        key = ("pad", name) if name in remove_pad else name
        live[key] = set(everything)
        kept.add(key)

    def need(node: Node) -> int:
        reuse = node.insn in TERNARY_INSNS or node.name in live
        return len(live) + (not reuse) + (node.insn in NEED_EXTENT_NODE_INSNS) + (node.name in wide)

    def visit(name: str) -> int:
        if name in live and name not in kept:
            return len(live)
        node = nodes[name]
        needs = [visit(source) for source in node.inputs] + [need(node)]
        _release(node, live)
        if name not in live:
            live[("pad", name) if name in remove_pad else name] = set(users[name])
        else:
            kept.discard(name)
        return max(needs)

    out = graph[-1]
    quantity = max([visit(name) for name in out.inputs] + [need(out)])
    # No absorbable broadcast or compare/select in the stock kernels: the only scratch is a
    # block when one buffer suffices (:191-192).
    return Coexisting(quantity, BLOCK_BYTES if quantity == 1 else 0)
