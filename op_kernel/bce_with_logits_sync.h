// Intra-core pipe synchronisation of the bce_with_logits kernels with event ids from the pipe.
#ifndef BCE_WITH_LOGITS_SYNC_H
#define BCE_WITH_LOGITS_SYNC_H

#include "kernel_operator.h"

namespace BceWithLogits {

// Orders the event's destination pipe after everything its source pipe has issued so far. The
// id comes from the TPipe's pool, never a constant: the TQues draw from the same 8 ids per
// HardEvent (FreeTensor holds a V_MTE2 or MTE3_V id, EnQue an MTE2_V or V_MTE3 id), so a
// hard-coded id can set a flag a queue already set, after which ~TPipe waits forever.
// FetchEventID returns a free id without taking it: set and waited here, it is free again at once.
template <AscendC::HardEvent event>
__aicore__ inline void WaitPipe(AscendC::TPipe& pipe)
{
    const AscendC::TEventID id = pipe.FetchEventID<event>();
    AscendC::SetFlag<event>(id);
    AscendC::WaitFlag<event>(id);
}

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_SYNC_H
