// Pure launch rules of the torch_npu adapter: aclnn sequence, library lookup, tiling cache.
#include "npu_launch_rules.h"

#include <algorithm>
#include <stdexcept>

namespace BceWithLogits {
namespace {

constexpr int ACL_STATUS_SUCCESS = 0;

std::string LibraryIn(const std::string& packageDir)
{
    return packageDir + "/op_api/lib/" + OPP_API_LIBRARY;
}

std::string WithoutTrailingSlash(const std::string& path)
{
    return path.size() > 1 && path.back() == '/' ? path.substr(0, path.size() - 1) : path;
}

// An $ASCEND_CUSTOM_OPP_PATH entry that names our vendor directory itself (what a .run's
// set_env.bash and `import ascend_bce` for a pip-bundled copy add), not an opp root above it.
bool IsVendorDir(const std::string& entry)
{
    const std::string suffix = std::string("/") + OPP_VENDOR;
    return entry == OPP_VENDOR ||
           (entry.size() >= suffix.size() && entry.compare(entry.size() - suffix.size(), suffix.size(), suffix) == 0);
}

void Check(int status, const std::string& api)
{
    if (status != ACL_STATUS_SUCCESS) {
        throw std::runtime_error("ascend_bce: " + api + " failed with status " + std::to_string(status));
    }
}

}  // namespace

std::vector<std::string> OpApiLibraryCandidates(const char* customOppPath, const char* oppPath)
{
    std::vector<std::string> candidates;
    const std::string custom = customOppPath == nullptr ? "" : customOppPath;
    size_t start = 0;
    while (start <= custom.size()) {
        const size_t end = std::min(custom.find(':', start), custom.size());
        if (end > start) {
            const std::string entry = WithoutTrailingSlash(custom.substr(start, end - start));
            candidates.push_back(LibraryIn(IsVendorDir(entry) ? entry : entry + "/vendors/" + OPP_VENDOR));
        }
        start = end + 1;
    }
    if (oppPath != nullptr && *oppPath != '\0') {
        candidates.push_back(LibraryIn(WithoutTrailingSlash(oppPath) + "/vendors/" + OPP_VENDOR));
    }
    return candidates;
}

void RunAclnn(const std::string& api, const AclnnCall& call)
{
    uint64_t workspaceSize = 0;
    void* executor = nullptr;
    const int status = call.getWorkspaceSize(&workspaceSize, &executor);
    if (status != ACL_STATUS_SUCCESS) {
        call.release();
        Check(status, api + "GetWorkspaceSize");
    }
    void* workspace = workspaceSize == 0 ? nullptr : call.allocateWorkspace(workspaceSize);
    const std::function<int(void*, uint64_t, void*)> launch = call.launch;
    const std::function<void()> release = call.release;
    call.submit([launch, release, workspace, workspaceSize, executor] {
        const int launched = launch(workspace, workspaceSize, executor);
        release();
        return launched;  // the queue reports a failed launch (it may run on another thread)
    });
}

void* DeviceTilingCache::Get(const std::vector<uint8_t>& bytes, bool capturing, const Upload& upload)
{
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto found = entries_.find(bytes);
    if (found != entries_.end()) {
        return found->second;
    }
    if (capturing) {
        throw std::runtime_error(
            "ascend_bce: this call's tiling is not on the device yet, and the stream is being captured "
            "(a graph may not copy host memory to the device); run the same call once before capturing "
            "(a warm-up iteration), or install the op package, whose aclnn launch needs no copy");
    }
    void* device = upload(bytes);
    entries_.emplace(bytes, device);
    return device;
}

size_t DeviceTilingCache::Size() const
{
    const std::lock_guard<std::mutex> lock(mutex_);
    return entries_.size();
}

}  // namespace BceWithLogits
