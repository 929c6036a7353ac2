"""binary_cross_entropy_with_logits and its backward: argument checks, tiling, and one kernel
launch each in cpu_sim."""
from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Iterator, Optional

import numpy as np

from . import _C
from ._dtypes import NUMPY_DTYPES, check_reduction, dtype_name
from ._frameworks import binding_call, framework_of, from_numpy, to_numpy

SOCS = ("910B1", "910B2", "910B3", "910B4")
_MAX_BLOCKS_CAP = 2**32 - 1  # the tiling's uint32 field; any larger cap means no cap at all
_last_stats: Optional[Any] = None
# _C.mindspore_aot.launch_count() when _last_stats was set: a MindSpore aot launch since (the CPU
# target's graph ops launch from C++) makes its stats the last ones.
_aot_launches_seen = 0
# soc/max_blocks of a call that goes through a framework binding's op (which has no place for them).
_sim_options: contextvars.ContextVar[tuple[str, Optional[int]]] = contextvars.ContextVar(
    "ascend_bce_sim_options", default=("910B1", None))


@contextlib.contextmanager
def _simulating(soc: str, max_blocks: Optional[int]) -> Iterator[None]:
    token = _sim_options.set((soc, max_blocks))
    try:
        yield
    finally:
        _sim_options.reset(token)


def last_kernel_stats() -> Optional[Any]:
    """What the last call's simulated launch did (a KernelStats); None before the first call and
    after a call that launched nothing (an empty input). MindSpore's CPU-target ops launch from
    C++ (their aot entry points): their last launch counts too."""
    if _C.mindspore_aot.launch_count() != _aot_launches_seen:
        return _C.mindspore_aot.last_stats()
    return _last_stats


def _set_last_stats(stats: Optional[Any]) -> None:
    global _last_stats, _aot_launches_seen
    _last_stats = stats
    _aot_launches_seen = _C.mindspore_aot.launch_count()


def _as_array(name: str, value: Any, fn: str = "binary_cross_entropy_with_logits") -> tuple[np.ndarray, str]:
    if isinstance(value, np.ma.MaskedArray):
        # np.asarray would silently drop the mask and compute over the masked-out values too.
        raise TypeError(
            f"{fn}(): argument '{name}' is a numpy masked array, which the kernel cannot honour; pass "
            f"np.ma.getdata({name}) with a weight of 0 where masked, or the unmasked values (.compressed())"
        )
    framework = framework_of(value)
    if framework is None:
        raise TypeError(
            f"{fn}(): argument '{name}' must be a numpy.ndarray, "
            f"torch.Tensor or mindspore.Tensor, not {type(value).__name__}"
        )
    array = to_numpy(value, framework)
    if dtype_name(array.dtype) is None:
        raise TypeError(
            f"{fn}(): expected '{name}' of dtype float32, float16 or "
            f"bfloat16, but got {array.dtype}"
        )
    return array, framework


def _check_options(reduction: Any, soc: Any, max_blocks: Any) -> None:
    check_reduction(reduction)
    if soc not in SOCS:
        raise ValueError(f"soc must be one of {', '.join(SOCS)}, got {soc!r}")
    if max_blocks is not None and (
        isinstance(max_blocks, bool) or not isinstance(max_blocks, int) or max_blocks < 1
    ):
        raise ValueError(f"max_blocks must be a positive int or None, got {max_blocks!r}")


def _tiling_args(x: np.ndarray, reduction: str, weight: Optional[np.ndarray],
                 pos_weight: Optional[np.ndarray], soc: str, max_blocks: Optional[int],
                 kernel: str = "forward") -> dict:
    return dict(
        kernel=kernel,
        input_shape=list(x.shape),
        dtype=dtype_name(x.dtype),
        reduction=reduction,
        weight_shape=None if weight is None else list(weight.shape),
        weight_dtype="float32" if weight is None else dtype_name(weight.dtype),
        pos_weight_shape=None if pos_weight is None else list(pos_weight.shape),
        pos_weight_dtype="float32" if pos_weight is None else dtype_name(pos_weight.dtype),
        soc=soc,
        max_blocks=min(max_blocks or 0, _MAX_BLOCKS_CAP),
    )


