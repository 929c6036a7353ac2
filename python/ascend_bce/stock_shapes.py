"""How a broadcast operand meets the stock kernels' tiles, from shapes alone: the input's axes fused
as TBE's broadcast tiling fuses them (`split_shape`, broadcast_v3.cc MulFusionContinuousAxis), the
operand elements a tile's span touches (`touched_elements`), and the tiles that load an operand
TBE's broadcast schedule keeps in UB (`held_loads`, the store predicate of
broadcast_schedule_base.py). Pricing these reads is stock_model.py's job.
"""
from __future__ import annotations

from math import ceil
from typing import List, Optional, Tuple


def _right_aligned(input_shape: Tuple[int, ...], operand_shape: Tuple[int, ...]) -> Tuple[int, ...]:
    """The operand's shape with the input's rank, broadcast from the right."""
    return (1,) * (len(input_shape) - len(operand_shape)) + tuple(operand_shape)


def touched_elements(input_shape: Tuple[int, ...], operand_shape: Tuple[int, ...], span: int) -> int:
    """Distinct operand elements that `span` contiguous flat elements of the input (from a row
    start) read, with the operand broadcast to the input from the right: in each dim where the
    operand is not broadcast, the coordinates the span crosses (never more than the span)."""
    operand = _right_aligned(input_shape, operand_shape)
    touched, inner = 1, 1
    for size, own in zip(reversed(input_shape), reversed(operand)):
        if own != 1:
            touched *= min(size, -(-span // inner))
        inner *= size
    return min(touched, span)


def fused_dims(input_shape: Tuple[int, ...], operand_shape: Tuple[int, ...]) -> List[Tuple[int, bool]]:
    """The input's dims with neighbours of the same broadcast kind merged, as TBE's broadcast
    classification fuses them: (size, whether the operand has the dim) from the outermost."""
    operand = _right_aligned(input_shape, operand_shape)
    dims: List[Tuple[int, bool]] = []
    for size, own in zip(input_shape, operand):
        has = own != 1
        if dims and dims[-1][1] == has:
            dims[-1] = (dims[-1][0] * size, has)
        else:
            dims.append((size, has))
    return dims


def held_loads(input_shape: Tuple[int, ...], operand_shape: Tuple[int, ...], span: int, per_core: float,
               tiles: int, loads_per_pass: int) -> Optional[int]:
    """Tiles on which a core loads an operand that its tile loop keeps in UB (store predicate):
    the split axis -- the outermost fused dim a tile of `span` elements does not hold whole -- is
    one the operand is broadcast over; `loads_per_pass` per pass of the core over it. None when the
    operand varies along the split axis, so every tile copies its share."""
    dims = fused_dims(input_shape, operand_shape)
    inner = 1
    for size, has in reversed(dims):
        if inner * size > span:
            if has:
                return None
            passes = max(ceil(per_core / (inner * size)), 1)
            return min(tiles, loads_per_pass * passes)
        inner *= size
    return None


def fused_states(input_shape: Tuple[int, ...],
                  operand_shapes: List[Tuple[int, ...]]) -> Tuple[List[int], List[Tuple[bool, ...]]]:
    """The output's dims with size-1 axes dropped and neighbours where every operand has the same
    broadcast state fused (broadcast_v3.cc MulFusionContinuousAxis); per fused dim, whether each
    operand has it."""
    aligned = [_right_aligned(input_shape, shape) for shape in operand_shapes]
    dims: List[int] = []
    states: List[Tuple[bool, ...]] = []
    for axis, size in enumerate(input_shape):
        if size == 1:
            continue
        state = tuple(shape[axis] != 1 for shape in aligned)
        if states and states[-1] == state:
            dims[-1] *= size
        else:
            dims.append(size)
            states.append(state)
    return dims, states


def split_shape(input_shape: Tuple[int, ...], operand_shapes: List[Tuple[int, ...]]) -> Tuple[Tuple[int, ...], Tuple[bool, ...]]:
    """The output shape TBE's broadcast tiling works on (`fused_states`) and per fused axis
    whether some operand is broadcast along it. ((), ()) when nothing is broadcast or one axis is
    left (the elementwise tiling applies)."""
    dims, states = fused_states(input_shape, operand_shapes)
    broadcast = tuple(not all(state) for state in states)
    if len(dims) < 2 or not any(broadcast):
        return (), ()
    return tuple(dims), broadcast
