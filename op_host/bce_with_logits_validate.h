// Validation of a TilingData before a launch: every field a kernel trusts, against the SoC.
#ifndef BCE_WITH_LOGITS_VALIDATE_H
#define BCE_WITH_LOGITS_VALIDATE_H

#include "bce_with_logits_tiling.h"

namespace BceWithLogits {

// Throws std::invalid_argument naming the field and the violated rule unless `tiling` is one the
// kernels can run safely on `soc`: rank and dims against totalLength, tile length and alignment,
// tile and block counts, every code in range, operand numel/period/strides against the dims,
// stream buffers, the reduction's partial groups, workspace, and the UB plan within the SoC's UB.
// Accepts every tiling ComputeTiling returns for that SoC. Pure; no CANN headers.
void Validate(const TilingData& tiling, const SocInfo& soc);

// As above against the largest A2 preset ("910B1"): for callers that do not know the SoC.
void Validate(const TilingData& tiling);

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_VALIDATE_H
