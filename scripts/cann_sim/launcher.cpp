// CANN-simulator launcher of the bce_with_logits kernels (scripts/run_cann_sim.sh): reads one case
// folder written by golden.py (meta.txt + raw inputs), tiles it with the shared host logic, runs the
// kernel through its kernel-launch function on the camodel runtime (RUN_MODE=sim), and writes
// out.bin for golden.py to compare. Usage: bce_cann_sim_launcher <case dir> <soc, e.g. Ascend910B1>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "acl/acl.h"
#include "aclrtlaunch_bce_with_logits.h"
#include "aclrtlaunch_bce_with_logits_grad.h"
#include "op_host/cann/npu_request.h"

using namespace BceWithLogits;

namespace {

constexpr int32_t DEVICE_ID = 0;

void Check(aclError status, const char* what)
{
    if (status != ACL_SUCCESS) {
        throw std::runtime_error(std::string(what) + " failed with aclError " + std::to_string(status));
    }
}

// meta.txt: "key v1 v2 ..." per line; a key alone is a 0-d shape.
std::map<std::string, std::vector<std::string>> ReadMeta(const std::string& dir)
{
    std::ifstream in(dir + "/meta.txt");
    if (!in) {
        throw std::runtime_error("cannot read " + dir + "/meta.txt");
    }
    std::map<std::string, std::vector<std::string>> meta;
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string key;
        words >> key;
        meta[key] = {std::istream_iterator<std::string>(words), std::istream_iterator<std::string>()};
    }
    return meta;
}

std::vector<int64_t> ShapeOf(const std::vector<std::string>& words)
{
    std::vector<int64_t> shape;
    for (const std::string& w : words) {
        shape.push_back(std::stoll(w));
    }
    return shape;
}

std::vector<char> ReadFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path);
    }
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// One device buffer, freed at scope exit; empty host data -> nullptr (an absent operand).
class DeviceBuffer {
public:
    DeviceBuffer() = default;
    explicit DeviceBuffer(size_t bytes) : bytes_(bytes)
    {
        if (bytes_ > 0) {
            Check(aclrtMalloc(&ptr_, bytes_, ACL_MEM_MALLOC_HUGE_FIRST), "aclrtMalloc");
        }
    }
    DeviceBuffer(const void* host, size_t bytes) : DeviceBuffer(bytes)
    {
        if (bytes_ > 0) {
            Check(aclrtMemcpy(ptr_, bytes_, host, bytes_, ACL_MEMCPY_HOST_TO_DEVICE), "aclrtMemcpy H2D");
        }
    }
    explicit DeviceBuffer(const std::vector<char>& host) : DeviceBuffer(host.data(), host.size()) {}
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    ~DeviceBuffer()
    {
        if (ptr_ != nullptr) {
            (void)aclrtFree(ptr_);
        }
    }
    void* Get() const { return ptr_; }
    std::vector<char> ToHost() const
    {
        std::vector<char> host(bytes_);
        if (bytes_ > 0) {
            Check(aclrtMemcpy(host.data(), bytes_, ptr_, bytes_, ACL_MEMCPY_DEVICE_TO_HOST), "aclrtMemcpy D2H");
        }
        return host;
    }

private:
    void* ptr_ = nullptr;
    size_t bytes_ = 0;
};

KernelKind KindOf(const std::string& name)
{
    if (name == "forward") return KernelKind::FORWARD;
    if (name == "backward") return KernelKind::BACKWARD;
    if (name == "backward_target") return KernelKind::BACKWARD_TARGET;
    throw std::invalid_argument("meta.txt: unknown kernel '" + name + "'");
}

NpuCall CallOf(std::map<std::string, std::vector<std::string>>& meta, const std::string& soc)
{
    NpuCall call;
    call.kernel = KindOf(meta.at("kernel").at(0));
    call.inputShape = call.targetShape = ShapeOf(meta.at("input_shape"));
    call.inputDtype = call.targetDtype = meta.at("dtype").at(0);
    call.reduction = std::stoll(meta.at("reduction").at(0));
    for (const char* name : {"weight", "pos_weight"}) {
        if (meta.count(std::string(name) + "_shape")) {
            NpuOperand op{ShapeOf(meta.at(std::string(name) + "_shape")), meta.at(std::string(name) + "_dtype").at(0)};
            (std::string(name) == "weight" ? call.weight : call.posWeight) = op;
        }
    }
    if (meta.count("grad_output_shape")) {
        call.gradOutputShape = ShapeOf(meta.at("grad_output_shape"));
        call.gradOutputDtype = call.inputDtype;
    }
    call.socName = soc;
    return call;
}

