"""The torch_npu adapter's capture-safety rules (op_host/cann/npu_launch_rules.*), compiled with g++
and driven by a recording fake of the runtime: the aclnn call sequence (the op-plugin EXEC_NPU_CMD
pattern), where the op package's library is looked for, and the persistent device tiling buffers of
the kernel-launch route (one upload per distinct tiling, outside capture; reused; refused while
capturing if missing). The fake records every runtime call, so "nothing else is called" (no stream
sync, no host-to-device copy per call) is asserted on the recorded list."""
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

RULES_TEST = textwrap.dedent(r"""
    #include <cstdio>
    #include <stdexcept>
    #include <string>
    #include <vector>
    #include "op_host/cann/npu_launch_rules.h"
    using namespace BceWithLogits;
    static int failures = 0;
    #define CHECK(cond) do { if (!(cond)) { std::printf("FAIL line %d: %s\n", __LINE__, #cond); ++failures; } } while (0)

    // A recording runtime: every call the rules make goes through it.
    struct Recorder {
        std::vector<std::string> calls;
        uint64_t workspaceSize = 0;
        int workspaceStatus = 0;
        int launchStatus = 0;
        uint64_t allocated = 0;
        void* workspacePtr = reinterpret_cast<void*>(0x1000);
        void* executor = reinterpret_cast<void*>(0x2000);
        void* launchedWorkspace = nullptr;
        std::vector<std::function<int()>> queue;  // the framework's task queue: runs later

        AclnnCall Call() {
            AclnnCall c;
            c.getWorkspaceSize = [this](uint64_t* size, void** exec) {
                calls.push_back("getWorkspaceSize"); *size = workspaceSize; *exec = executor; return workspaceStatus; };
            c.allocateWorkspace = [this](uint64_t bytes) { calls.push_back("allocate"); allocated = bytes; return workspacePtr; };
            c.submit = [this](const std::function<int()>& task) { calls.push_back("submit"); queue.push_back(task); };
            c.launch = [this](void* ws, uint64_t bytes, void* exec) {
                calls.push_back("launch"); launchedWorkspace = ws;
                CHECK(bytes == workspaceSize && exec == executor); return launchStatus; };
            c.release = [this] { calls.push_back("release"); };
            return c;
        }
        int Drain() { int status = 0; for (auto& t : queue) status |= t(); queue.clear(); return status; }
    };

    static std::vector<std::string> Seq(std::initializer_list<const char*> names) {
        return std::vector<std::string>(names.begin(), names.end()); }

    int main() {
        // The aclnn sequence: sizes on the host, workspace from the allocator, the launch queued.
        Recorder r; r.workspaceSize = 16u * 1024 * 1024 + 64;
        RunAclnn("aclnnBceWithLogits", r.Call());
        CHECK(r.calls == Seq({"getWorkspaceSize", "allocate", "submit"}));  // nothing launched yet
        CHECK(r.allocated == r.workspaceSize);
        CHECK(r.Drain() == 0);
        CHECK(r.calls == Seq({"getWorkspaceSize", "allocate", "submit", "launch", "release"}));
        CHECK(r.launchedWorkspace == r.workspacePtr);

        // No workspace asked: no allocation, a null workspace.
        Recorder none;
        RunAclnn("aclnnBceWithLogitsGrad", none.Call());
        none.Drain();
        CHECK(none.calls == Seq({"getWorkspaceSize", "submit", "launch", "release"}));
        CHECK(none.launchedWorkspace == nullptr);

        // A failing GetWorkspaceSize: operands released, nothing allocated or queued, the API named.
        Recorder bad; bad.workspaceStatus = 161002;
        try { RunAclnn("aclnnBceWithLogits", bad.Call()); CHECK(false); }
        catch (const std::runtime_error& e) {
            CHECK(std::string(e.what()).find("aclnnBceWithLogitsGetWorkspaceSize failed with status 161002") != std::string::npos); }
        CHECK(bad.calls == Seq({"getWorkspaceSize", "release"}) && bad.queue.empty());

        // A failing launch: its status goes back to the queue (which reports it); released anyway.
        Recorder failing; failing.launchStatus = 507015;
        RunAclnn("aclnnBceWithLogits", failing.Call());
        CHECK(failing.Drain() == 507015 && failing.calls.back() == "release");

        // Library lookup: each ASCEND_CUSTOM_OPP_PATH entry, then the vendor dir under ASCEND_OPP_PATH.
        // (ascend_bce.opp.candidate_dirs' rule: an entry is the vendor dir if it ends in /ascend_bce.)
        auto c = OpApiLibraryCandidates("/a/vendors/ascend_bce::/b/", "/opp");
        CHECK(c.size() == 3);
        CHECK(c[0] == "/a/vendors/ascend_bce/op_api/lib/libcust_opapi.so");
        CHECK(c[1] == "/b/vendors/ascend_bce/op_api/lib/libcust_opapi.so");
        CHECK(c[2] == "/opp/vendors/ascend_bce/op_api/lib/libcust_opapi.so");
        CHECK(OpApiLibraryCandidates("/site/ascend_bce/_opp/vendors/ascend_bce/", nullptr)[0] ==
              "/site/ascend_bce/_opp/vendors/ascend_bce/op_api/lib/libcust_opapi.so");
        CHECK(OpApiLibraryCandidates(nullptr, nullptr).empty() && OpApiLibraryCandidates("", "").empty());

        // Persistent tiling buffers: one upload per distinct tiling, outside capture, then reused.
        DeviceTilingCache cache;
        int uploads = 0;
        std::vector<std::vector<uint8_t>> uploaded;
        auto upload = [&](const std::vector<uint8_t>& bytes) {
            uploaded.push_back(bytes); return reinterpret_cast<void*>(0x9000 + 0x100 * ++uploads); };
        const std::vector<uint8_t> t1(408, 1), t2(408, 2);
        void* p1 = cache.Get(t1, false, upload);
        CHECK(uploads == 1 && uploaded[0] == t1);
        for (int i = 0; i < 100; ++i) {  // eager and captured calls of a warmed-up signature: no copy
            CHECK(cache.Get(t1, i % 2 == 0, upload) == p1);
        }
        CHECK(uploads == 1);
        try { cache.Get(t2, true, upload); CHECK(false); }  // capturing and not warmed up: refused
        catch (const std::runtime_error& e) {
            CHECK(std::string(e.what()).find("run the same call once before capturing") != std::string::npos); }
        CHECK(uploads == 1 && cache.Size() == 1);
        void* p2 = cache.Get(t2, false, upload);
        CHECK(uploads == 2 && p2 != p1 && cache.Get(t2, true, upload) == p2 && cache.Size() == 2);
        // A failed upload caches nothing: the next call tries again.
        DeviceTilingCache fresh;
        try { fresh.Get(t1, false, [](const std::vector<uint8_t>&) -> void* { throw std::runtime_error("oom"); }); }
        catch (const std::runtime_error&) {}
        CHECK(fresh.Size() == 0 && fresh.Get(t1, false, upload) != nullptr && fresh.Size() == 1);

        std::printf(failures == 0 ? "ALL OK\n" : "%d FAILURES\n", failures);
        return failures == 0 ? 0 : 1;
    }
""")


@pytest.mark.skipif(shutil.which("g++") is None, reason="g++ not installed")
def test_launch_rules_with_a_recording_runtime(tmp_path):
    src = tmp_path / "test_launch_rules.cpp"
    src.write_text(RULES_TEST)
    exe = tmp_path / "test_launch_rules"
    build = subprocess.run(["g++", "-std=c++17", "-O0", "-Wall", "-Wextra", "-Werror", f"-I{ROOT}", str(src),
                            str(ROOT / "op_host" / "cann" / "npu_launch_rules.cpp"), "-o", str(exe)],
                           capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stderr
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0 and "ALL OK" in run.stdout, run.stdout + run.stderr


def test_launch_rules_have_no_cann_or_torch_includes():
    import re
    for name in ("npu_launch_rules.h", "npu_launch_rules.cpp"):
        includes = re.findall(r'#include\s*[<"]([^>"]+)[>"]', (ROOT / "op_host" / "cann" / name).read_text())
        assert not [i for i in includes if i.startswith(("acl", "torch", "ATen", "c10"))], includes
