"""The torch_npu adapter's aclnn route (op_host/cann/torch_npu_aclnn.cpp), its real code built against
the real torch headers and libtorch (CPU tensors), run with a recording fake of what it takes from
CANN and torch_npu: aclCreateTensor/aclDestroyTensor, the current stream, OpCommand's task queue,
and a fake op package (a libcust_opapi.so under a vendor dir on $ASCEND_CUSTOM_OPP_PATH, dlopened
by the adapter). Checked: the library found and loaded, the aclTensor views (shape, strides,
offset, dtype, data), nullptr for absent operands, reduction/grad_target passed through, the
workspace allocated at the size asked, the launch queued (not run inline) on the current stream,
the views released after it, and nothing else called."""
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from test_npu_build_files import CANN_STUBS

ROOT = Path(__file__).resolve().parents[1]
CANN = ROOT / "op_host" / "cann"

FAKE_TENSOR_H = """
    #pragma once
    #include <cstdint>
    #include <vector>
    struct aclTensor {
        std::vector<int64_t> dims, strides, storage;
        int dtype; int64_t offset; int format; void* data;
    };
    extern "C" void FakeLog(const char* line);
"""

# Everything the adapter takes from CANN's nnopbase and torch_npu, recording each call.
FAKE_RUNTIME = r"""
    #include <cstdio>
    #include <functional>
    #include <string>
    #include <vector>
    #include "aclnn/acl_meta.h"
    #include "torch_npu/csrc/core/npu/NPUStream.h"
    #include "torch_npu/csrc/framework/OpCommand.h"
    #include "fake_tensor.h"

    std::vector<std::string> g_log;
    std::vector<std::function<int()>> g_queue;
    static std::function<int()> g_handler;
    extern "C" void FakeLog(const char* line) { g_log.push_back(line); }

    static std::string Dims(const std::vector<int64_t>& d) {
        std::string s = "[";
        for (size_t i = 0; i < d.size(); ++i) s += (i ? "," : "") + std::to_string(d[i]);
        return s + "]";
    }
    extern "C" aclTensor* aclCreateTensor(const int64_t* viewDims, uint64_t viewDimsNum, aclDataType dataType,
                                          const int64_t* stride, int64_t offset, aclFormat format,
                                          const int64_t* storageDims, uint64_t storageDimsNum, void* tensorData) {
        auto* t = new aclTensor{{viewDims, viewDims + viewDimsNum}, {stride, stride + viewDimsNum},
                                {storageDims, storageDims + storageDimsNum}, dataType, offset, format, tensorData};
        FakeLog(("create " + Dims(t->dims) + " strides " + Dims(t->strides) + " storage " + Dims(t->storage) +
                 " offset " + std::to_string(offset) + " dtype " + std::to_string(dataType) + " format " +
                 std::to_string(format)).c_str());
        return t;
    }
    extern "C" aclnnStatus aclDestroyTensor(const aclTensor* t) {
        FakeLog(("destroy " + Dims(t->dims)).c_str());
        delete t;
        return 0;
    }
    namespace c10_npu {
    aclrtStream NPUStream::stream(bool need_empty) const {
        FakeLog(need_empty ? "stream(flush)" : "stream");
        return reinterpret_cast<aclrtStream>(0x5EED);
    }
    NPUStream getCurrentNPUStream(signed char) { return NPUStream{}; }
    }
    namespace at_npu { namespace native {
    OpCommand::OpCommand() {}
    OpCommand::~OpCommand() {}
    OpCommand& OpCommand::Name(const std::string& name) { FakeLog(("queue " + name).c_str()); return *this; }
    OpCommand& OpCommand::SetCustomHandler(PROC_FUNC func) { g_handler = func; return *this; }
    void OpCommand::Run() { g_queue.push_back(g_handler); }
    } }
"""

