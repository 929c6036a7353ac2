// Reads one call of BceWithLogits / BceWithLogitsGrad from a gert context into the plain OppCall,
// and turns exceptions of the pure logic into GRAPH_FAILED with a message. CANN types only here.
#ifndef BCE_WITH_LOGITS_OPP_CONTEXT_H
#define BCE_WITH_LOGITS_OPP_CONTEXT_H

#include <cstdio>
#include <exception>
#include <functional>
#include <stdexcept>
#include <optional>
#include <string>
#include <vector>

#include "register/op_def_registry.h"
#include "bce_with_logits_opp_call.h"

namespace BceWithLogits {

inline std::vector<int64_t> Dims(const gert::Shape& shape)
{
    std::vector<int64_t> dims(shape.GetDimNum());
    for (size_t i = 0; i < dims.size(); ++i) {
        dims[i] = shape.GetDim(i);
    }
    return dims;
}

// The names DTypeFromName accepts; anything else keeps its number for the error message.
inline std::string DTypeName(ge::DataType dtype)
{
    switch (dtype) {
        case ge::DT_FLOAT:
            return "float32";
        case ge::DT_FLOAT16:
            return "float16";
        case ge::DT_BF16:
            return "bfloat16";
        default:
            return "ge::DataType(" + std::to_string(static_cast<int>(dtype)) + ")";
    }
}

inline ge::DataType GeDataType(DType dtype)
{
    switch (dtype) {
        case DType::FLOAT16:
            return ge::DT_FLOAT16;
        case DType::BFLOAT16:
            return ge::DT_BF16;
        case DType::FLOAT32:
        default:
            return ge::DT_FLOAT;
    }
}

// One IR input as the context holds it (nullopt: an OPTIONAL input the caller left out).
using InputReader = std::function<std::optional<OppTensor>(size_t irIndex, bool optional)>;

// Inputs in IR order and the attrs (absent optional attrs take the OpDef's defaults).
inline OppCall ReadCall(bool grad, const gert::RuntimeAttrs* attrs, const InputReader& read)
{
    OppCall call;
    auto required = [&read](size_t ir, const char* name) {
        std::optional<OppTensor> t = read(ir, false);
        if (!t) {
            throw std::invalid_argument(std::string(name) + ": missing");
        }
        return *t;
    };
    call.x = required(IR_X, "x");
    call.target = required(IR_TARGET, "target");
    call.weight = read(IR_WEIGHT, true);
    call.posWeight = read(IR_POS_WEIGHT, true);
    const int64_t* reduction = attrs ? attrs->GetInt(ATTR_REDUCTION) : nullptr;
    call.reduction = reduction ? *reduction : DEFAULT_REDUCTION;
    call.kernel = KernelKind::FORWARD;
    if (grad) {
        call.gradOutput = required(IR_GRAD_OUTPUT, "grad_output");
        const bool* gradTarget = attrs ? attrs->GetBool(ATTR_GRAD_TARGET) : nullptr;
        call.kernel = GradKernelKind(gradTarget != nullptr && *gradTarget);
    }
    return call;
}

// Runs `body`; a rejected call logs "<op> <node>: <reason>" and fails the graph/launch.
inline ge::graphStatus Guarded(const char* op, const char* node, const std::function<void()>& body)
{
    try {
        body();
        return ge::GRAPH_SUCCESS;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "[ascend_bce] %s %s: %s\n", op, node ? node : "", e.what());
        return ge::GRAPH_FAILED;
    }
}

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_OPP_CONTEXT_H
