// InferShape / InferDataType of BceWithLogits and BceWithLogitsGrad (graph mode), on the shared
// shape rules (op_host/bce_with_logits_shape.*, through bce_with_logits_opp_call.*).
#include "bce_with_logits_opp.h"
#include "bce_with_logits_opp_context.h"

using namespace BceWithLogits;

namespace ops {
namespace {

constexpr size_t OUTPUT_INDEX = 0;

std::optional<OppTensor> ShapeOnly(const gert::Shape* shape)
{
    return shape ? std::optional<OppTensor>(OppTensor{Dims(*shape), ""}) : std::nullopt;
}

ge::graphStatus InferShape(gert::InferShapeContext* context, bool grad, const char* op)
{
    if (context == nullptr) {
        return ge::GRAPH_FAILED;
    }
    return Guarded(op, context->GetNodeName(), [&] {
        const OppCall call = ReadCall(grad, context->GetAttrs(), [context](size_t ir, bool optional) {
            return ShapeOnly(optional ? context->GetOptionalInputShape(ir) : context->GetRequiredInputShape(ir));
        });
        const std::vector<int64_t> dims = InferOutputShape(call);
        gert::Shape* out = context->GetOutputShape(OUTPUT_INDEX);
        if (out == nullptr) {
            throw std::invalid_argument("no output shape to fill");
        }
        out->SetDimNum(dims.size());
        for (size_t i = 0; i < dims.size(); ++i) {
            out->SetDim(i, dims[i]);
        }
    });
}

// The output has x's dtype, once x/target/grad_output share a supported one and the optional
// operands have one.
ge::graphStatus InferDataType(gert::InferDataTypeContext* context, bool grad, const char* op)
{
    if (context == nullptr) {
        return ge::GRAPH_FAILED;
    }
    return Guarded(op, context->GetNodeName(), [&] {
        const OppCall call = ReadCall(grad, context->GetAttrs(), [context](size_t ir, bool optional) {
            const ge::DataType dt =
                optional ? context->GetOptionalInputDataType(ir) : context->GetRequiredInputDataType(ir);
            return dt == ge::DT_UNDEFINED ? std::nullopt : std::optional<OppTensor>(OppTensor{{}, DTypeName(dt)});
        });
        const ge::DataType out = GeDataType(InferOutputDType(call));
        if (context->SetOutputDataType(OUTPUT_INDEX, out) != ge::GRAPH_SUCCESS) {
            throw std::invalid_argument("cannot set the output dtype");
        }
    });
}

}  // namespace

ge::graphStatus InferShapeBceWithLogits(gert::InferShapeContext* context)
{
    return InferShape(context, false, "BceWithLogits");
}

ge::graphStatus InferShapeBceWithLogitsGrad(gert::InferShapeContext* context)
{
    return InferShape(context, true, "BceWithLogitsGrad");
}

ge::graphStatus InferDataTypeBceWithLogits(gert::InferDataTypeContext* context)
{
    return InferDataType(context, false, "BceWithLogits");
}

ge::graphStatus InferDataTypeBceWithLogitsGrad(gert::InferDataTypeContext* context)
{
    return InferDataType(context, true, "BceWithLogitsGrad");
}

}  // namespace ops