std::vector<char> ReadOptional(const std::string& path, bool present)
{
    return present ? ReadFile(path) : std::vector<char>{};
}

void RunCase(const std::string& dir, const std::string& soc, aclrtStream stream)
{
    auto meta = ReadMeta(dir);
    const NpuCall call = CallOf(meta, soc);
    const TilingRequest req = BuildTilingRequest(call);
    const TilingData tiling = ComputeCheckedTiling(req);
    const uint64_t elemBytes = DTypeBytes(req.dtype);
    const uint64_t outBytes = NumElements(ShapeOf(meta.at("output_shape"))) * elemBytes;

    std::vector<char> result(outBytes);
    if (tiling.totalLength == 0) {  // nothing to launch; torch's values for an empty input
        if (call.kernel == KernelKind::FORWARD && req.reduction != Reduction::NONE) {
            const float value = EmptyReductionValue(req.reduction);  // fp32 cases only in the list
            std::memcpy(result.data(), &value, std::min<size_t>(sizeof value, result.size()));
        }
    } else {
        const DeviceBuffer x(ReadFile(dir + "/input.bin"));
        const DeviceBuffer y(ReadFile(dir + "/target.bin"));
        const DeviceBuffer w(ReadOptional(dir + "/weight.bin", call.weight.has_value()));
        const DeviceBuffer pw(ReadOptional(dir + "/pos_weight.bin", call.posWeight.has_value()));
        const DeviceBuffer out(outBytes);
        const DeviceBuffer tilingGm(&tiling, sizeof tiling);
        uint32_t status = 0;
        if (call.kernel == KernelKind::FORWARD) {
            const DeviceBuffer workspace(LaunchWorkspaceBytes(tiling));
            status = ACLRT_LAUNCH_KERNEL(bce_with_logits)(tiling.blockDim, stream, x.Get(), y.Get(), w.Get(), pw.Get(),
                                                          out.Get(), workspace.Get(), tilingGm.Get());
            Check(status == 0 ? aclrtSynchronizeStream(stream) : static_cast<aclError>(status), "bce_with_logits");
        } else {
            const DeviceBuffer g(ReadFile(dir + "/grad_output.bin"));
            status = ACLRT_LAUNCH_KERNEL(bce_with_logits_grad)(tiling.blockDim, stream, x.Get(), y.Get(), w.Get(),
                                                               pw.Get(), g.Get(), out.Get(), nullptr, tilingGm.Get());
            Check(status == 0 ? aclrtSynchronizeStream(stream) : static_cast<aclError>(status), "bce_with_logits_grad");
        }
        result = out.ToHost();
    }
    std::ofstream(dir + "/out.bin", std::ios::binary).write(result.data(), static_cast<std::streamsize>(result.size()));
    std::printf("launcher: %s: %u block(s), %llu element(s)\n", dir.c_str(), tiling.blockDim,
                static_cast<unsigned long long>(tiling.totalLength));
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s <case dir> <soc>\n", argv[0]);
        return 2;
    }
    aclrtStream stream = nullptr;
    try {
        Check(aclInit(nullptr), "aclInit");
        Check(aclrtSetDevice(DEVICE_ID), "aclrtSetDevice");
        Check(aclrtCreateStream(&stream), "aclrtCreateStream");
        RunCase(argv[1], argv[2], stream);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "launcher: %s: %s\n", argv[1], e.what());
        if (stream != nullptr) {
            (void)aclrtDestroyStream(stream);
        }
        (void)aclFinalize();
        return 1;
    }
    (void)aclrtDestroyStream(stream);
    (void)aclrtResetDevice(DEVICE_ID);
    (void)aclFinalize();
    return 0;
}
