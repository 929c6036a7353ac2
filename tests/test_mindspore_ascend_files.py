"""The MindSpore Ascend path, checked without an NPU or CANN: device_target "Ascend" selects it; with
nothing built it raises naming the build; the Python wiring (CustomOpBuilder arguments, the cell's
bprop, graph-mode refusal) with stand-in ops; the C++ adapter type-checked against the real MindSpore
headers of the installed wheel; the launch shim against the documented CANN declarations; the CMake
project against a stub ascendc.cmake."""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import numpy as np
import pytest

from cann_stubs import ACL_RUNTIME_STUB, kernel_params, make_stub_cann

ROOT = Path(__file__).resolve().parents[1]
ADAPTER = ROOT / "op_host" / "cann" / "mindspore_ascend_ops.cpp"

# What the adapter takes from CANN beyond MindSpore's headers: the documented ACL runtime
# declarations the torch adapter's check uses too (cann_stubs.ACL_RUNTIME_STUB).
ACL_STUB = ACL_RUNTIME_STUB


def _ms_dir():
    spec = importlib.util.find_spec("mindspore")  # locates the package without importing it
    return Path(next(iter(spec.submodule_search_locations))) if spec and spec.submodule_search_locations else None


def _custom_op_builder_includes(ms_dir):
    """CustomOpBuilder(backend=None/"CPU").get_include_paths() of MindSpore 2.10 (custom_ops.py),
    spelled out so that the type-check starts before MindSpore is imported; a test compares it with
    the real builder's."""
    inner = ms_dir / "include" / "mindspore"
    return [str(p) for p in (
        ms_dir, ms_dir / "include", ms_dir / "include" / "third_party",
        ms_dir / "include" / "third_party" / "robin_hood_hashing",
        ms_dir / "include" / "third_party" / "securec" / "include",
        inner / "include", inner / "core" / "include", inner / "core" / "mindrt" / "include", inner / "core" / "mindrt",
        inner / "ops", inner / "ops" / "include", inner / "ops" / "kernel" / "include", inner / "ccsrc",
        inner / "ccsrc" / "include", inner / "ccsrc" / "minddata" / "mindrecord" / "include")]


# CustomOpBuilder.get_cflags() of MindSpore 2.10 for this module, minus -pie (a link flag) and -O2.
CUSTOM_OP_BUILDER_CFLAGS = ["-DMS_EXTENSION_NAME=ascend_bce_ms_ascend", "-D_GLIBCXX_USE_CXX11_ABI=0",
                            "-DENABLE_FAST_HASH_TABLE=1", "-std=c++17", "-fstack-protector-all", "-fPIC"]


def _adapter_type_check_command(ms_dir, stub_dir):
    """g++ -fsyntax-only of the adapter with CustomOpBuilder's include paths and flags, minus
    -DCUSTOM_ASCEND_OP, whose extra headers need CANN (the PyboostRunner API the adapter uses is the
    same with and without it). MindSpore's headers are -isystem so that -Wall -Wextra report the
    adapter's own code only."""
    system = [a for p in _custom_op_builder_includes(ms_dir) for a in ("-isystem", p)]
    ours = [f"-I{stub_dir}", f"-I{ROOT}", f"-I{ROOT / 'op_host'}", f"-I{ROOT / 'op_host' / 'cann'}"]
    return ["g++", "-fsyntax-only", "-Wall", "-Wextra", *CUSTOM_OP_BUILDER_CFLAGS, *ours, *system,
            "-isystem", sysconfig.get_paths()["include"], str(ADAPTER)]


_MS_DIR = _ms_dir()
_MS_API_HEADER = _MS_DIR / "include" / "mindspore" / "ccsrc" / "ms_extension" / "api.h" if _MS_DIR else None
HAVE_MS_HEADERS = bool(shutil.which("g++")) and _MS_API_HEADER is not None and _MS_API_HEADER.is_file()

ms = pytest.importorskip("mindspore")
from mindspore import Tensor  # noqa: E402

