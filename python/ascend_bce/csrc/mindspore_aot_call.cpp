// Pure logic of the MindSpore CPU "aot" custom ops: signatures, names, calls and infer shape.
#include "mindspore_aot_call.h"

#include <algorithm>
#include <stdexcept>

#include "op_host/bce_with_logits_shape.h"

namespace BceWithLogits {
namespace {

// Position of each tensor in MindSpore's aot arrays (x and target first; output last).
constexpr size_t X_INDEX = 0;
constexpr size_t TARGET_INDEX = 1;
constexpr size_t FIRST_OPERAND_INDEX = 2;

constexpr KernelKind KINDS[] = {KernelKind::FORWARD, KernelKind::BACKWARD, KernelKind::BACKWARD_TARGET};
constexpr Reduction REDUCTIONS[] = {Reduction::NONE, Reduction::MEAN, Reduction::SUM};

const char* KindName(KernelKind kind)
{
    switch (kind) {
        case KernelKind::FORWARD: return "Forward";
        case KernelKind::BACKWARD: return "Backward";
        case KernelKind::BACKWARD_TARGET: return "TargetBackward";
    }
    throw std::invalid_argument("unknown kernel kind");
}

const char* ReductionName(Reduction reduction)
{
    switch (reduction) {
        case Reduction::NONE: return "None";
        case Reduction::MEAN: return "Mean";
        case Reduction::SUM: return "Sum";
    }
    throw std::invalid_argument("unknown reduction");
}

Shape ShapeAt(const int* ndims, const int64_t* const* shapes, size_t index)
{
    return Shape(shapes[index], shapes[index] + ndims[index]);
}

bool IsStatic(const Shape& shape)
{
    return std::all_of(shape.begin(), shape.end(), [](int64_t d) { return d >= 0; });
}

}  // namespace

size_t AotSignature::NumInputs() const
{
    return FIRST_OPERAND_INDEX + static_cast<size_t>(hasWeight) + static_cast<size_t>(hasPosWeight) +
           (kernel == KernelKind::FORWARD ? 0 : 1);
}

std::string AotEntryName(const AotSignature& sig)
{
    const std::string operands = std::string("XY") + (sig.hasWeight ? "W" : "") + (sig.hasPosWeight ? "P" : "");
    return std::string("BceWithLogitsAot") + KindName(sig.kernel) + ReductionName(sig.reduction) + operands;
}

std::vector<AotSignature> AllAotSignatures()
{
    std::vector<AotSignature> all;
    for (KernelKind kind : KINDS) {
        for (Reduction reduction : REDUCTIONS) {
            for (bool weight : {false, true}) {
                for (bool posWeight : {false, true}) {
                    all.push_back(AotSignature{kind, reduction, weight, posWeight});
                }
            }
        }
    }
    return all;
}

NpuCall AotCall(const AotSignature& sig, const int* ndims, const int64_t* const* shapes,
                const char* const* dtypes, const std::string& socName)
{
    NpuCall call;
    call.kernel = sig.kernel;
    call.inputShape = ShapeAt(ndims, shapes, X_INDEX);
    call.inputDtype = dtypes[X_INDEX];
    call.targetShape = ShapeAt(ndims, shapes, TARGET_INDEX);
    call.targetDtype = dtypes[TARGET_INDEX];
    size_t next = FIRST_OPERAND_INDEX;
    if (sig.hasWeight) {
        call.weight = NpuOperand{ShapeAt(ndims, shapes, next), dtypes[next]};
        ++next;
    }
    if (sig.hasPosWeight) {
        call.posWeight = NpuOperand{ShapeAt(ndims, shapes, next), dtypes[next]};
        ++next;
    }
    if (sig.kernel != KernelKind::FORWARD) {
        call.gradOutputShape = ShapeAt(ndims, shapes, next);
        call.gradOutputDtype = dtypes[next];
    }
    call.reduction = static_cast<int64_t>(sig.reduction);
    call.socName = socName;
    return call;
}

std::vector<int64_t> AotInferShape(const AotSignature& sig, const int* ndims, const int64_t* const* shapes)
{
    std::vector<Shape> inputs;
    for (size_t i = 0; i < sig.NumInputs(); ++i) {
        inputs.push_back(ShapeAt(ndims, shapes, i));
    }
    const Shape& x = inputs[X_INDEX];
    const size_t numOperands = static_cast<size_t>(sig.hasWeight) + static_cast<size_t>(sig.hasPosWeight);
    if (std::all_of(inputs.begin(), inputs.begin() + FIRST_OPERAND_INDEX + numOperands, IsStatic)) {
        size_t next = FIRST_OPERAND_INDEX;
        const std::optional<Shape> weight = sig.hasWeight ? std::optional<Shape>(inputs[next++]) : std::nullopt;
        const std::optional<Shape> posWeight = sig.hasPosWeight ? std::optional<Shape>(inputs[next]) : std::nullopt;
        ValidateShapes(x, inputs[TARGET_INDEX], weight, posWeight);
    }
    if (sig.kernel == KernelKind::FORWARD && sig.reduction != Reduction::NONE) {
        return {};
    }
    return x;  // {-2} (unknown rank) and -1 dims pass through
}

}  // namespace BceWithLogits
