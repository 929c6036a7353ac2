// PERIODIC operand set-up of bce_with_logits on the vector pipe: expanded[j] = operand at flat index
// j for j < lcm(P, 8), gathered from the operand's one UB copy by byte offsets that the vector
// unit computes from an index ramp. No scalar loop and no second GM read of the operand.
#ifndef BCE_WITH_LOGITS_PERIOD_H
#define BCE_WITH_LOGITS_PERIOD_H

#include "kernel_operator.h"
#include "bce_with_logits_tiling.h"

namespace BceWithLogits {

// Gather's count form holds its repeat count in a uint8_t (dav_c220): at most 255 whole repeats.
constexpr uint32_t MAX_GATHER_ELEMS_FP32 = 255 * REPEAT_ELEMS_FP32;
constexpr float HALF_STEP = 0.5f;

// fp32 tiles the kernel lends an operand's set-up in Init (its compute tiles, not yet in use).
struct SetupScratch {
    AscendC::LocalTensor<float> coord;
    AscendC::LocalTensor<float> work;
    AscendC::LocalTensor<float> offsets;
    uint32_t length;  // elements of each
};

// ramp[i] = i for i < length: CreateVecIndex for one repeat (its first block is written by the
// scalar unit), then doubling Adds, log2(length / 64) instructions instead of length / 64.
__aicore__ inline void BuildRamp(const AscendC::LocalTensor<float>& ramp, uint32_t length)
{
    const uint32_t first = length < REPEAT_ELEMS_FP32 ? length : REPEAT_ELEMS_FP32;
    AscendC::CreateVecIndex(ramp, 0.0f, first);
    for (uint32_t done = first; done < length; done *= 2) {
        const uint32_t count = done < length - done ? done : length - done;
        AscendC::Adds(ramp[done], ramp, static_cast<float>(done), static_cast<int32_t>(count));
    }
}

// dst = floor((src + addend + 1/2) / divisor) for integer-valued src + addend in [0, 2^15): the half
// keeps the exact quotient at least 1/(2 divisor) from an integer, over 20 times the error of the
// product with fl(1/divisor), so Cast's floor is exact. dst may be src.
__aicore__ inline void FloorDiv(const AscendC::LocalTensor<float>& dst, const AscendC::LocalTensor<float>& src,
                                float addend, float divisor, uint32_t count)
{
    AscendC::Adds(dst, src, addend + HALF_STEP, static_cast<int32_t>(count));
    AscendC::Muls(dst, dst, 1.0f / divisor, static_cast<int32_t>(count));
    AscendC::LocalTensor<int32_t> asInt = dst.ReinterpretCast<int32_t>();
    AscendC::Cast(asInt, dst, AscendC::RoundMode::CAST_FLOOR, count);
    AscendC::Cast(dst, asInt, AscendC::RoundMode::CAST_NONE, count);
}

// The operand's element offsets (bytes) for flat indices first + ramp[i], i < count, as uint32 in
// scratch.offsets: sum over its non-broadcast dims d (from `lead`) of stride_d * coordinate_d,
// coordinate_d = floor(j / inner_d) mod dims_d. Every value is an integer below 2^17: exact in fp32.
__aicore__ inline AscendC::LocalTensor<uint32_t> SourceOffsets(const AscendC::LocalTensor<float>& ramp,
                                                                uint64_t first, uint32_t count,
                                                                const OperandTiling& op, const TilingData& tiling,
                                                                uint32_t lead, const SetupScratch& scratch)
{
    const AscendC::LocalTensor<float>& coord = scratch.coord;
    const AscendC::LocalTensor<float>& work = scratch.work;
    const AscendC::LocalTensor<float>& offsets = scratch.offsets;
    const int32_t n = static_cast<int32_t>(count);
    bool empty = true;
    uint64_t inner = 1;
    for (int32_t d = static_cast<int32_t>(tiling.rank) - 1; d >= static_cast<int32_t>(lead); --d) {
        const float dim = static_cast<float>(tiling.dims[d]);
        if (op.strides[d] != 0) {
            if (inner == 1) {
                AscendC::Adds(coord, ramp, static_cast<float>(first), n);
            } else {
                FloorDiv(coord, ramp, static_cast<float>(first), static_cast<float>(inner), count);
            }
            FloorDiv(work, coord, 0.0f, dim, count);
            AscendC::Muls(work, work, dim, n);
            AscendC::Sub(coord, coord, work, n);  // coordinate along d
            const float byteStride = static_cast<float>(op.strides[d] * FP32_BYTES);
            if (empty) {
                AscendC::Muls(offsets, coord, byteStride, n);
                empty = false;
            } else {
                AscendC::Muls(coord, coord, byteStride, n);
                AscendC::Add(offsets, offsets, coord, n);
            }
        }
        inner *= tiling.dims[d];
    }
    AscendC::LocalTensor<int32_t> asInt = offsets.ReinterpretCast<int32_t>();
    AscendC::Cast(asInt, offsets, AscendC::RoundMode::CAST_RINT, count);
    return asInt.ReinterpretCast<uint32_t>();
}

// expanded[j] = values[source(j)] for j < op.periodAligned. `values` is the operand in fp32 in UB,
// `ramp` a free span of at least scratch.length fp32 elements.
__aicore__ inline void GatherPeriod(const AscendC::LocalTensor<float>& expanded,
                                    const AscendC::LocalTensor<float>& values,
                                    const AscendC::LocalTensor<float>& ramp, const OperandTiling& op,
                                    const TilingData& tiling, const SetupScratch& scratch)
{
    uint32_t lead = 0;
    while (lead + 1 < tiling.rank && op.strides[lead] == 0) {
        ++lead;
    }
    uint32_t chunk = scratch.length < MAX_GATHER_ELEMS_FP32 ? scratch.length : MAX_GATHER_ELEMS_FP32;
    chunk = op.periodAligned < chunk ? static_cast<uint32_t>(op.periodAligned) : chunk;
    BuildRamp(ramp, chunk);
    for (uint64_t first = 0; first < op.periodAligned; first += chunk) {
        const uint64_t left = op.periodAligned - first;
        const uint32_t count = left < chunk ? static_cast<uint32_t>(left) : chunk;
        AscendC::LocalTensor<uint32_t> offsets = SourceOffsets(ramp, first, count, op, tiling, lead, scratch);
        AscendC::Gather(expanded[static_cast<uint32_t>(first)], values, offsets, 0, count);
    }
}

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_PERIOD_H