# The op package's generated API as a fake libcust_opapi.so: records its arguments, writes 42 into
# out's first element (to check the data address) and reads x's first element back.
FAKE_OPAPI = r"""
    #include <cstdio>
    #include <string>
    #include "aclnn/acl_meta.h"
    #include "fake_tensor.h"
    static std::string D(const aclTensor* t) {
        if (t == nullptr) return "null";
        std::string s = "[";
        for (size_t i = 0; i < t->dims.size(); ++i) s += (i ? "," : "") + std::to_string(t->dims[i]);
        return s + "]";
    }
    static const aclTensor* g_out = nullptr;
    static const aclTensor* g_x = nullptr;
    extern "C" int32_t aclnnBceWithLogitsGetWorkspaceSize(const aclTensor* x, const aclTensor* target,
            const aclTensor* w, const aclTensor* pw, int64_t reduction, const aclTensor* out,
            uint64_t* workspaceSize, aclOpExecutor** executor) {
        FakeLog(("fwd_ws x " + D(x) + " target " + D(target) + " weight " + D(w) + " pos_weight " + D(pw) +
                 " reduction " + std::to_string(reduction) + " out " + D(out)).c_str());
        g_out = out; g_x = x;
        *workspaceSize = 16777248; *executor = reinterpret_cast<aclOpExecutor*>(0xE1);
        return 0;
    }
    static int Launch(const char* name, void* ws, uint64_t size, aclOpExecutor* ex, aclrtStream stream) {
        char line[200];
        std::snprintf(line, sizeof line, "%s ws %s size %llu executor %p stream %p", name, ws ? "set" : "null",
                      static_cast<unsigned long long>(size), static_cast<void*>(ex), stream);
        FakeLog(line);
        float* out = static_cast<float*>(g_out->data) + g_out->offset;
        const float* x = static_cast<const float*>(g_x->data) + g_x->offset;
        out[0] = 42.0f + x[0];
        return 0;
    }
    extern "C" int32_t aclnnBceWithLogits(void* ws, uint64_t size, aclOpExecutor* ex, aclrtStream stream) {
        return Launch("fwd_run", ws, size, ex, stream);
    }
    extern "C" int32_t aclnnBceWithLogitsGradGetWorkspaceSize(const aclTensor* x, const aclTensor* target,
            const aclTensor* w, const aclTensor* pw, const aclTensor* g, int64_t reduction, bool gradTarget,
            const aclTensor* out, uint64_t* workspaceSize, aclOpExecutor** executor) {
        FakeLog(("grad_ws weight " + D(w) + " pos_weight " + D(pw) + " grad_output " + D(g) + " reduction " +
                 std::to_string(reduction) + " grad_target " + (gradTarget ? "1" : "0") + " out " + D(out)).c_str());
        g_out = out; g_x = x;
        *workspaceSize = 0; *executor = reinterpret_cast<aclOpExecutor*>(0xE2);
        return 0;
    }
    extern "C" int32_t aclnnBceWithLogitsGrad(void* ws, uint64_t size, aclOpExecutor* ex, aclrtStream stream) {
        return Launch("grad_run", ws, size, ex, stream);
    }
"""

DRIVER = r"""
    #include <cstdio>
    #include <functional>
    #include <string>
    #include <vector>
    #include <ATen/ATen.h>
    #include "torch_npu_aclnn.h"
    extern std::vector<std::string> g_log;
    extern std::vector<std::function<int()>> g_queue;
    static int failures = 0;
    #define CHECK(cond) do { if (!(cond)) { std::printf("FAIL line %d: %s\n", __LINE__, #cond); ++failures; } } while (0)
    static void Expect(const std::vector<std::string>& want) {
        if (g_log != want) {
            ++failures;
            std::printf("FAIL: log\n");
            for (auto& l : g_log) std::printf("  got  %s\n", l.c_str());
            for (auto& l : want) std::printf("  want %s\n", l.c_str());
        }
        g_log.clear();
    }
    static int Drain() { int s = 0; for (auto& t : g_queue) s |= t(); g_queue.clear(); return s; }
    int main() {
        using namespace BceWithLogits;
        if (!AclnnAvailable()) {
            std::printf("NOT AVAILABLE\n");
            return 2;
        }
        // x is a view at offset 3 of a bigger storage: the aclTensor keeps sizes, strides and offset.
        at::Tensor base = at::arange(9, at::kFloat);
        at::Tensor x = base.slice(0, 3, 9).view({2, 3});
        at::Tensor y = at::zeros({2, 3});
        at::Tensor pw = at::ones({3}, at::kHalf);
        at::Tensor out = at::empty({}, x.options());
        AclnnForward(x, y, c10::nullopt, pw, 1, out);
        Expect({"create [2,3] strides [3,1] storage [9] offset 3 dtype 0 format 2",
                "create [2,3] strides [3,1] storage [6] offset 0 dtype 0 format 2",
                "create [3] strides [1] storage [3] offset 0 dtype 1 format 2",
                "create [] strides [] storage [1] offset 0 dtype 0 format 2",
                "stream",
                "fwd_ws x [2,3] target [2,3] weight null pos_weight [3] reduction 1 out []",
                "queue aclnnBceWithLogits"});
        CHECK(g_queue.size() == 1);  // queued behind earlier ops, not run inline
        CHECK(Drain() == 0);
        Expect({"fwd_run ws set size 16777248 executor 0xe1 stream 0x5eed",
                "destroy [2,3]", "destroy [2,3]", "destroy [3]", "destroy []"});
        CHECK(out.item<float>() == 45.0f);  // 42 + x[0] = 42 + base[3]: the data address and offset

        at::Tensor w = at::ones({2, 1}, at::kBFloat16);
        at::Tensor g = at::ones({2, 3});
        at::Tensor grad = at::empty_like(x);
        AclnnGrad(x, y, w, c10::nullopt, g, 0, true, grad);
        CHECK(Drain() == 0);
        CHECK(g_log.size() == 14 && g_log[6] == "grad_ws weight [2,1] pos_weight null grad_output [2,3] reduction 0 "
                                                 "grad_target 1 out [2,3]");
        CHECK(g_log[7] == "queue aclnnBceWithLogitsGrad");
        CHECK(g_log[8] == "grad_run ws null size 0 executor 0xe2 stream 0x5eed");  // no workspace asked: none
        CHECK(g_log[2].find("dtype 27") != std::string::npos);  // bf16 weight as ACL_BF16
        CHECK(g_log[13] == "destroy [2,3]" && g_log[9].rfind("destroy", 0) == 0);  // 5 views, none for pos_weight
        std::printf(failures == 0 ? "ALL OK\n" : "%d FAILURES\n", failures);
        return failures == 0 ? 0 : 1;
    }
"""


