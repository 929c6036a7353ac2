"""Checks of the Atlas A2 build files and the torch_npu adapter that run without CANN or an NPU:
the build script's contract, the adapter's op names and kernel calls against the kernel sources,
the CMake project configured against a stub of CANN's ascendc.cmake, and the adapter's pure host
logic (op_host/cann/npu_request.*) compiled with g++ and run, and the whole adapter type-checked
against the real torch headers and the documented CANN/torch_npu declarations."""
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cann_stubs import ACL_RUNTIME_STUB, kernel_params, make_stub_cann

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "build_npu.sh"
ADAPTER = ROOT / "op_host" / "cann" / "torch_npu_ops.cpp"
ACLNN_ADAPTER = ROOT / "op_host" / "cann" / "torch_npu_aclnn.cpp"
NPU_CMAKE = ROOT / "cmake" / "npu" / "CMakeLists.txt"
KERNELS = {"bce_with_logits": ROOT / "op_kernel" / "bce_with_logits.cpp",
           "bce_with_logits_grad": ROOT / "op_kernel" / "bce_with_logits_grad.cpp"}
SCHEMAS = [
    "bce_with_logits(Tensor input, Tensor target, Tensor? weight=None, Tensor? pos_weight=None, "
    "int reduction=1) -> Tensor",
    "bce_with_logits_backward(Tensor grad_output, Tensor input, Tensor target, Tensor? weight=None, "
    "Tensor? pos_weight=None, int reduction=1) -> Tensor",
    "bce_with_logits_target_backward(Tensor grad_output, Tensor input, Tensor target, Tensor? weight=None, "
    "Tensor? pos_weight=None, int reduction=1) -> Tensor",
]


def _run_script(*args, env=None):
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=30)


def _env_without_cann():
    return {k: v for k, v in os.environ.items() if k not in ("ASCEND_HOME_PATH", "ASCEND_CANN_PACKAGE_PATH")}


def _squash(text):
    return " ".join(text.replace("//", " ").split())


# --- scripts/build_npu.sh ---------------------------------------------------------------------

