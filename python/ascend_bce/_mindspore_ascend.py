"""The Ascend path of ``ascend_bce.mindspore`` (device_target "Ascend", Atlas A2, PyNative mode).

The kernels run on the NPU through MindSpore's documented mechanism for C++ custom operators in
PyNative mode, ``mindspore.ops.CustomOpBuilder`` with ``ms::pynative::PyboostRunner``
(op_host/cann/mindspore_ascend_ops.cpp: host tiling with the op_host logic, one kernel launch on
MindSpore's stream). Two pieces, both built on the Ascend host:

1. ``libascend_bce_ms_launch.so``, the kernels compiled by CANN (cmake/mindspore_ascend):
   ``cmake -S cmake/mindspore_ascend -B build/mindspore_ascend -DSOC_VERSION=Ascend910B1 &&
   cmake --build build/mindspore_ascend -j``; looked up at $ASCEND_BCE_MS_LAUNCH_LIB, else
   <source root>/build/mindspore_ascend/lib/.
2. the adapter, compiled and loaded on first use by ``CustomOpBuilder(..., backend="Ascend").load()``
   from the sources under $ASCEND_BCE_SOURCE_DIR (default: the checkout this package lives in),
   into $ASCEND_BCE_MS_BUILD_DIR (default <source root>/build/mindspore_ascend/extension).

Gradients: each call is one ``nn.Cell`` whose ``bprop`` runs the backward kernel twice (dL/dinput,
dL/dtarget); weight and pos_weight get zeros, as on the CPU target. CustomOpBuilder ops are
PyNative-only (MindSpore 2.10 compiles them into graphs only through an op_def YAML and a graph
KernelMod, which this path does not provide): GRAPH_MODE raises ``AscendUnavailableError`` instead
of running anything else. It is the route when the op package is not installed; with the package,
``ascend_bce.mindspore._aclnn`` runs its aclnn ops in every mode.
"""
from __future__ import annotations

import ctypes
import functools
import os
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple

import mindspore
from mindspore import nn, ops

from ._dtypes import REDUCTION_CODES

LAUNCH_LIB_ENV = "ASCEND_BCE_MS_LAUNCH_LIB"
SOURCE_DIR_ENV = "ASCEND_BCE_SOURCE_DIR"
BUILD_DIR_ENV = "ASCEND_BCE_MS_BUILD_DIR"
LAUNCH_LIB_NAME = "libascend_bce_ms_launch.so"
MODULE_NAME = "ascend_bce_ms_ascend"  # the CustomOpBuilder module (MS_EXTENSION_NAME)

_FN = "ascend_bce.mindspore.binary_cross_entropy_with_logits"


class AscendUnavailableError(NotImplementedError):
    """The Ascend path cannot run in this process: the kernels library or the adapter sources are
    missing, the CANN environment is not set, the device is not an Atlas A2, or the mode is not
    PyNative. (A NotImplementedError, hence also a RuntimeError.)"""


def source_root() -> Path:
    """The ascend-bce source tree the adapter is compiled from."""
    env = os.environ.get(SOURCE_DIR_ENV)
    return Path(env).expanduser().resolve() if env else Path(__file__).resolve().parents[2]


def adapter_sources(root: Path) -> List[Path]:
    """What CustomOpBuilder compiles: the adapter, the pure request logic and the op_host logic."""
    cann = root / "op_host" / "cann"
    return [cann / "mindspore_ascend_ops.cpp", cann / "npu_request.cpp", *sorted((root / "op_host").glob("*.cpp"))]


def include_paths(root: Path) -> List[str]:
    return [str(root), str(root / "op_host"), str(root / "op_host" / "cann")]


def launch_library(root: Path) -> Path:
    env = os.environ.get(LAUNCH_LIB_ENV)
    return Path(env).expanduser().resolve() if env else root / "build" / "mindspore_ascend" / "lib" / LAUNCH_LIB_NAME


def build_dir(root: Path) -> Path:
    env = os.environ.get(BUILD_DIR_ENV)
    return Path(env).expanduser().resolve() if env else root / "build" / "mindspore_ascend" / "extension"


def build_instructions(root: Path) -> str:
    return (f"Build the kernels on the Atlas A2 host with CANN (source <CANN>/set_env.sh): "
            f"cmake -S {root / 'cmake' / 'mindspore_ascend'} -B {root / 'build' / 'mindspore_ascend'} "
            f"-DSOC_VERSION=Ascend910B1 && cmake --build {root / 'build' / 'mindspore_ascend'} -j "
            f"(or set {LAUNCH_LIB_ENV} to a built {LAUNCH_LIB_NAME})")


def _unavailable(reason: str, root: Optional[Path] = None) -> AscendUnavailableError:
    how = f" {build_instructions(root)}." if root is not None else ""
    return AscendUnavailableError(f"{_FN}: device_target 'Ascend' is not available in this installation: "
                                  f"{reason}.{how}")