@pytest.mark.skipif(shutil.which("g++") is None or sys.platform != "linux", reason="needs g++ on Linux")
def test_aclnn_route_with_a_recording_runtime_and_a_fake_op_package(tmp_path):
    torch = pytest.importorskip("torch")
    import torch.utils.cpp_extension as torch_ext
    for name, text in {**CANN_STUBS, "fake_tensor.h": FAKE_TENSOR_H}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    for name, text in {"fake_runtime.cpp": FAKE_RUNTIME, "fake_opapi.cpp": FAKE_OPAPI, "driver.cpp": DRIVER}.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    abi = f"-D_GLIBCXX_USE_CXX11_ABI={int(torch._C._GLIBCXX_USE_CXX11_ABI)}"
    includes = [f"-I{p}" for p in torch_ext.include_paths()] + [f"-I{tmp_path}", f"-I{ROOT}", f"-I{CANN}"]
    vendor_lib = tmp_path / "vendors" / "ascend_bce" / "op_api" / "lib"
    vendor_lib.mkdir(parents=True)
    opapi = subprocess.Popen(["g++", "-std=c++17", "-shared", "-fPIC", abi, f"-I{tmp_path}", str(tmp_path / "fake_opapi.cpp"),
                              "-o", str(vendor_lib / "libcust_opapi.so")], stderr=subprocess.PIPE, text=True)
    torch_lib = Path(torch.__file__).parent / "lib"
    exe = tmp_path / "driver"
    build = subprocess.run(["g++", "-std=c++20", "-O0", abi, *includes, str(tmp_path / "driver.cpp"),
                            str(tmp_path / "fake_runtime.cpp"), str(CANN / "torch_npu_aclnn.cpp"),
                            str(CANN / "npu_launch_rules.cpp"), "-rdynamic", f"-L{torch_lib}", "-ltorch_cpu", "-lc10",
                            f"-Wl,-rpath,{torch_lib}", "-ldl", "-o", str(exe)],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-3000:]
    _, opapi_errors = opapi.communicate(timeout=120)
    assert opapi.returncode == 0, opapi_errors
    env = {**os.environ, "ASCEND_CUSTOM_OPP_PATH": f"{tmp_path / 'nothing'}:{tmp_path / 'vendors' / 'ascend_bce'}"}
    env.pop("ASCEND_OPP_PATH", None)
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60, env=env)
    assert run.returncode == 0 and "ALL OK" in run.stdout, run.stdout + run.stderr
    # Not installed: the route reports unavailable (the adapter then launches its own kernels).
    missing = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60,
                             env={**env, "ASCEND_CUSTOM_OPP_PATH": str(tmp_path / "nothing")})
    assert missing.returncode == 2 and "NOT AVAILABLE" in missing.stdout