import ascend_bce  # noqa: E402
import ascend_bce.mindspore as abm  # noqa: E402
from ascend_bce import _mindspore_ascend as asc  # noqa: E402
from ascend_bce._frameworks import from_mindspore_numpy  # noqa: E402

SHIM = ROOT / "op_host" / "cann" / "mindspore_kernel_launch.cpp"
SHIM_HEADER = ROOT / "op_host" / "cann" / "mindspore_kernel_launch.h"
MS_CMAKE = ROOT / "cmake" / "mindspore_ascend" / "CMakeLists.txt"
KERNELS = {"bce_with_logits": ROOT / "op_kernel" / "bce_with_logits.cpp",
           "bce_with_logits_grad": ROOT / "op_kernel" / "bce_with_logits_grad.cpp"}


def _launch_stub(kernel, params):
    """The aclrtlaunch_<kernel>.h ascendc_library() generates: a status-returning C function taking
    the block count, the stream and one pointer per kernel parameter, and ACLRT_LAUNCH_KERNEL."""
    args = ", ".join(["uint32_t", "aclrtStream"] + ["void*"] * len(params))
    return f"""
        #pragma once
        #include <cstdint>
        #include "acl/acl.h"
        extern "C" uint32_t aclrtlaunch_{kernel}({args});
        #ifndef ACLRT_LAUNCH_KERNEL
        #define ACLRT_LAUNCH_KERNEL(kernel_func) aclrtlaunch_##kernel_func
        #endif
    """


def _write_stubs(directory, with_launch_headers):
    files = {"acl/acl.h": ACL_STUB}
    if with_launch_headers:
        for kernel, path in KERNELS.items():
            files[f"aclrtlaunch_{kernel}.h"] = _launch_stub(kernel, kernel_params(path)[1])
    for name, text in files.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(textwrap.dedent(text))


# --- selection of the path and the errors when it is not built -----------------------------------

@pytest.fixture
def ascend_target(monkeypatch):
    real = ms.get_context
    monkeypatch.setattr(ms, "get_context", lambda key: "Ascend" if key == "device_target" else real(key))
    # This checkout's sources, also when the package under test is installed in site-packages.
    monkeypatch.setenv(asc.SOURCE_DIR_ENV, str(ROOT))
    _clear_caches()
    yield
    _clear_caches()  # asc.load may still be a stand-in here (its monkeypatch is undone later)


def _clear_caches():
    for cached in (asc.load, asc.loss_cell):
        getattr(cached, "cache_clear", lambda: None)()


def _x():
    return Tensor(np.zeros((2, 3), np.float32))


def test_ascend_without_the_built_library_names_how_to_build_it(ascend_target, monkeypatch, tmp_path):
    monkeypatch.setenv(asc.LAUNCH_LIB_ENV, str(tmp_path / "missing" / asc.LAUNCH_LIB_NAME))
    for call in (lambda: abm.BCEWithLogitsLoss(), lambda: abm.binary_cross_entropy_with_logits(_x(), _x())):
        with pytest.raises(RuntimeError) as info:
            call()
        assert isinstance(info.value, asc.AscendUnavailableError)
        message = str(info.value)
        assert f"{tmp_path / 'missing' / asc.LAUNCH_LIB_NAME} is not built" in message
        assert "cmake -S" in message and str(ROOT / "cmake" / "mindspore_ascend") in message
        assert "-DSOC_VERSION=Ascend910B1" in message and asc.LAUNCH_LIB_ENV in message


def test_ascend_default_library_place_and_missing_sources(ascend_target, monkeypatch, tmp_path):
    monkeypatch.delenv(asc.LAUNCH_LIB_ENV, raising=False)
    assert asc.launch_library(ROOT) == ROOT / "build" / "mindspore_ascend" / "lib" / asc.LAUNCH_LIB_NAME
    monkeypatch.setenv(asc.SOURCE_DIR_ENV, str(tmp_path))
    with pytest.raises(asc.AscendUnavailableError, match=f"{asc.SOURCE_DIR_ENV} to an ascend-bce checkout"):
        abm.BCEWithLogitsLoss()