def _launch_buffers(args: dict) -> tuple[np.ndarray, np.ndarray]:
    """The tiling bytes a kernel reads and its GM workspace (at least one 32-B block, so that GM
    always holds a valid buffer; only forward reductions use it)."""
    workspace_bytes = int(_C.host.compute_tiling(**args)["workspace_bytes"])
    raw_tiling = np.frombuffer(_C.host.tiling_bytes(**args), dtype=np.uint8).copy()
    return raw_tiling, np.zeros(max(workspace_bytes, 32), dtype=np.uint8)


def _launch(x: np.ndarray, y: np.ndarray, weight: Optional[np.ndarray], pos_weight: Optional[np.ndarray],
            reduction: str, soc: str, max_blocks: Optional[int]) -> np.ndarray:
    out = np.empty(x.shape if reduction == "none" else (), dtype=x.dtype)
    if reduction == "none" and x.size == 0:
        _set_last_stats(None)  # nothing launched: no stale stats of an earlier call
        return out
    raw_tiling, workspace = _launch_buffers(_tiling_args(x, reduction, weight, pos_weight, soc, max_blocks))
    _set_last_stats(_C.launch_bce_with_logits(
        x, y, weight, pos_weight, out.reshape(-1), workspace, raw_tiling, soc
    ))
    return out


def _launch_grad(kernel: str, g: np.ndarray, x: np.ndarray, y: np.ndarray, weight: Optional[np.ndarray],
                 pos_weight: Optional[np.ndarray], reduction: str, soc: str,
                 max_blocks: Optional[int]) -> np.ndarray:
    """One launch of the backward kernel: kernel 'backward' gives dL/dinput, 'backward_target'
    dL/dtarget."""
    grad = np.empty(x.shape, dtype=x.dtype)
    if x.size == 0:
        _set_last_stats(None)  # nothing launched: no stale stats of an earlier call
        return grad
    raw_tiling, workspace = _launch_buffers(
        _tiling_args(x, reduction, weight, pos_weight, soc, max_blocks, kernel=kernel))
    _set_last_stats(_C.launch_bce_with_logits_grad(
        x, y, weight, pos_weight, g.reshape(-1), grad.reshape(-1), workspace, raw_tiling, soc
    ))
    return grad


def binary_cross_entropy_with_logits(
    input: Any,
    target: Any,
    weight: Optional[Any] = None,
    reduction: str = "mean",
    pos_weight: Optional[Any] = None,
    *,
    soc: str = "910B1",
    max_blocks: Optional[int] = None,
) -> Any:
    """BCEWithLogitsLoss in one fused kernel launch (run in the CPU simulator here).

    ``loss = weight * [pos_weight * target * softplus(-input) + (1 - target) * softplus(input)]``,
    weight and pos_weight broadcast to the input shape, reduced by ``reduction``
    ('none' | 'mean' | 'sum'). NumPy arrays in give NumPy arrays out (0-d for mean/sum); torch
    or MindSpore tensors in give the same type out. ``soc`` picks the Atlas A2 preset the tiling
    is made for; ``max_blocks`` caps the number of blocks (vector cores) launched. Torch tensors
    go through the torch binding (``ascend_bce.torch``: ``torch.ops.ascend_bce.bce_with_logits``
    with every autodiff mode, autocast and torch's dtype promotion).

    Raises ValueError for invalid arguments, and for a 'mean'/'sum' input too large for the
    kernel's two-level reduction (more than about 2^27 tiles: some 2^40 fp32 elements).
    """
    if framework_of(input) == "torch":
        # Every autodiff mode, autocast, promotion and devices: the torch binding decides.
        _check_options(reduction, soc, max_blocks)
        return binding_call("torch")(input, target, weight, reduction, pos_weight, soc, max_blocks)
    return simulate(input, target, weight, reduction, pos_weight, soc=soc, max_blocks=max_blocks)


def simulate(input: Any, target: Any, weight: Optional[Any] = None, reduction: str = "mean",
             pos_weight: Optional[Any] = None, *, soc: str = "910B1", max_blocks: Optional[int] = None) -> Any:
    """One forward launch in cpu_sim for arrays or tensors of any framework, with no autograd:
    what the bindings' CPU kernels call."""
    x, y, w, pw, framework = _operands(input, target, weight, pos_weight, reduction, soc, max_blocks)
    out = _launch(x, y, w, pw, reduction, soc, max_blocks)
    return from_numpy(out, input, framework)


