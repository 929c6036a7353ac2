// Shape rules of bce_with_logits: validation, broadcast collapsing and the output shape.
#ifndef BCE_WITH_LOGITS_SHAPE_H
#define BCE_WITH_LOGITS_SHAPE_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// Explicit path: op_host/ has its own bce_with_logits_tiling.h, which includes this header.
#include "../op_kernel/bce_with_logits_tiling.h"  // MAX_DIMS, Reduction

namespace BceWithLogits {

using Shape = std::vector<int64_t>;

// The iteration space after broadcasting weight/pos_weight to the input and merging dims.
// Only the first `rank` entries of each array are meaningful; the rest are zero.
struct CollapsedLayout {
    uint32_t rank;                      // >= 1
    uint64_t dims[MAX_DIMS];            // outermost first; product is N
    int64_t weightStrides[MAX_DIMS];    // element strides into the contiguous weight (0 = broadcast)
    int64_t posWeightStrides[MAX_DIMS]; // same for pos_weight
};

// "[2, 3]" ("[]" for a scalar), the format of every shape in our error messages.
std::string FormatShape(const Shape& shape);

// Product of the dims; throws std::invalid_argument beyond INT64_MAX (strides are int64).
// Expects non-negative dims.
uint64_t NumElements(const Shape& shape);

// Throws std::invalid_argument naming the argument and the violated rule.
void ValidateShapes(const Shape& input, const Shape& target, const std::optional<Shape>& weight,
                    const std::optional<Shape>& posWeight);

// Validates (as ValidateShapes with target = input). An absent operand is broadcast everywhere.
CollapsedLayout CollapseBroadcast(const Shape& input, const std::optional<Shape>& weight,
                                  const std::optional<Shape>& posWeight);

// The input shape for NONE, a 0-d shape for MEAN and SUM.
Shape OutputShape(const Shape& input, Reduction reduction);

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_SHAPE_H