def test_ascend_without_cann_environment(ascend_target, monkeypatch, tmp_path):
    lib = tmp_path / asc.LAUNCH_LIB_NAME
    lib.write_bytes(b"")
    monkeypatch.setenv(asc.LAUNCH_LIB_ENV, str(lib))
    monkeypatch.delenv("ASCEND_OPP_PATH", raising=False)
    with pytest.raises(asc.AscendUnavailableError, match=r"ASCEND_OPP_PATH is not set.*set_env\.sh"):
        abm.binary_cross_entropy_with_logits(_x(), _x())


def test_other_targets_still_refused(monkeypatch):
    monkeypatch.setattr(ms, "get_context", lambda key: "GPU")
    with pytest.raises(NotImplementedError, match="device_target 'GPU' is not supported"):
        abm.BCEWithLogitsLoss()


@pytest.mark.skipif(shutil.which("g++") is None, reason="g++ not installed")
def test_load_builds_with_custom_op_builder(ascend_target, monkeypatch, tmp_path):
    """load(): the launch library preloaded, then CustomOpBuilder(backend="Ascend") over the adapter
    and the host sources, linking the library, and the SoC checked."""
    lib = tmp_path / "lib" / asc.LAUNCH_LIB_NAME
    lib.parent.mkdir()
    (tmp_path / "empty.c").write_text("int ascend_bce_ms_launch_stub;\n")
    subprocess.run(["g++", "-shared", "-fPIC", "-x", "c", str(tmp_path / "empty.c"), "-o", str(lib)], check=True)
    monkeypatch.setenv(asc.LAUNCH_LIB_ENV, str(lib))
    monkeypatch.setenv(asc.BUILD_DIR_ENV, str(tmp_path / "ext"))
    monkeypatch.setenv("ASCEND_OPP_PATH", str(tmp_path / "cann" / "opp"))
    seen = {}

    class Module:
        soc = "Ascend910B3"

        def soc_preset(self):
            if self.soc != "Ascend910B3":
                raise ValueError(f"ascend_bce: SoC '{self.soc}' is not supported; ... Atlas A2 (...)")
            return "910B3"

    class Builder:
        def __init__(self, name, sources, backend=None, include_paths=None, cflags=None, ldflags=None, **kwargs):
            seen.update(name=name, sources=sources, backend=backend, include_paths=include_paths, ldflags=ldflags,
                        **kwargs)

        def load(self):
            return Module()

    monkeypatch.setattr(ms.ops, "CustomOpBuilder", Builder)
    ops = asc.load()
    assert isinstance(ops, asc._KernelOps) and ops.soc_preset() == "910B3"
    assert seen["name"] == asc.MODULE_NAME and seen["backend"] == "Ascend"
    assert seen["sources"][:2] == [str(ADAPTER), str(ROOT / "op_host" / "cann" / "npu_request.cpp")]
    assert sorted(seen["sources"][2:]) == sorted(str(p) for p in (ROOT / "op_host").glob("*.cpp"))
    assert all(Path(s).is_file() for s in seen["sources"])
    assert seen["include_paths"] == [str(ROOT), str(ROOT / "op_host"), str(ROOT / "op_host" / "cann")]
    assert seen["ldflags"] == f"{lib} -Wl,-rpath,{lib.parent}" and seen["build_dir"] == str(tmp_path / "ext")

    asc.load.cache_clear()
    Module.soc = "Ascend310P3"
    with pytest.raises(asc.AscendUnavailableError, match="SoC 'Ascend310P3' is not supported"):
        asc.load()
    Module.soc = "Ascend910B3"


# --- the Python wiring with stand-in ops: forward, bprop, graph mode --------------------------------

