// The op package's CANN entry points (registered by the OpDefs in bce_with_logits_def.cpp).
#ifndef BCE_WITH_LOGITS_OPP_H
#define BCE_WITH_LOGITS_OPP_H

#include "register/op_def_registry.h"

namespace optiling {
ge::graphStatus TilingBceWithLogits(gert::TilingContext* context);
ge::graphStatus TilingBceWithLogitsGrad(gert::TilingContext* context);
}  // namespace optiling

namespace ops {
ge::graphStatus InferShapeBceWithLogits(gert::InferShapeContext* context);
ge::graphStatus InferShapeBceWithLogitsGrad(gert::InferShapeContext* context);
ge::graphStatus InferDataTypeBceWithLogits(gert::InferDataTypeContext* context);
ge::graphStatus InferDataTypeBceWithLogitsGrad(gert::InferDataTypeContext* context);
}  // namespace ops

#endif  // BCE_WITH_LOGITS_OPP_H
