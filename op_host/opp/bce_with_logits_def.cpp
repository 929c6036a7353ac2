// OpDefs of the op package: BceWithLogits and BceWithLogitsGrad for Atlas A2 (ascend910b). The
// aclnn API CANN generates from them is written out in op_host/opp/README.md.
#include <vector>

#include "bce_with_logits_opp.h"
#include "bce_with_logits_opp_context.h"

namespace ops {
namespace {

// Column lists of the OpDef: row r of every input/output is one supported dtype combination.
struct DTypeColumns {
    std::vector<ge::DataType> value;  // x, target, output (and grad_output)
    std::vector<ge::DataType> weight;
    std::vector<ge::DataType> posWeight;
    std::vector<ge::Format> formats;
    // One kernel binary serves every row: the entries dispatch on the dtypes in the tiling at run
    // time, so each row looks its binary up as the all-fp32 row (DataTypeForBinQuery; that row is
    // one of the declared ones, as the API requires) instead of compiling 27 identical ones.
    std::vector<ge::DataType> binQuery;
};

DTypeColumns Columns()
{
    DTypeColumns c;
    for (const BceWithLogits::DTypeRow& row : BceWithLogits::SupportedDTypeRows()) {
        c.value.push_back(BceWithLogits::GeDataType(row.value));
        c.weight.push_back(BceWithLogits::GeDataType(row.weight));
        c.posWeight.push_back(BceWithLogits::GeDataType(row.posWeight));
        c.formats.push_back(ge::FORMAT_ND);  // the kernels index row-major memory
        c.binQuery.push_back(ge::DT_FLOAT);
    }
    return c;
}

OpParamDef& Param(OpParamDef& param, Option type, const std::vector<ge::DataType>& dtypes, const DTypeColumns& c)
{
    return param.ParamType(type).DataType(dtypes).DataTypeForBinQuery(c.binQuery).Format(c.formats);
}

// The inputs both OpTypes start with, in the kernel entries' order, and the reduction attribute.
void DefineCommon(OpDef& def, const DTypeColumns& c)
{
    Param(def.Input("x"), REQUIRED, c.value, c);
    Param(def.Input("target"), REQUIRED, c.value, c);
    Param(def.Input("weight"), OPTIONAL, c.weight, c);
    Param(def.Input("pos_weight"), OPTIONAL, c.posWeight, c);
}

// at::Reduction codes (0 none, 1 mean, 2 sum), as torch's aclnnBinaryCrossEntropyWithLogits.
void DefineReduction(OpDef& def)
{
    def.Attr("reduction").AttrType(OPTIONAL).Int(BceWithLogits::DEFAULT_REDUCTION);
}

// Atlas A2 only: the kernels' UB plan and SyncAll use are made for dav-2201.
constexpr const char* A2_COMPUTE_UNIT = "ascend910b";

}  // namespace

class BceWithLogits : public OpDef {
public:
    explicit BceWithLogits(const char* name) : OpDef(name)
    {
        const DTypeColumns c = Columns();
        DefineCommon(*this, c);
        DefineReduction(*this);
        Param(this->Output("y"), REQUIRED, c.value, c);
        this->SetInferShape(InferShapeBceWithLogits).SetInferDataType(InferDataTypeBceWithLogits);
        this->AICore().SetTiling(optiling::TilingBceWithLogits).AddConfig(A2_COMPUTE_UNIT);
    }
};

// grad = dL/dx, or dL/dtarget with grad_target = true (one kernel; see op_host/opp/README.md).
class BceWithLogitsGrad : public OpDef {
public:
    explicit BceWithLogitsGrad(const char* name) : OpDef(name)
    {
        const DTypeColumns c = Columns();
        DefineCommon(*this, c);
        Param(this->Input("grad_output"), REQUIRED, c.value, c);
        DefineReduction(*this);
        this->Attr("grad_target").AttrType(OPTIONAL).Bool(false);
        Param(this->Output("grad"), REQUIRED, c.value, c);
        this->SetInferShape(InferShapeBceWithLogitsGrad).SetInferDataType(InferDataTypeBceWithLogitsGrad);
        this->AICore().SetTiling(optiling::TilingBceWithLogitsGrad).AddConfig(A2_COMPUTE_UNIT);
    }
};

OP_ADD(BceWithLogits);
OP_ADD(BceWithLogitsGrad);

}  // namespace ops
