"""The stock aclnnBinaryCrossEntropyWithLogitsBackward (dL/dinput) on A2, launch by launch, priced
with stock_model.py's machinery (launch_us, tile_loop) on the same assumptions as the forward.

The sequence follows hicann/ops-nn `loss/sigmoid_cross_entropy_with_logits_grad_v2/op_api/
aclnn_binary_cross_entropy_with_logits_backward.cpp` (BinaryCrossEntropyWithLogitsBackwardStub,
:241-304) and its l0 op (`binary_cross_entropy_with_logits_backward.cpp`):

1. The kernel dtype `k` is the promotion of self, target, grad_output AND a given weight/pos_weight
   (CheckPromoteType :76-121): fp16 logits with an fp32 pos_weight run the kernel in fp32.
2. Contiguous(grad_output/self/target): no launch for contiguous tensors (:252-261).
3. weight and pos_weight: a missing one becomes OnesLike(self) (:264, :269) -- a full-size launch
   writing N ones in the input's dtype, on every SoC (the forward does this for pos_weight only);
   a given one is Contiguous (free).
4. Cast of grad_output, self, target, weight, pos_weight to `k` (:273-286): a launch for each
   whose dtype differs (l0op::Cast returns its input when it matches).
5. SigmoidCrossEntropyWithLogitsGradV2(reduction) (:290): on A2 the built-in TBE kernel -- ops-nn's
   Ascend C kernel is registered for ascend950 only (op_host/..._def.cpp :72 AddConfig("ascend950"));
   the Ascend C one registered for ascend910b lives in experimental/, which the default build leaves
   out (CMakeLists.txt :63 ENABLE_EXPERIMENTAL OFF). The TBE compute (dengguojie/vue-element-admin
   7d77ce32d054 ops/built-in/tbe/impl/dynamic/sigmoid_cross_entropy_with_logits_grad_v2.py
   :92-156): a 16-bit kernel casts its five inputs to fp32 and the result back; sigmoid as
   1 / (1 + exp(-x)) (vmuls, vexp, vadds, vdiv), the pos_weight path vmul, vadds, vsub, vmul, vsub,
   vmul(dout), vmul(weight), and for 'mean' a vmuls by 1/N (the host tiling computes it:
   op_tiling/sigmoid_cross_entropy_with_logits_grad_v2.cc). grad_output (one element for
   mean/sum) and pos_weight[C] are broadcast inside the kernel: no Expand, Mul or Div launch.
   The output is in `k` (the l0 op allocates self's dtype, :33).
6. Cast(result -> out dtype) when `k` differs (:294); ReFormat is a view; ViewCopy into a
   contiguous out is priced as free (as the forward's).

Tiling: the kernel uses TBE's broadcast auto-tiling (PATTERN_BROADCAST in its op_tiling), which
sends inputs of one shape, or of two shapes one of them a single element (the scalar grad_output of
a mean over full-size operands), to the elementwise tiling (broadcast_v3.cc :1895-1918,
elewise_v3.cc GetDispatchPattern :128-152) and the rest (pos_weight[C]) to the milan broadcast
tiling (stock_tiling.py). Every kernel output is taken as fp32 in the tilings' block thresholds
(stock_tiling.OUT_ELEM_BYTES), as for the forward.
"""
from __future__ import annotations

from math import prod
from typing import List, Tuple

from .assumptions import BASE, A2Assumptions
from .stock_model import (BROADCAST_OPS, CAST_OPS, DTYPE_BYTES, FILL_OPS, LOSS_DTYPE, Launch, StockCall, StockTime,
                          TileRead, _cast_launch, price_launches)
from .stock_shapes import fused_states, split_shape
from .stock_ub_tile import UbTile, grad_broadcast_tile, grad_elewise_tile, ones_like_tile

# SigmoidCrossEntropyWithLogitsGradV2's fp32 compute per element (the module docstring, step 5):
# vmuls, vadds, vmul, vadds, vsub, vmul, vsub, vmul(dout), vmul(weight); the slow ones vexp, vdiv.
GRAD_SIMPLE_OPS = 9
GRAD_SLOW_OPS = 2
GRAD_MEAN_OPS = 1   # vmuls by the tiling's 1/N
GRAD_CASTS = 6      # a 16-bit kernel: predict, target, dout, pos_weight, weight in, the gradient out
GRAD_NAME = "SigmoidCrossEntropyWithLogitsGradV2"


def grad_shape(call: StockCall) -> Tuple[int, ...]:
    """grad_output as autograd passes it: the loss's shape, () for mean/sum."""
    return call.shape if call.reduction == "none" else ()


def kernel_dtype(call: StockCall) -> str:
    """PromoteType over self, target, grad_output and the operands given (CheckPromoteType): the
    input dtype when they all agree, else fp32 (any two of fp16, bf16, fp32 promote to fp32)."""
    dtypes = {call.dtype}
    if call.weight_shape is not None:
        dtypes.add(call.weight_dtype)
    if call.pos_weight_shape is not None:
        dtypes.add(call.pos_weight_dtype)
    return call.dtype if len(dtypes) == 1 else "float32"


