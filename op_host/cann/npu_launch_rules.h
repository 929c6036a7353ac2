// Pure launch rules of the torch_npu adapter, kept free of CANN and torch headers so that a test
// drives them with a recording fake of the runtime: the aclnn call sequence (the op-plugin
// EXEC_NPU_CMD pattern), where the op package's libcust_opapi.so is looked for, and the
// persistent device copies of tiling bytes that the kernel-launch route reads. Together they are
// what makes a call capture-safe (aclgraph / npugraph_ex): no stream or device sync, no
// host-to-device copy of a host temporary, workspace from the framework's stream-ordered
// allocator, the launch on the current stream.
#ifndef BCE_WITH_LOGITS_NPU_LAUNCH_RULES_H
#define BCE_WITH_LOGITS_NPU_LAUNCH_RULES_H

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace BceWithLogits {

// The op package's vendor name and the aclnn library it installs (op_host/opp/README.md).
constexpr const char* OPP_VENDOR = "ascend_bce";
constexpr const char* OPP_API_LIBRARY = "libcust_opapi.so";

// Where libcust_opapi.so may be, in the order CANN resolves custom packages and as
// ascend_bce.opp.candidate_dirs() lists them: each entry of $ASCEND_CUSTOM_OPP_PATH
// (':'-separated; the vendor dir itself when it ends in /ascend_bce, else <entry>/vendors/ascend_bce),
// then $ASCEND_OPP_PATH/vendors/ascend_bce; the library is <vendor dir>/op_api/lib/libcust_opapi.so.
// Null or empty variables add nothing. (A pip-bundled copy is on $ASCEND_CUSTOM_OPP_PATH once
// `import ascend_bce` ran.)
std::vector<std::string> OpApiLibraryCandidates(const char* customOppPath, const char* oppPath);

// One aclnn launch as the adapter binds it (operands already converted to aclTensor*):
//   getWorkspaceSize  aclnn<Op>GetWorkspaceSize(..., &size, &executor): host tiling, no device work
//   allocateWorkspace the framework's caching allocator on the current stream (stream-ordered, so
//                     the memory stays valid for the launch also inside a graph capture)
//   submit            the framework's launch queue (torch_npu's task queue), which runs `launch`
//                     after every op enqueued before it, on the current stream
//   launch            aclnn<Op>(workspace, size, executor, stream)
//   release           frees the converted operands once the launch has been issued
struct AclnnCall {
    std::function<int(uint64_t* workspaceSize, void** executor)> getWorkspaceSize;
    std::function<void*(uint64_t bytes)> allocateWorkspace;
    std::function<void(const std::function<int()>& task)> submit;
    std::function<int(void* workspace, uint64_t workspaceSize, void* executor)> launch;
    std::function<void()> release;
};

// Runs the sequence: getWorkspaceSize, allocateWorkspace only when the size is not 0 (else a null
// workspace), then submit a task that launches, releases and returns the launch's status (the
// queue reports a failure). A nonzero getWorkspaceSize status releases and throws
// std::runtime_error naming `api`GetWorkspaceSize and the status. Nothing else is called.
void RunAclnn(const std::string& api, const AclnnCall& call);

// Device copies of tiling bytes for the kernel-launch route, made once per distinct tiling and
// kept for the process (a replayed graph reads them at replay time, so they must outlive it; a
// tiling is a few hundred bytes and one exists per shape/dtype/reduction signature in use).
// The copy is made outside capture only: while the stream is capturing, a tiling not yet on the
// device is refused with a message saying to run the call once before capturing.
class DeviceTilingCache {
public:
    using Upload = std::function<void*(const std::vector<uint8_t>& bytes)>;

    // The device address holding `bytes`: the cached one, else upload(bytes) (a synchronous copy
    // into new device memory) when not capturing. Throws std::runtime_error while capturing.
    void* Get(const std::vector<uint8_t>& bytes, bool capturing, const Upload& upload);

    size_t Size() const;

private:
    mutable std::mutex mutex_;
    std::map<std::vector<uint8_t>, void*> entries_;
};

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_NPU_LAUNCH_RULES_H