class FakeOps:
    """The CustomOpBuilder module's functions, run by the CPU simulator; records each call."""

    def __init__(self):
        self.calls = []

    @staticmethod
    def _np(t):
        return None if t is None else from_mindspore_numpy(t.asnumpy())

    def _out(self, array, like):
        return Tensor(np.asarray(array, dtype=np.float32)).astype(like.dtype)

    def bce_with_logits(self, input, target, weight, pos_weight, reduction):
        self.calls.append(("forward", reduction, weight is None, pos_weight is None))
        red = ("none", "mean", "sum")[reduction]
        out = ascend_bce.binary_cross_entropy_with_logits(self._np(input), self._np(target), self._np(weight), red,
                                                          self._np(pos_weight))
        return self._out(out, input)

    def _grad(self, kind, fn, grad, input, target, weight, pos_weight, reduction):
        self.calls.append((kind, reduction, grad.dtype, tuple(grad.shape)))
        red = ("none", "mean", "sum")[reduction]
        out = fn(self._np(grad), self._np(input), self._np(target), self._np(weight), self._np(pos_weight), red)
        return self._out(out, input)

    def bce_with_logits_backward(self, *args):
        return self._grad("grad_input", ascend_bce.functional.binary_cross_entropy_with_logits_backward, *args)

    def bce_with_logits_target_backward(self, *args):
        return self._grad("grad_target", ascend_bce.functional.binary_cross_entropy_with_logits_target_backward,
                          *args)


@pytest.fixture
def fake_ops(ascend_target, monkeypatch):
    fake = FakeOps()
    monkeypatch.setattr(asc, "load", lambda: asc._KernelOps(fake))
    ms.set_context(mode=ms.PYNATIVE_MODE)
    yield fake
    ms.set_context(mode=ms.PYNATIVE_MODE)


def _data(shape=(6, 5)):
    rng = np.random.default_rng(1)
    x = Tensor((rng.standard_normal(shape) * 3).astype(np.float32))
    y = Tensor(rng.random(shape).astype(np.float32))
    w = Tensor((rng.random((shape[0], 1)) + 0.5).astype(np.float32))
    pw = Tensor((rng.random(shape[-1]) + 0.5).astype(np.float32))
    return x, y, w, pw


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_ascend_cell_forward_and_bprop_match_the_cpu_path(fake_ops, monkeypatch, reduction):
    x, y, w, pw = _data()
    loss = abm.BCEWithLogitsLoss(weight=w, reduction=reduction, pos_weight=pw)
    out = loss(x, y)
    assert fake_ops.calls == [("forward", asc.REDUCTION_CODES[reduction], False, False)]
    grads = ms.grad(lambda a, b: loss(a, b).sum(), grad_position=(0, 1))(x, y)
    kinds = [c[0] for c in fake_ops.calls]
    assert kinds.count("grad_input") == 1 and kinds.count("grad_target") == 1
    loss_shape = () if reduction != "none" else (6, 5)
    assert all(c[2] == ms.float32 and c[3] == loss_shape for c in fake_ops.calls if c[0] != "forward")

    monkeypatch.setattr(ms, "get_context", ms.context.get_context)  # the CPU path, for reference
    cpu = abm.BCEWithLogitsLoss(weight=w, reduction=reduction, pos_weight=pw)
    np.testing.assert_allclose(out.asnumpy(), cpu(x, y).asnumpy(), rtol=1e-6)
    assert out.shape == cpu(x, y).shape and out.dtype == ms.float32
    cpu_grads = ms.grad(lambda a, b: cpu(a, b).sum(), grad_position=(0, 1))(x, y)
    for got, want in zip(grads, cpu_grads):
        np.testing.assert_allclose(got.asnumpy(), want.asnumpy(), rtol=1e-5, atol=1e-7)


def test_ascend_functional_operand_grads_are_zeros_and_dout_takes_the_input_dtype(fake_ops):
    x, y, w, pw = _data()
    x16, y16 = x.astype(ms.float16), y.astype(ms.float16)
    grads = ms.grad(lambda a, b, c: abm.binary_cross_entropy_with_logits(a, b, weight=c, reduction="sum"),
                    grad_position=(0, 1, 2))(x16, y16, w)
    assert fake_ops.calls[0] == ("forward", 2, False, True)
    assert {c[2] for c in fake_ops.calls[1:]} == {ms.float16}
    assert grads[0].dtype == ms.float16 and grads[1].dtype == ms.float16
    assert not np.any(grads[2].asnumpy())