def _operands(call: StockCall) -> List[Tuple[str, Tuple[int, ...], str, bool]]:
    """(name, shape, dtype before the Cast, made by OnesLike) of the five kernel inputs, in the
    order aclnn casts them (:273-286): grad_output, self, target, weight, pos_weight."""
    out = [("grad_output", grad_shape(call), call.dtype, False), ("self", call.shape, call.dtype, False),
           ("target", call.shape, call.dtype, False)]
    for name, shape, dtype in (("weight", call.weight_shape, call.weight_dtype),
                               ("pos_weight", call.pos_weight_shape, call.pos_weight_dtype)):
        out.append((name, call.shape, call.dtype, True) if shape is None else (name, tuple(shape), dtype, False))
    return out


def backward_launches(call: StockCall) -> List[Launch]:
    """The kernels the stock backward launches for `call`, in order (module docstring)."""
    n, k = prod(call.shape), kernel_dtype(call)
    launches: List[Launch] = []
    operands = _operands(call)
    for name, shape, dtype, ones in operands:
        if ones:
            s = DTYPE_BYTES[dtype]
            launches.append(Launch(f"OnesLike({name})", n, ones_like_tile(s), inter_write_bytes=n * s,
                                   vector_ops=FILL_OPS * s / DTYPE_BYTES[LOSS_DTYPE]))
    for name, shape, dtype, ones in operands:
        if dtype != k:
            launches.append(_cast_launch(f"Cast({name})", max(prod(shape), 1), dtype, k, inter_in=ones,
                                         inter_out=True))
    launches.append(grad_launch(call))
    if k != call.dtype:
        launches.append(_cast_launch("Cast(out)", n, k, call.dtype, inter_in=True, inter_out=False))
    return launches


def grad_launch(call: StockCall) -> Launch:
    """SigmoidCrossEntropyWithLogitsGradV2: reads its five inputs in `k` (a Cast or OnesLike output
    is an intermediate, the user's tensors come from HBM) and writes the gradient in `k`."""
    n, k = prod(call.shape), kernel_dtype(call)
    s = DTYPE_BYTES[k]
    low_precision = s != DTYPE_BYTES[LOSS_DTYPE]
    mean = call.reduction == "mean"
    inputs = inter_in = 0
    ops = GRAD_SIMPLE_OPS + (GRAD_MEAN_OPS if mean else 0) + (GRAD_CASTS * CAST_OPS if low_precision else 0)
    streams = 1  # the gradient out
    small: List[Tuple[str, Tuple[int, ...]]] = []
    for name, shape, dtype, ones in _operands(call):
        count = max(prod(shape), 1)
        streams += 1
        if count < n:
            small.append((name, shape))
            ops += BROADCAST_OPS
        if ones or dtype != k:
            inter_in += count * s
        else:
            inputs += count * s
    final = k == call.dtype
    out = n * s
    dims, broadcast = _split(call, small)
    tile_reads = tuple(TileRead(call.shape, shape, s) for _, shape in small) if dims else ()
    return Launch(f"{GRAD_NAME}({call.reduction})", n, _grad_tile(call, small, bool(dims), low_precision, mean),
                  input_bytes=inputs, inter_read_bytes=inter_in, output_bytes=out if final else 0,
                  inter_write_bytes=0 if final else out, vector_ops=ops, slow_ops=GRAD_SLOW_OPS, streams=streams,
                  tile_reads=tile_reads, split_dims=dims, split_broadcast=broadcast, in_elem_bytes=s)


def _split(call: StockCall, small: List[Tuple[str, Tuple[int, ...]]]) -> Tuple[Tuple[int, ...], Tuple[bool, ...]]:
    """The broadcast tiling's fused shape, or ((), ()) for the elementwise tiling: no broadcast
    operand, or only a one-element one (GetDispatchPattern's BROADCAST: two distinct shapes)."""
    if not small or all(prod(shape) == 1 for _, shape in small) and len({shape for _, shape in small}) == 1:
        return (), ()
    return split_shape(call.shape, [shape for _, shape in small])


def _grad_tile(call: StockCall, small: List[Tuple[str, Tuple[int, ...]]], broadcast: bool, low_precision: bool,
               mean: bool) -> UbTile:
    if not broadcast:
        return grad_elewise_tile(low_precision, mean)
    names = [name if name != "grad_output" else "dout" for name, _ in small]
    _, states = fused_states(call.shape, [shape for _, shape in small])
    has_axis = {name: tuple(state[i] for state in states) for i, name in enumerate(names)}
    return grad_broadcast_tile(low_precision, mean, {name: axes for name, axes in has_axis.items() if not all(axes)})


def stock_backward_time(call: StockCall, a: A2Assumptions = BASE) -> StockTime:
    """Modelled microseconds of the stock backward for `call`, per launch on its busiest core."""
    return price_launches(backward_launches(call), a)


__all__ = ["backward_launches", "grad_launch", "grad_shape", "kernel_dtype", "stock_backward_time",
           "GRAD_SIMPLE_OPS", "GRAD_SLOW_OPS", "GRAD_CASTS"]
