// Pure logic of the MindSpore CPU "aot" custom ops (mindspore_aot.cpp): what one entry point is,
// how MindSpore's aot arguments (ndims, shapes, dtype names) become the adapters' NpuCall, and the
// C++ infer-shape rule that lets GRAPH_MODE compile dynamic shapes. No MindSpore headers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "op_host/cann/npu_request.h"

namespace BceWithLogits {

// MindSpore's markers in an infer-shape call: -1 an unknown dim, the shape {-2} an unknown rank.
constexpr int64_t AOT_DYNAMIC_DIM = -1;
constexpr int64_t AOT_DYNAMIC_RANK = -2;

// What one exported entry point computes. Its parameters follow the op package's aclnn order
// (op_host/opp): x, target, weight?, pos_weight?, [grad_output,] out.
struct AotSignature {
    KernelKind kernel = KernelKind::FORWARD;
    Reduction reduction = Reduction::MEAN;
    bool hasWeight = false;
    bool hasPosWeight = false;

    size_t NumInputs() const;  // tensors before the output
};

// The entry point's name, "BceWithLogitsAot" + Forward|Backward|TargetBackward + None|Mean|Sum +
// XY|XYW|XYP|XYWP; MindSpore looks up its infer function as this name + "InferShape".
std::string AotEntryName(const AotSignature& sig);

// Every signature, in a fixed order (what the library exports; the tests list it).
std::vector<AotSignature> AllAotSignatures();

// The call as the adapters' request logic takes it (shapes, dtype names as MindSpore spells them,
// the simulated SoC), from the first sig.NumInputs() entries of MindSpore's aot arrays.
NpuCall AotCall(const AotSignature& sig, const int* ndims, const int64_t* const* shapes,
                const char* const* dtypes, const std::string& socName);

// The output shape for the inputs' shapes (MindSpore's infer-shape contract): 'none' and the
// backward keep the input's shape (unknown dims and rank pass through), 'mean'/'sum' give [].
// Static shapes are validated as the kernels need (std::invalid_argument naming the rule).
std::vector<int64_t> AotInferShape(const AotSignature& sig, const int* ndims, const int64_t* const* shapes);

}  // namespace BceWithLogits
