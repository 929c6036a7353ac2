// TilingFunc of BceWithLogits and BceWithLogitsGrad: the shared tiling (ComputeCheckedTiling) for
// the vector cores and UB that PlatformAscendC reports at run time, copied into the framework's
// tiling buffer (the kernel reads it with GET_TILING_DATA_WITH_STRUCT).
#include <cstring>

#include "bce_with_logits_opp.h"
#include "bce_with_logits_opp_context.h"
#include "tiling/platform/platform_ascendc.h"

using namespace BceWithLogits;

namespace optiling {
namespace {

constexpr size_t WORKSPACE_COUNT = 1;  // the framework takes one workspace block

OppPlatform ReadPlatform(const gert::TilingContext& context)
{
    fe::PlatFormInfos* info = context.GetPlatformInfo();
    if (info == nullptr) {
        throw std::invalid_argument("no platform info in the tiling context");
    }
    const platform_ascendc::PlatformAscendC platform(info);
    OppPlatform p;
    p.vectorCores = platform.GetCoreNumAiv();
    platform.GetCoreMemSize(platform_ascendc::CoreMemType::UB, p.ubBytes);
    p.systemWorkspaceBytes = platform.GetLibApiWorkSpaceSize();
    return p;
}

void WriteLaunch(gert::TilingContext& context, const OppLaunch& launch)
{
    // The standard C++ struct route: the framework's buffer, sized to our POD (nullptr if too small).
    TilingData* tiling = context.GetTilingData<TilingData>();
    if (tiling == nullptr) {
        throw std::invalid_argument("the tiling buffer holds fewer than " + std::to_string(sizeof(TilingData)) +
                                    " bytes");
    }
    std::memcpy(tiling, &launch.tiling, sizeof(TilingData));
    size_t* workspaces = context.GetWorkspaceSizes(WORKSPACE_COUNT);
    if (workspaces == nullptr) {
        throw std::invalid_argument("no workspace slot in the tiling context");
    }
    workspaces[0] = launch.workspaceBytes;
    if (context.SetBlockDim(launch.blockDim) != ge::GRAPH_SUCCESS ||
        context.SetScheduleMode(launch.scheduleMode) != ge::GRAPH_SUCCESS ||
        context.SetTilingKey(launch.tilingKey) != ge::GRAPH_SUCCESS) {
        throw std::invalid_argument("the tiling context refused blockDim, schedule mode or tiling key");
    }
}

ge::graphStatus Tiling(gert::TilingContext* context, bool grad, const char* op)
{
    if (context == nullptr) {
        return ge::GRAPH_FAILED;
    }
    return Guarded(op, context->GetNodeName(), [&] {
        const OppCall call = ReadCall(grad, context->GetAttrs(), [context](size_t ir, bool optional) {
            const gert::StorageShape* shape =
                optional ? context->GetOptionalInputShape(ir) : context->GetRequiredInputShape(ir);
            const gert::CompileTimeTensorDesc* desc =
                optional ? context->GetOptionalInputDesc(ir) : context->GetRequiredInputDesc(ir);
            // The kernels index memory row-major: the storage shape (FORMAT_ND only, so the origin's).
            return shape && desc ? std::optional<OppTensor>(OppTensor{Dims(shape->GetStorageShape()),
                                                                      DTypeName(desc->GetDataType())})
                                 : std::nullopt;
        });
        WriteLaunch(*context, PlanOppLaunch(call, ReadPlatform(*context)));
    });
}

}  // namespace

ge::graphStatus TilingBceWithLogits(gert::TilingContext* context)
{
    return Tiling(context, false, "BceWithLogits");
}

ge::graphStatus TilingBceWithLogitsGrad(gert::TilingContext* context)
{
    return Tiling(context, true, "BceWithLogitsGrad");
}

}  // namespace optiling