def test_ascend_checks_arguments_before_launching(fake_ops):
    x = _x()
    with pytest.raises(TypeError, match="expected 'target' of dtype float32, float16 or bfloat16, but got Int32"):
        abm.binary_cross_entropy_with_logits(x, x.astype(ms.int32))
    with pytest.raises(ValueError, match=r"Target size \(\[2, 4\]\) must be the same as input size \(\[2, 3\]\)"):
        abm.binary_cross_entropy_with_logits(x, Tensor(np.zeros((2, 4), np.float32)))
    assert fake_ops.calls == []


def test_ascend_empty_input_needs_no_launch(fake_ops):
    e = Tensor(np.zeros((0, 3), np.float32))
    assert np.isnan(abm.binary_cross_entropy_with_logits(e, e).asnumpy())
    assert abm.binary_cross_entropy_with_logits(e, e, reduction="sum").asnumpy() == 0
    assert abm.binary_cross_entropy_with_logits(e, e, reduction="none").shape == (0, 3)
    assert fake_ops.calls == []


def test_ascend_refuses_graph_mode(fake_ops):
    x, y, _, _ = _data()
    ms.set_context(mode=ms.GRAPH_MODE)
    with pytest.raises(asc.AscendUnavailableError, match="PyNative mode only"):
        abm.BCEWithLogitsLoss()
    with pytest.raises(asc.AscendUnavailableError, match="PyNative mode only"):
        abm.binary_cross_entropy_with_logits(x, y)
    ms.set_context(mode=ms.PYNATIVE_MODE)
    loss = abm.BCEWithLogitsLoss()  # made in PyNative, then compiled in a graph: stops, runs nothing
    ms.set_context(mode=ms.GRAPH_MODE)
    with pytest.raises(Exception, match="PyNative mode only"):
        loss(x, y)
    assert fake_ops.calls == []


# --- the C++ sources -------------------------------------------------------------------------------

@pytest.mark.parametrize("kernel", sorted(KERNELS))
def test_launch_shim_passes_every_kernel_parameter(kernel):
    _, params = kernel_params(KERNELS[kernel])
    src = SHIM.read_text()
    assert f'#include "aclrtlaunch_{kernel}.h"' in src
    call = re.search(rf"ACLRT_LAUNCH_KERNEL\({kernel}\)\(([^;]*)\);", src).group(1)
    args = [a.strip() for a in re.sub(r"\s+", " ", call).split(",")]
    assert args[:2] == ["blockDim", "aclStream"] and len(args) - 2 == len(params)
    assert [a.lower() for a in args[2:]] == [p.lower() for p in params]  # same names, same order


def test_adapter_launches_through_the_shim_in_kernel_order():
    src = ADAPTER.read_text()
    forward = re.search(r"AscendBceLaunchForward\(([^;]*)\),\s*\"bce_with_logits\"", src).group(1)
    grad = re.search(r"AscendBceLaunchGrad\(([^;]*)\),\s*\"bce_with_logits_grad\"", src).group(1)
    norm = lambda s: [a.strip() for a in re.sub(r"\s+", " ", s).split(",")]  # noqa: E731
    assert norm(forward) == ["tiling_.blockDim", "stream()", "Addr(in[X])", "Addr(in[Y])", "Addr(in[WEIGHT])",
                             "Addr(in[POS_WEIGHT])", "Addr(outputs()[0])", "workspace_ptr()",
                             "Addr(in[TILING_FORWARD])"]
    assert norm(grad) == ["tiling_.blockDim", "stream()", "Addr(in[X])", "Addr(in[Y])", "Addr(in[WEIGHT])",
                          "Addr(in[POS_WEIGHT])", "Addr(in[GRAD_OUTPUT])", "Addr(outputs()[0])", "nullptr",
                          "Addr(in[TILING_GRAD])"]
    # The Run input lists put the tensors at those indices.
    assert "runner->Run({input, target, OrPlaceholder(weight), OrPlaceholder(posWeight), TilingTensor(tiling)}" in src
    assert re.search(r"\{input, target, OrPlaceholder\(weight\), OrPlaceholder\(posWeight\), gradOutput, "
                     r"TilingTensor\(tiling\)\}", src)
    enum = "enum InputIndex : size_t { X = 0, Y, WEIGHT, POS_WEIGHT, TILING_FORWARD, GRAD_OUTPUT = 4, TILING_GRAD };"
    assert enum in src
    for name in ("bce_with_logits", "bce_with_logits_backward", "bce_with_logits_target_backward", "soc_preset"):
        assert f'm.def("{name}"' in src
    assert "PYBIND11_MODULE(MS_EXTENSION_NAME, m)" in src