def test_build_script_parses():
    result = subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert SCRIPT.read_text().splitlines()[0] == "#!/usr/bin/env bash"
    assert "set -euo pipefail" in SCRIPT.read_text()


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_build_script_passes_shellcheck():
    # The CANN set-up it sources is checked with it (scripts/.shellcheckrc follows the source).
    result = subprocess.run(["shellcheck", str(SCRIPT), str(SCRIPT.parent / "lib_cann.sh")], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_build_script_without_cann_exits_2_naming_the_variable():
    result = _run_script(env=_env_without_cann())
    assert result.returncode == 2
    assert "ASCEND_HOME_PATH" in result.stderr and "ASCEND_CANN_PACKAGE_PATH" in result.stderr


def test_build_script_help():
    result = _run_script("--help", env=_env_without_cann())
    assert result.returncode == 0
    assert "--soc" in result.stdout and "Ascend910B1" in result.stdout and "ASCEND_HOME_PATH" in result.stdout


@pytest.mark.parametrize("args", [["--soc", "Ascend310P3"], ["--soc", "Ascend910B"], ["--bogus"], ["--soc"]])
def test_build_script_rejects_bad_arguments(args):
    result = _run_script(*args, env=_env_without_cann())
    assert result.returncode == 2
    assert "build_npu.sh:" in result.stderr


def test_build_script_rejects_missing_cann_dir(tmp_path):
    env = _env_without_cann()
    env["ASCEND_CANN_PACKAGE_PATH"] = str(tmp_path / "missing")
    result = _run_script(env=env)
    assert result.returncode == 2 and "does not exist" in result.stderr


# --- op_host/cann/torch_npu_ops.cpp against the kernels and the schemas -------------------------

def test_adapter_only_implements_the_python_defined_ops():
    src = ADAPTER.read_text()
    assert "TORCH_LIBRARY_IMPL(ascend_bce, PrivateUse1, m)" in src
    assert not re.search(r"TORCH_LIBRARY(_FRAGMENT)?\(", src), "the schemas are defined in Python only"
    assert re.findall(r'm\.impl\("(\w+)"', src) == [schema.split("(")[0] for schema in SCHEMAS]


def test_schemas_match_the_python_definitions():
    torch_py = ROOT / "python" / "ascend_bce" / "torch" / "ops.py"
    defined = re.findall(r'define\(((?:\s*"[^"]*")+)\)', torch_py.read_text())
    schemas = ["".join(re.findall(r'"([^"]*)"', d)) for d in defined]
    assert schemas == SCHEMAS  # every Python-defined op has its NPU kernel in the adapter


@pytest.mark.parametrize("kernel", sorted(KERNELS))
def test_adapter_launches_each_kernel_with_its_parameter_count(kernel):
    name, params = kernel_params(KERNELS[kernel])
    assert name == kernel
    src = ADAPTER.read_text()
    assert f'#include "aclrtlaunch_{kernel}.h"' in src
    match = re.search(rf"ACLRT_LAUNCH_KERNEL\({kernel}\)\(([^;]*)\);", src)
    assert match, f"no ACLRT_LAUNCH_KERNEL({kernel}) call"
    args = [a.strip() for a in re.sub(r"\s+", " ", match.group(1)).split(",")]
    assert args[:2] == ["tiling.blockDim", "stream"]
    assert len(args) - 2 == len(params), (args, params)
    assert args[-1] == "Addr(tilingGm)" and params[-1] == "tiling"
    assert params[-2] == "workspace"


def test_cmake_builds_both_kernels_and_the_adapter():
    text = NPU_CMAKE.read_text()
    shared = (ROOT / "cmake" / "ascend_kernels.cmake").read_text()
    assert 'include("${BCE_ROOT}/cmake/ascend_kernels.cmake")' in text and "bce_add_kernels(ascend_bce_kernels)" in text
    assert re.search(r"include\(\"\$\{ASCENDC_CMAKE_DIR\}/ascendc\.cmake\"\)", shared)
    block = re.search(r"ascendc_library\(\$\{target\} STATIC([^)]*)\)", shared).group(1)
    for path in KERNELS.values():
        assert f"${{BCE_ROOT}}/{path.relative_to(ROOT)}" in block
        assert path.exists()
    assert "ascendc_compile_definitions(${target} PRIVATE HAVE_WORKSPACE HAVE_TILING" in shared
    # The forward's SyncAll needs batch scheduling: the kernel-launch build asks for it.
    assert '"BCE_BATCH_SCHEDULE=__schedmode__(1)"' in shared
    assert 'extern "C" BCE_BATCH_SCHEDULE __global__' in (ROOT / "op_kernel" / "bce_with_logits.cpp").read_text()
    assert "add_library(ascend_bce_npu SHARED" in text
    for rel in ("op_host/cann/npu_request.cpp", "op_host/cann/npu_launch_rules.cpp", "op_host/cann/torch_npu_aclnn.cpp",
                "op_host/cann/torch_npu_ops.cpp"):
        assert f"${{BCE_ROOT}}/{rel}" in text and (ROOT / rel).exists()





def test_cmake_configures_against_a_stub_cann(tmp_path):
    torch = pytest.importorskip("torch")
    if shutil.which("cmake") is None:
        pytest.skip("cmake not installed")
    import torch.utils
    cann = make_stub_cann(tmp_path)
    torch_npu = tmp_path / "torch_npu"
    (torch_npu / "lib").mkdir(parents=True)
    (torch_npu / "lib" / "libtorch_npu.so").write_bytes(b"")
    result = subprocess.run(
        ["cmake", "-S", str(NPU_CMAKE.parent), "-B", str(tmp_path / "build"), f"-DASCEND_CANN_PACKAGE_PATH={cann}",
         "-DSOC_VERSION=Ascend910B3", f"-DTorch_DIR={os.path.join(torch.utils.cmake_prefix_path, 'Torch')}",
         f"-DTORCH_NPU_PATH={torch_npu}"],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "STUB ascendc_library ascend_bce_kernels STATIC" in result.stdout
    assert "STUB ascendc_compile_definitions HAVE_WORKSPACE;HAVE_TILING;BCE_BATCH_SCHEDULE=__schedmode__(1)" \
        in result.stdout
    bad = subprocess.run(["cmake", "-S", str(NPU_CMAKE.parent), "-B", str(tmp_path / "bad"),
                          f"-DASCEND_CANN_PACKAGE_PATH={cann}", "-DSOC_VERSION=Ascend310P3"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "not an Atlas A2 SoC" in bad.stderr


# --- op_host/cann/npu_request.* compiled and run -------------------------------------------------

REQUEST_TEST = textwrap.dedent(r"""
    #include <cmath>
    #include <cstdio>
    #include <cstring>
    #include <functional>
    #include <stdexcept>
    #include <string>
    #include "op_host/cann/npu_request.h"
    using namespace BceWithLogits;
    static int failures = 0;
    #define CHECK(cond) do { if (!(cond)) { std::printf("FAIL line %d: %s\n", __LINE__, #cond); ++failures; } } while (0)
    static void Throws(const std::function<void()>& f, const std::string& part, int line) {
        try { f(); std::printf("FAIL line %d: no exception (%s)\n", line, part.c_str()); ++failures; }
        catch (const std::invalid_argument& e) {
            if (std::string(e.what()).find(part) == std::string::npos) {
                std::printf("FAIL line %d: '%s' lacks '%s'\n", line, e.what(), part.c_str()); ++failures; }
        }
    }
    #define THROWS(expr, part) Throws([&] { (void)(expr); }, part, __LINE__)
    static NpuCall Forward() {
        NpuCall c;
        c.inputShape = {4, 1000}; c.inputDtype = "Float";
        c.targetShape = {4, 1000}; c.targetDtype = "Float";
        c.weight = NpuOperand{{1000}, "Half"};
        c.posWeight = NpuOperand{{1}, "bfloat16"};
        c.reduction = 1; c.socName = "Ascend910B3";
        return c;
    }
    int main() {
        const char* names[][2] = {{"Ascend910B1", "910B1"}, {"Ascend910B2", "910B2"},
                                  {"Ascend910B3", "910B3"}, {"Ascend910B4", "910B4"}};
        for (auto& n : names) CHECK(SocPresetFromSocName(n[0]) == n[1]);
        for (const char* bad : {"Ascend910B", "Ascend310P3", "Ascend910_9382", "910B1", "ascend910b1", ""}) {
            THROWS(SocPresetFromSocName(bad), std::string("'") + bad + "' is not supported");
            THROWS(SocPresetFromSocName(bad), "Atlas A2");
        }
        CHECK(DTypeFromName("Float", "x") == DType::FLOAT32 && DTypeFromName("float32", "x") == DType::FLOAT32);
        CHECK(DTypeFromName("Half", "x") == DType::FLOAT16 && DTypeFromName("float16", "x") == DType::FLOAT16);
        CHECK(DTypeFromName("BFloat16", "x") == DType::BFLOAT16 && DTypeFromName("bfloat16", "x") == DType::BFLOAT16);
        THROWS(DTypeFromName("Double", "weight"), "weight: dtype Double is not supported");

        TilingRequest req = BuildTilingRequest(Forward());
        CHECK(req.kernel == KernelKind::FORWARD && req.reduction == Reduction::MEAN);
        CHECK(req.soc.name == "910B3" && req.soc.vectorCores == 40 && req.soc.ubBytes == 196608);
        CHECK(req.dtype == DType::FLOAT32 && req.inputShape == Shape({4, 1000}));
        CHECK(req.weight.present && req.weight.dtype == DType::FLOAT16 && req.weight.shape == Shape({1000}));
        CHECK(req.posWeight.present && req.posWeight.dtype == DType::BFLOAT16);
        TilingData t = ComputeTiling(req);
        const TilingData checked = ComputeCheckedTiling(req);  // validated: what the adapters launch
        CHECK(std::memcmp(&checked, &t, sizeof t) == 0);
        Validate(t, req.soc);
        TilingData forged = t; forged.rank = 0; THROWS(Validate(forged, req.soc), "tiling: rank = 0");
        forged = t; forged.blockDim = 41; THROWS(Validate(forged, req.soc), "blockDim = 41");
        CHECK(t.blockDim >= 1 && t.blockDim <= 40 && t.workspaceBytes > 0);
        CHECK(LaunchWorkspaceBytes(t) == A2_SYSTEM_WORKSPACE_BYTES + std::max<uint64_t>(t.workspaceBytes, 32));
        CHECK(A2_SYSTEM_WORKSPACE_BYTES == 16u * 1024 * 1024);
        std::vector<uint8_t> bytes = TilingBytes(t);
        CHECK(bytes.size() == sizeof(TilingData) && std::memcmp(bytes.data(), &t, sizeof t) == 0);

        NpuCall sum = Forward(); sum.reduction = 2; sum.weight.reset(); sum.posWeight.reset();
        req = BuildTilingRequest(sum);
        CHECK(!req.weight.present && !req.posWeight.present && req.reduction == Reduction::SUM);
        CHECK(LaunchWorkspaceBytes(ComputeTiling(req)) >= A2_SYSTEM_WORKSPACE_BYTES + 32);
        NpuCall none = Forward(); none.reduction = 0;
        // The forward is a MIX kernel: 'none' gets a workspace too (a zero-size one is forbidden).
        CHECK(LaunchWorkspaceBytes(ComputeTiling(BuildTilingRequest(none))) == A2_SYSTEM_WORKSPACE_BYTES + 32);
        NpuCall empty = Forward(); empty.inputShape = empty.targetShape = {0, 1000};
        CHECK(BuildTilingRequest(empty).inputShape == Shape({0, 1000}));
        CHECK(std::isnan(EmptyReductionValue(Reduction::MEAN)) && EmptyReductionValue(Reduction::SUM) == 0.0f);

        NpuCall c = Forward(); c.targetDtype = "Half"; THROWS(BuildTilingRequest(c), "target: dtype Half");
        c = Forward(); c.targetShape = {4, 999}; THROWS(BuildTilingRequest(c), "arget size ([4, 999])");
        c = Forward(); c.weight = NpuOperand{{3}, "Float"}; THROWS(BuildTilingRequest(c), "weight");
        c = Forward(); c.posWeight = NpuOperand{{1}, "Int"}; THROWS(BuildTilingRequest(c), "pos_weight: dtype Int");
        c = Forward(); c.inputDtype = c.targetDtype = "Double"; THROWS(BuildTilingRequest(c), "input: dtype Double");
        c = Forward(); c.reduction = 3; THROWS(BuildTilingRequest(c), "reduction");
        c = Forward(); c.reduction = -1; THROWS(BuildTilingRequest(c), "reduction");
        c = Forward(); c.socName = "Ascend310P3"; THROWS(BuildTilingRequest(c), "Ascend310P3");
        // The device's own vector-core count caps the blocks (SyncAll needs them all resident).
        c = Forward(); c.vectorCores = 20;
        CHECK(BuildTilingRequest(c).soc.vectorCores == 20 && ComputeTiling(BuildTilingRequest(c)).blockDim <= 20);
        c = Forward(); c.vectorCores = 64; CHECK(BuildTilingRequest(c).soc.vectorCores == 40);  // preset 910B3
        c = Forward(); c.vectorCores = -1; THROWS(BuildTilingRequest(c), "reports -1 vector cores");
        CHECK(PlanLaunch(ComputeTiling(BuildTilingRequest(Forward()))).batchMode);

        NpuCall b = Forward(); b.kernel = KernelKind::BACKWARD; b.reduction = 0;
        THROWS(BuildTilingRequest(b), "grad_output");
        b.gradOutputShape = std::vector<int64_t>{4, 1000}; b.gradOutputDtype = "Float";
        req = BuildTilingRequest(b);
        CHECK(req.kernel == KernelKind::BACKWARD && req.reduction == Reduction::NONE);
        t = ComputeTiling(req);
        CHECK(t.kernel == static_cast<uint32_t>(KernelKind::BACKWARD) && LaunchWorkspaceBytes(t) == 0);
        b.gradOutputShape = std::vector<int64_t>{}; THROWS(BuildTilingRequest(b), "grad_output: shape []");
        b.reduction = 1; CHECK(BuildTilingRequest(b).reduction == Reduction::MEAN);
        b.gradOutputShape = std::vector<int64_t>{1, 1}; CHECK(BuildTilingRequest(b).reduction == Reduction::MEAN);
        b.gradOutputShape = std::vector<int64_t>{};
        CHECK(LaunchWorkspaceBytes(ComputeTiling(BuildTilingRequest(b))) == 0);
        b.gradOutputDtype = "Half"; THROWS(BuildTilingRequest(b), "grad_output: dtype Half");
        b.gradOutputDtype = "Float"; b.gradOutputShape = std::vector<int64_t>{4, 1000};
        THROWS(BuildTilingRequest(b), "must be the loss's shape []");

        std::printf(failures == 0 ? "ALL OK\n" : "%d FAILURES\n", failures);
        return failures == 0 ? 0 : 1;
    }
""")


@pytest.mark.skipif(shutil.which("g++") is None, reason="g++ not installed")
def test_npu_request_pure_logic(tmp_path):
    src = tmp_path / "test_npu_request.cpp"
    src.write_text(REQUEST_TEST)
    exe = tmp_path / "test_npu_request"
    sources = [str(p) for p in sorted((ROOT / "op_host").glob("*.cpp"))]
    sources.append(str(ROOT / "op_host" / "cann" / "npu_request.cpp"))
    build = subprocess.run(
        ["g++", "-std=c++17", "-O0", "-Wall", "-Wextra", f"-I{ROOT}", f"-I{ROOT / 'op_host'}", str(src), *sources,
         "-o", str(exe)],
        capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stderr
    assert "npu_request" not in build.stderr, build.stderr  # the adapter's pure part compiles warning-free
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0 and "ALL OK" in run.stdout, run.stdout + run.stderr


def test_both_adapters_launch_only_validated_tilings():
    for name in ("torch_npu_ops.cpp", "mindspore_ascend_ops.cpp"):
        src = (ROOT / "op_host" / "cann" / name).read_text()
        assert "ComputeCheckedTiling(req)" in src and "ComputeTiling(" not in src, name


def test_npu_request_has_no_cann_or_torch_includes():
    for name in ("npu_request.h", "npu_request.cpp"):
        includes = re.findall(r'#include\s*[<"]([^>"]+)[>"]', (ROOT / "op_host" / "cann" / name).read_text())
        assert not [i for i in includes if i.startswith(("acl", "torch", "ATen", "c10", "kernel_operator"))], includes


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))


# Declarations the adapter uses from CANN and torch_npu, as documented (acl_base.h, acl_rt.h:
# aclrtGetDeviceInfo / aclrtDevAttr, NPUStream.h,
# the aclrtlaunch_<kernel>.h that ascendc_library() generates): enough to type-check the adapter.
CANN_STUBS = {
    "acl/acl.h": ACL_RUNTIME_STUB + """
        #include <cstddef>
        typedef enum { ACL_FORMAT_UNDEFINED = -1, ACL_FORMAT_NCHW = 0, ACL_FORMAT_NHWC = 1, ACL_FORMAT_ND = 2,
                       ACL_FORMAT_NC1HWC0 = 3, ACL_FORMAT_FRACTAL_Z = 4, ACL_FORMAT_FRACTAL_NZ = 29 } aclFormat;
        typedef enum { ACL_DT_UNDEFINED = -1, ACL_FLOAT = 0, ACL_FLOAT16 = 1, ACL_BF16 = 27 } aclDataType;
        typedef enum { ACL_MEM_MALLOC_HUGE_FIRST = 0, ACL_MEM_MALLOC_HUGE_ONLY = 1,
                       ACL_MEM_MALLOC_NORMAL_ONLY = 2 } aclrtMemMallocPolicy;
        typedef enum { ACL_MEMCPY_HOST_TO_HOST = 0, ACL_MEMCPY_HOST_TO_DEVICE = 1, ACL_MEMCPY_DEVICE_TO_HOST = 2,
                       ACL_MEMCPY_DEVICE_TO_DEVICE = 3 } aclrtMemcpyKind;
        extern "C" aclError aclrtMalloc(void** devPtr, size_t size, aclrtMemMallocPolicy policy);
        extern "C" aclError aclrtMemcpy(void* dst, size_t destMax, const void* src, size_t count,
                                        aclrtMemcpyKind kind);
        extern "C" aclError aclrtSynchronizeStream(aclrtStream stream);
        typedef void* aclmdlRI;
        typedef enum { ACL_MODEL_RI_CAPTURE_STATUS_NONE = 0, ACL_MODEL_RI_CAPTURE_STATUS_ACTIVE,
                       ACL_MODEL_RI_CAPTURE_STATUS_INVALIDATED } aclmdlRICaptureStatus;
        extern "C" aclError aclmdlRICaptureGetInfo(aclrtStream stream, aclmdlRICaptureStatus* status,
                                                   aclmdlRI* modelRI);
    """,
    # aclnn/acl_meta.h (libnnopbase): the tensor descriptors the aclnn API takes.
    "aclnn/acl_meta.h": """
        #pragma once
        #include <cstdint>
        #include "acl/acl.h"
        typedef struct aclTensor aclTensor;
        typedef struct aclOpExecutor aclOpExecutor;
        typedef int32_t aclnnStatus;
        extern "C" aclTensor* aclCreateTensor(const int64_t* viewDims, uint64_t viewDimsNum, aclDataType dataType,
                                              const int64_t* stride, int64_t offset, aclFormat format,
                                              const int64_t* storageDims, uint64_t storageDimsNum, void* tensorData);
        extern "C" aclnnStatus aclDestroyTensor(const aclTensor* tensor);
    """,
    # torch_npu's OpCommand as its docs give it: a task on torch_npu's queue with a custom handler.
    "torch_npu/csrc/framework/OpCommand.h": """
        #pragma once
        #include <functional>
        #include <string>
        namespace at_npu {
        namespace native {
        using PROC_FUNC = std::function<int()>;
        class OpCommand {
        public:
            OpCommand();
            ~OpCommand();
            OpCommand& Name(const std::string& name);
            OpCommand& SetCustomHandler(PROC_FUNC func);
            void Run();
        };
        }
        }
    """,
    "torch_npu/csrc/core/npu/NPUFormat.h": """
        #pragma once
        #include <ATen/ATen.h>
        namespace at_npu {
        namespace native {
        int64_t get_npu_format(const at::Tensor& self);
        at::Tensor npu_format_cast(const at::Tensor& self, int64_t acl_format);
        }
        }
    """,
    "torch_npu/csrc/core/npu/NPUStream.h": """
        #pragma once
        #include "acl/acl.h"
        namespace c10_npu {
        struct NPUStream { aclrtStream stream(bool need_empty) const; };
        NPUStream getCurrentNPUStream(signed char device_index = -1);
        }
    """,
}


def _launch_stub(kernel, params):
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


def test_adapter_type_checks_against_torch_and_documented_cann_declarations(tmp_path):
    torch_ext = pytest.importorskip("torch.utils.cpp_extension")
    stubs = dict(CANN_STUBS)
    for kernel, path in KERNELS.items():
        stubs[f"aclrtlaunch_{kernel}.h"] = _launch_stub(kernel, kernel_params(path)[1])
    for name, text in stubs.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    includes = [f"-I{p}" for p in torch_ext.include_paths()] + [
        f"-I{tmp_path}", f"-I{ROOT}", f"-I{ROOT / 'op_host'}", f"-I{ROOT / 'op_host' / 'cann'}"]
    sources = (ADAPTER, ACLNN_ADAPTER)
    compiles = [subprocess.Popen(["g++", "-std=c++20", "-O0", "-c", *includes, str(source), "-o",
                                  str(tmp_path / (source.stem + ".o"))],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for source in sources]  # concurrently: each takes most of the time of torch's headers
    for compile_ in compiles:
        _, stderr = compile_.communicate(timeout=300)
        assert compile_.returncode == 0, stderr[-3000:]
    undefined = {source.name: subprocess.run(["nm", "-uC", str(tmp_path / (source.stem + ".o"))],
                                             capture_output=True, text=True, timeout=30).stdout
                 for source in sources}
    # Capture safety, as the compiled code references it: no stream or device synchronization, no
    # tensor copy to the device; the only host-to-device copy is the tiling cache's one-time upload.
    for name, symbols in undefined.items():
        assert "aclrtSynchronize" not in symbols, name
        assert "_ops::to_" not in symbols and "_ops::_to_copy" not in symbols and "copy_" not in symbols, name
    assert "aclrtMemcpy" in undefined[ADAPTER.name] and "aclrtMemcpy" not in undefined[ACLNN_ADAPTER.name]
    assert "aclmdlRICaptureGetInfo" in undefined[ADAPTER.name]
    assert "at_npu::native::OpCommand::SetCustomHandler" in undefined[ADAPTER.name]
    assert "aclCreateTensor" in undefined[ACLNN_ADAPTER.name] and "dlopen" in undefined[ACLNN_ADAPTER.name]


def test_adapter_brings_every_operand_to_row_major_layout():
    # Private NPU formats (FRACTAL_NZ, ...) store elements in blocks; the kernels index them
    # row-major. Every operand goes through Plain(), the only place that calls contiguous().
    src = ADAPTER.read_text()
    assert src.count(".contiguous()") == 1
    plain = re.search(r"at::Tensor Plain\(const at::Tensor& t\)\n\{(.*?)\n\}", src, re.S).group(1)
    assert "at_npu::native::get_npu_format(t)" in plain and "npu_format_cast(t, ACL_FORMAT_ND)" in plain
    for operand in ("Plain(input)", "Plain(target)", "Plain(*t)", "Plain(gradOutput)"):
        assert operand in src
