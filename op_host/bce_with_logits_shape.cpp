// Shape rules of bce_with_logits: validation, broadcast collapsing and the output shape.
#include "bce_with_logits_shape.h"

#include <limits>
#include <sstream>
#include <stdexcept>

namespace BceWithLogits {
namespace {

void CheckNonNegative(const Shape& shape, const char* name)
{
    for (size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] < 0) {
            std::ostringstream msg;
            msg << name << " of shape " << FormatShape(shape) << " has a negative size "
                << shape[i] << " at dimension " << i;
            throw std::invalid_argument(msg.str());
        }
    }
}

// NumPy broadcasting, one direction only: the operand must expand TO the input shape,
// because the output (and the gradient) has the input's shape.
void CheckBroadcastable(const Shape& operand, const Shape& input, const char* name)
{
    std::ostringstream msg;
    msg << name << " of shape " << FormatShape(operand) << " is not broadcastable to the input shape "
        << FormatShape(input) << ": ";
    if (operand.size() > input.size()) {
        msg << name << " has " << operand.size() << " dimensions, the input has " << input.size();
        throw std::invalid_argument(msg.str());
    }
    const size_t offset = input.size() - operand.size();
    for (size_t i = 0; i < operand.size(); ++i) {
        const int64_t inDim = input[offset + i];
        if (operand[i] != 1 && operand[i] != inDim) {
            msg << "dimension " << offset + i << " of the input has size " << inDim << ", " << name
                << " has " << operand[i];
            throw std::invalid_argument(msg.str());
        }
    }
}

// Operand shape right-aligned to `rank` dims (left-padded with 1s) and its contiguous
// element strides, with 0 wherever the operand is broadcast against a non-1 input dim.
void PaddedStrides(const Shape& input, const std::optional<Shape>& operand, int64_t* strides)
{
    const size_t rank = input.size();
    if (!operand) {
        for (size_t i = 0; i < rank; ++i) {
            strides[i] = 0;
        }
        return;
    }
    const size_t offset = rank - operand->size();
    int64_t running = 1;
    for (size_t i = rank; i-- > 0;) {
        const int64_t dim = i < offset ? 1 : (*operand)[i - offset];
        strides[i] = dim == 1 ? 0 : running;
        running *= dim;
    }
}

}  // namespace

std::string FormatShape(const Shape& shape)
{
    std::ostringstream out;
    out << '[';
    for (size_t i = 0; i < shape.size(); ++i) {
        out << (i ? ", " : "") << shape[i];
    }
    out << ']';
    return out.str();
}

uint64_t NumElements(const Shape& shape)
{
    for (int64_t dim : shape) {
        if (dim == 0) {
            return 0;  // before multiplying, so [0, huge, huge] cannot overflow
        }
    }
    // int64 limit: element strides into the operands are int64.
    constexpr uint64_t LIMIT = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    uint64_t total = 1;
    for (int64_t dim : shape) {
        const uint64_t d = static_cast<uint64_t>(dim);
        if (total > LIMIT / d) {
            throw std::invalid_argument("shape " + FormatShape(shape) +
                                        " has more than 2^63 - 1 elements");
        }
        total *= d;
    }
    return total;
}

void ValidateShapes(const Shape& input, const Shape& target, const std::optional<Shape>& weight,
                    const std::optional<Shape>& posWeight)
{
    CheckNonNegative(input, "input");
    CheckNonNegative(target, "target");
    if (input.size() > MAX_DIMS) {
        throw std::invalid_argument("input has " + std::to_string(input.size()) +
                                    " dimensions; at most " + std::to_string(MAX_DIMS) +
                                    " are supported");
    }
    if (target != input) {
        throw std::invalid_argument("Target size (" + FormatShape(target) +
                                    ") must be the same as input size (" + FormatShape(input) + ")");
    }
    NumElements(input);  // overflow check
    if (weight) {
        CheckNonNegative(*weight, "weight");
        CheckBroadcastable(*weight, input, "weight");
    }
    if (posWeight) {
        CheckNonNegative(*posWeight, "pos_weight");
        CheckBroadcastable(*posWeight, input, "pos_weight");
    }
}

CollapsedLayout CollapseBroadcast(const Shape& input, const std::optional<Shape>& weight,
                                  const std::optional<Shape>& posWeight)
{
    ValidateShapes(input, input, weight, posWeight);  // the stride arithmetic relies on it
    CollapsedLayout out{};
    out.rank = 1;
    out.dims[0] = NumElements(input) == 0 ? 0 : 1;  // scalar, all-ones and empty inputs
    if (out.dims[0] == 0) {
        return out;
    }
    int64_t wStrides[MAX_DIMS];
    int64_t pStrides[MAX_DIMS];
    PaddedStrides(input, weight, wStrides);
    PaddedStrides(input, posWeight, pStrides);
    uint32_t rank = 0;
    for (size_t i = 0; i < input.size(); ++i) {
        if (input[i] == 1) {
            continue;  // size-1 input dims carry no index, for any operand
        }
        // Merge into the previous dim when both operands keep their broadcast status: a
        // contiguous operand stays contiguous across the merged pair (the inner stride wins).
        const bool merge = rank > 0 && (wStrides[i] == 0) == (out.weightStrides[rank - 1] == 0) &&
                           (pStrides[i] == 0) == (out.posWeightStrides[rank - 1] == 0);
        const uint32_t d = merge ? rank - 1 : rank++;
        out.dims[d] = merge ? out.dims[d] * static_cast<uint64_t>(input[i]) : input[i];
        out.weightStrides[d] = wStrides[i];
        out.posWeightStrides[d] = pStrides[i];
    }
    out.rank = rank == 0 ? 1 : rank;
    return out;
}

Shape OutputShape(const Shape& input, Reduction reduction)
{
    return reduction == Reduction::NONE ? input : Shape{};
}

}  // namespace BceWithLogits
