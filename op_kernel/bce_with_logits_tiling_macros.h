// Tiling registration for the kernel entries, one source for three builds: the CANN op package
// (whose op compiler force-includes its generated GET_TILING_DATA_WITH_STRUCT before this file,
// and whose kernel_operator.h defines REGISTER_TILING_DEFAULT), the kernel-launch library
// (asc-devkit's REGISTER_TILING_DEFAULT, our GET_TILING_DATA_WITH_STRUCT) and cpu_sim (both ours).
#ifndef BCE_WITH_LOGITS_TILING_MACROS_H
#define BCE_WITH_LOGITS_TILING_MACROS_H

#include "kernel_operator.h"
#include "bce_with_logits_tiling.h"

// REGISTER_TILING_DEFAULT stringizes its argument into a section name and the op compiler's
// precompile pass reads it as one identifier (the docs pass templates through a `using` alias
// for the same reason): a global name for the namespaced struct.
using BceWithLogitsTilingData = BceWithLogits::TilingData;

namespace BceWithLogits {

// The scalar unit reads GM through its data cache: a word-by-word copy brings a POD tiling
// struct into the kernel's stack, as the op compiler's InitTilingData does.
template <typename T>
__aicore__ inline void LoadTilingWords(T* dst, GM_ADDR src)
{
    static_assert(sizeof(T) % sizeof(uint32_t) == 0, "the tiling struct must be a whole number of words");
    auto from = reinterpret_cast<__gm__ uint32_t*>(src);
    auto to = reinterpret_cast<uint32_t*>(dst);
    for (uint32_t i = 0; i < sizeof(T) / sizeof(uint32_t); ++i) {
        to[i] = from[i];
    }
}

}  // namespace BceWithLogits

// Fallbacks with the signatures of the real macros (asc-devkit kernel_utils_macros.h and
// tools/build/asc_op_compile_base/.../get_op_tiling.py).
#ifndef REGISTER_TILING_DEFAULT
#define REGISTER_TILING_DEFAULT(tiling_struct) \
    static_assert(sizeof(tiling_struct) % sizeof(uint32_t) == 0, "tiling struct of whole words")
#endif

#ifndef GET_TILING_DATA_WITH_STRUCT
#define GET_TILING_DATA_WITH_STRUCT(tiling_struct, tiling_data, tiling_arg) \
    tiling_struct tiling_data;                                            \
    ::BceWithLogits::LoadTilingWords(&tiling_data, tiling_arg)
#endif

#endif  // BCE_WITH_LOGITS_TILING_MACROS_H