def check_pynative() -> None:
    if mindspore.get_context("mode") != mindspore.PYNATIVE_MODE:
        raise AscendUnavailableError(
            f"{_FN}: on device_target 'Ascend' the kernels run in PyNative mode only "
            "(mindspore.set_context(mode=mindspore.PYNATIVE_MODE)): they are CustomOpBuilder PyNative ops, "
            "which GRAPH_MODE and mindspore.jit cannot compile; for graph mode install the op package "
            "(scripts/build_opp.sh), whose aclnn ops MindSpore compiles into graphs")


class _KernelOps:
    """The loaded ops, re-checking the mode on every lookup: graph compilation resolves
    ``self._ops.<op>`` through this and stops with AscendUnavailableError."""

    def __init__(self, module: Any) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # dunders probed by copy/inspect, and _module before __init__
            raise AttributeError(name)
        check_pynative()
        return getattr(self._module, name)


@functools.lru_cache(maxsize=None)
def load() -> _KernelOps:
    """Build (first use; cached by CustomOpBuilder after) and load the ops. Raises
    AscendUnavailableError naming what is missing and how to build it."""
    root = source_root()
    missing = [p for p in adapter_sources(root)[:2] if not p.is_file()]
    if missing:
        raise _unavailable(f"the adapter source {missing[0]} is not there (set {SOURCE_DIR_ENV} to an "
                           "ascend-bce checkout)")
    lib = launch_library(root)
    if not lib.is_file():
        raise _unavailable(f"the kernels library {lib} is not built", root)
    if not os.environ.get("ASCEND_OPP_PATH"):
        raise _unavailable("ASCEND_OPP_PATH is not set, which CustomOpBuilder(backend='Ascend') needs "
                           "(source <CANN>/set_env.sh)")
    check_pynative()
    try:
        ctypes.CDLL(str(lib), mode=ctypes.RTLD_GLOBAL)  # found by soname when the adapter loads
    except OSError as error:
        raise _unavailable(f"loading {lib} failed ({error})", root) from error
    builder = mindspore.ops.CustomOpBuilder(
        MODULE_NAME, [str(p) for p in adapter_sources(root)], backend="Ascend", include_paths=include_paths(root),
        ldflags=f"{lib} -Wl,-rpath,{lib.parent}", build_dir=str(build_dir(root)))
    module = builder.load()
    try:
        module.soc_preset()  # ValueError naming the SoC unless the device is an Atlas A2
    except ValueError as error:
        raise _unavailable(str(error)) from error
    return _KernelOps(module)


def _empty_loss(input: mindspore.Tensor, reduction: str) -> mindspore.Tensor:
    """torch's values for an empty input, without a launch: none -> empty, mean -> NaN, sum -> 0."""
    if reduction == "none":
        return ops.zeros(input.shape, input.dtype)
    return ops.full((), float("nan") if reduction == "mean" else 0.0, dtype=input.dtype)


class AscendLoss(nn.Cell):
    """One fused forward launch with a bprop of two backward launches. Inputs: (input, target,
    weight?, pos_weight?) for the operands present at construction."""

    def __init__(self, kernel_ops: Any, reduction: str, has_weight: bool, has_pos_weight: bool,
                 validate: Callable[..., None]) -> None:
        super().__init__()
        self._ops = kernel_ops
        self._reduction = reduction
        self._code = REDUCTION_CODES[reduction]
        self._has_weight = has_weight
        self._has_pos_weight = has_pos_weight
        self._validate = validate

    def _split(self, operands: Tuple) -> Tuple[Optional[mindspore.Tensor], Optional[mindspore.Tensor]]:
        rest = iter(operands)
        weight = next(rest) if self._has_weight else None
        pos_weight = next(rest) if self._has_pos_weight else None
        return weight, pos_weight

    def construct(self, input, target, *operands):
        forward = self._ops.bce_with_logits  # first: in graph compilation this lookup raises (PyNative only)
        weight, pos_weight = self._split(operands)
        self._validate(input, target, weight, pos_weight)
        if input.size == 0:
            return _empty_loss(input, self._reduction)
        return forward(input, target, weight, pos_weight, self._code)

    def bprop(self, *args):
        # (input, target, operands..., out, dout) -> (dL/dinput, dL/dtarget, zeros per operand)
        input, target, operands, dout = args[0], args[1], args[2:-2], args[-1]
        zeros = tuple(ops.zeros_like(o) for o in operands)
        if input.size == 0:
            return (ops.zeros_like(input), ops.zeros_like(target)) + zeros
        weight, pos_weight = self._split(operands)
        grad = dout if dout.dtype == input.dtype else ops.cast(dout, input.dtype)  # the kernel's dtype rule
        grad_input = self._ops.bce_with_logits_backward(grad, input, target, weight, pos_weight, self._code)
        grad_target = self._ops.bce_with_logits_target_backward(grad, input, target, weight, pos_weight, self._code)
        return (grad_input, grad_target) + zeros


@functools.lru_cache(maxsize=None)
def loss_cell(reduction: str, has_weight: bool, has_pos_weight: bool, validate: Callable[..., None]) -> AscendLoss:
    """The (stateless) cell for one signature; loads the ops on first use."""
    return AscendLoss(load(), reduction, has_weight, has_pos_weight, validate)
