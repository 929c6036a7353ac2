// The status of a kernel-launch call, whichever form the generated aclrtlaunch_* header has.
#ifndef BCE_WITH_LOGITS_KERNEL_LAUNCH_STATUS_H
#define BCE_WITH_LOGITS_KERNEL_LAUNCH_STATUS_H

#include <type_traits>

namespace BceWithLogits {

// The aclrtlaunch_* function of ascendc_library() returns a status (0 = success); the ASC-language
// variant of the same header expands to a <<<>>> call returning void. Accept both.
template <typename Status, typename Launch>
Status LaunchStatus(Launch&& launch)
{
    if constexpr (std::is_void_v<std::invoke_result_t<Launch>>) {
        launch();
        return 0;
    } else {
        return static_cast<Status>(launch());
    }
}

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_KERNEL_LAUNCH_STATUS_H