def binary_cross_entropy_with_logits_backward(
    grad_output: Any,
    input: Any,
    target: Any,
    weight: Optional[Any] = None,
    pos_weight: Optional[Any] = None,
    reduction: str = "mean",
    *,
    soc: str = "910B1",
    max_blocks: Optional[int] = None,
) -> Any:
    """dL/d(input) of binary_cross_entropy_with_logits in one fused kernel launch.

    The arguments of ``torch.ops.aten.binary_cross_entropy_with_logits_backward``: ``grad_output``
    is dL/d(loss), the input's shape for ``reduction='none'`` and one element for 'mean'/'sum'
    (which spread it over every element, divided by N for 'mean'). Returns an array (or tensor)
    of the input's shape and dtype:
    ``grad_output * weight * [(1 - target) * sigmoid(input) - pos_weight * target * sigmoid(-input)]``.
    """
    return _backward("binary_cross_entropy_with_logits_backward", "backward", grad_output, input, target,
                     weight, pos_weight, reduction, soc, max_blocks)


def binary_cross_entropy_with_logits_target_backward(
    grad_output: Any,
    input: Any,
    target: Any,
    weight: Optional[Any] = None,
    pos_weight: Optional[Any] = None,
    reduction: str = "mean",
    *,
    soc: str = "910B1",
    max_blocks: Optional[int] = None,
) -> Any:
    """dL/d(target) of binary_cross_entropy_with_logits in one launch of the backward kernel
    (the arguments of binary_cross_entropy_with_logits_backward; target is not read):
    ``grad_output * weight * [pos_weight * softplus(-input) - softplus(input)]``.
    """
    return _backward("binary_cross_entropy_with_logits_target_backward", "backward_target", grad_output, input,
                     target, weight, pos_weight, reduction, soc, max_blocks)


def _backward(fn: str, kernel: str, grad_output: Any, input: Any, target: Any, weight: Any, pos_weight: Any,
              reduction: Any, soc: Any, max_blocks: Any) -> Any:
    x, y, w, pw, framework = _operands(input, target, weight, pos_weight, reduction, soc, max_blocks, fn)
    if isinstance(grad_output, np.generic):
        grad_output = np.asarray(grad_output)  # np.float32(1.0), as from a NumPy loss: a 0-d array
    g, _ = _as_array("grad_output", grad_output, fn)
    if g.dtype != x.dtype:
        raise TypeError(f"{fn}(): expected 'grad_output' of dtype {x.dtype} (the dtype of 'input'), "
                        f"but got {g.dtype}")
    want = x.shape if reduction == "none" else ()
    if g.shape != want and not (reduction != "none" and g.size == 1):
        raise ValueError(f"{fn}(): 'grad_output' must have shape {list(want)} for reduction='{reduction}' "
                         f"(the loss's shape), but got {list(g.shape)}")
    out = _launch_grad(kernel, g, x, y, w, pw, reduction, soc, max_blocks)
    return from_numpy(out, input, framework)


def _operands(input: Any, target: Any, weight: Any, pos_weight: Any, reduction: Any, soc: Any,
              max_blocks: Any, fn: str = "binary_cross_entropy_with_logits"):
    """Checked NumPy views of the operands, and the framework of `input`."""
    x, framework = _as_array("input", input, fn)
    y, _ = _as_array("target", target, fn)
    w = None if weight is None else _as_array("weight", weight, fn)[0]
    pw = None if pos_weight is None else _as_array("pos_weight", pos_weight, fn)[0]
    _check_options(reduction, soc, max_blocks)
    if y.dtype != x.dtype:
        raise TypeError(
            f"{fn}(): expected 'target' of dtype {x.dtype} "
            f"(the dtype of 'input'), but got {y.dtype}"
        )
    _C.host.validate_shapes(list(x.shape), list(y.shape),
                            None if w is None else list(w.shape),
                            None if pw is None else list(pw.shape))
    return x, y, w, pw, framework


__all__ = ["binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits_backward",
           "binary_cross_entropy_with_logits_target_backward", "last_kernel_stats", "NUMPY_DTYPES"]