@pytest.mark.skipif(shutil.which("g++") is None, reason="g++ not installed")
def test_launch_shim_type_checks_against_documented_cann_declarations(tmp_path):
    _write_stubs(tmp_path, with_launch_headers=True)
    result = subprocess.run(["g++", "-std=c++17", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", f"-I{tmp_path}",
                             f"-I{SHIM_HEADER.parent}", str(SHIM)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr





@pytest.mark.skipif(shutil.which("cmake") is None, reason="cmake not installed")
def test_cmake_configures_against_a_stub_cann(tmp_path):
    cann = make_stub_cann(tmp_path)
    result = subprocess.run(["cmake", "-S", str(MS_CMAKE.parent), "-B", str(tmp_path / "build"),
                             f"-DASCEND_CANN_PACKAGE_PATH={cann}", "-DSOC_VERSION=Ascend910B2"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "STUB ascendc_library ascend_bce_ms_kernels STATIC" in result.stdout
    for path in KERNELS.values():
        assert str(path) in result.stdout
    assert "STUB ascendc_compile_definitions HAVE_WORKSPACE;HAVE_TILING;BCE_BATCH_SCHEDULE=__schedmode__(1)" \
        in result.stdout
    text = MS_CMAKE.read_text()
    assert 'add_library(ascend_bce_ms_launch SHARED "${BCE_ROOT}/op_host/cann/mindspore_kernel_launch.cpp")' in text
    assert 'LIBRARY_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/lib"' in text  # where the loader looks by default
    bad = subprocess.run(["cmake", "-S", str(MS_CMAKE.parent), "-B", str(tmp_path / "bad"),
                          f"-DASCEND_CANN_PACKAGE_PATH={cann}", "-DSOC_VERSION=Ascend310P3"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "not an Atlas A2 SoC" in bad.stderr


def test_type_check_uses_custom_op_builders_own_paths_and_flags():
    builder = ms.ops.CustomOpBuilder(asc.MODULE_NAME, str(ADAPTER), backend="CPU")
    assert builder.get_include_paths() == _custom_op_builder_includes(Path(ms.__file__).resolve().parent)
    assert [f for f in builder.get_cflags() if f not in ("-pie", "-O2")] == CUSTOM_OP_BUILDER_CFLAGS
    assert asc.include_paths(ROOT) == [str(ROOT), str(ROOT / "op_host"), str(ROOT / "op_host" / "cann")]


@pytest.mark.skipif(not HAVE_MS_HEADERS, reason="g++ or the MindSpore wheel's C++ headers not available")
def test_adapter_type_checks_against_the_mindspore_wheel_headers(tmp_path):
    """g++ -fsyntax-only against the installed MindSpore's real ms_extension/api.h (PyboostRunner,
    ms::Tensor, ms::tensor), CANN's acl.h as the documented stub; about 25 s."""
    (tmp_path / "acl").mkdir()
    (tmp_path / "acl" / "acl.h").write_text(textwrap.dedent(ACL_STUB))
    result = subprocess.run(_adapter_type_check_command(_MS_DIR, tmp_path), capture_output=True, text=True,
                            timeout=300, env={**os.environ, "LC_ALL": "C"})
    assert result.returncode == 0, result.stderr[-4000:]
    ours = [line for line in result.stderr.splitlines() if "op_host/" in line and ("warning" in line or "error" in line)]
    assert not ours, "\n".join(ours)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
