// Launches the bce_with_logits kernels (forward, backward) in cpu_sim with NumPy arrays as GM
// (no copies), after validating the tiling and every buffer against it.
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "kernel_operator.h"
#include "op_host/bce_with_logits_launch.h"
#include "op_host/bce_with_logits_tiling.h"
#include "op_host/bce_with_logits_validate.h"
#include "sim/launch.h"

extern "C" void bce_with_logits(GM_ADDR input, GM_ADDR target, GM_ADDR weight, GM_ADDR posWeight,
                                GM_ADDR out, GM_ADDR workspace, GM_ADDR tiling);
extern "C" void bce_with_logits_grad(GM_ADDR input, GM_ADDR target, GM_ADDR weight, GM_ADDR posWeight,
                                     GM_ADDR gradOutput, GM_ADDR result, GM_ADDR workspace, GM_ADDR tiling);

namespace py = pybind11;
using BceWithLogits::OperandMode;
using BceWithLogits::OperandTiling;
using BceWithLogits::TilingData;

namespace {

constexpr const char* DTYPE_NAMES[] = {"float32", "float16", "bfloat16"};

// Layout first: nothing is read from an array before it is known to be one C-contiguous block
// of plain data.
void CheckLayout(const py::array& array, const char* name)
{
    if (!(array.flags() & py::array::c_style)) {
        throw std::invalid_argument(std::string(name) + " must be C-contiguous");
    }
    if (array.dtype().kind() == 'O') {
        throw std::invalid_argument(std::string(name) + " must not have dtype object");
    }
}

// An array the kernel reads or writes as `numel` elements of the tiling's dtype code `dtype`.
void CheckOperandArray(const py::array& array, const char* name, uint32_t dtype, uint64_t numel, bool written)
{
    CheckLayout(array, name);
    const std::string want = DTYPE_NAMES[dtype];  // the tiling is validated: dtype is in range
    const size_t itemsize = dtype == 0 ? 4 : 2;
    if (py::str(array.dtype()).cast<std::string>() != want || static_cast<size_t>(array.itemsize()) != itemsize) {
        throw std::invalid_argument(std::string(name) + " has dtype " + py::str(array.dtype()).cast<std::string>() +
                                    "; the tiling says " + want);
    }
    if (static_cast<uint64_t>(array.size()) != numel) {
        throw std::invalid_argument(std::string(name) + " has " + std::to_string(array.size()) +
                                    " elements; the tiling says " + std::to_string(numel));
    }
    if (written && !array.writeable()) {
        throw std::invalid_argument(std::string(name) + " must be writable");
    }
}

// weight/pos_weight: given exactly when the tiling's operand is present, of its dtype and numel.
void CheckOptional(const std::optional<py::array>& array, const OperandTiling& op, const char* name)
{
    const bool present = op.mode != static_cast<uint32_t>(OperandMode::ABSENT);
    if (array.has_value() != present) {
        throw std::invalid_argument(std::string(name) + (present ? " is None but the tiling expects one"
                                                                 : " is given but the tiling has none"));
    }
    if (array) {
        CheckOperandArray(*array, name, op.dtype, op.numel, false);
    }
}

// The tiling bytes, checked for layout before any is read, then validated against the SoC.
TilingData ReadTiling(const py::array& tiling, const std::string& soc)
{
    CheckLayout(tiling, "tiling");
    TilingData tilingData;
    if (static_cast<size_t>(tiling.nbytes()) != sizeof(tilingData)) {
        throw std::invalid_argument("tiling must hold " + std::to_string(sizeof(tilingData)) + " bytes");
    }
    std::memcpy(&tilingData, tiling.data(), sizeof(tilingData));
    BceWithLogits::Validate(tilingData, BceWithLogits::GetSocInfo(soc));
    return tilingData;
}

cpu_sim::GmBuffer AsGm(const py::array& array, const char* name)
{
    return cpu_sim::GmBuffer{const_cast<void*>(array.data()), static_cast<size_t>(array.nbytes()), name};
}

GM_ADDR Addr(const py::array& array) { return static_cast<GM_ADDR>(const_cast<void*>(array.data())); }

GM_ADDR Addr(const std::optional<py::array>& array) { return array ? Addr(*array) : nullptr; }

// The launch as the NPU adapters make it (PlanLaunch): workspace, batch scheduling. The
// simulator checks the kernel against exactly these, e.g. that a MIX kernel has a workspace.
cpu_sim::LaunchConfig LaunchConfigFor(const TilingData& tiling, const cpu_sim::SocSpec& soc,
                                      const py::array& workspace)
{
    CheckLayout(workspace, "workspace");
    if (!workspace.writeable()) {
        throw std::invalid_argument("workspace must be writable");
    }
    const BceWithLogits::LaunchPlan plan = BceWithLogits::PlanLaunch(tiling);
    if (static_cast<uint64_t>(workspace.nbytes()) < plan.userWorkspaceBytes) {
        throw std::invalid_argument("workspace must hold " + std::to_string(plan.userWorkspaceBytes) + " bytes");
    }
    cpu_sim::LaunchConfig config;
    config.blockDim = plan.blockDim;
    config.soc = &soc;
    config.workspaceBytes = plan.userWorkspaceBytes;
    config.batchMode = plan.batchMode;
    return config;
}

// The launch's GM buffers: the named arrays, the optional operands that are present, and the
// validated tiling copy the kernel reads (a concurrent change to the caller's bytes cannot reach it).
std::vector<cpu_sim::GmBuffer> GmBuffers(std::vector<std::pair<const py::array*, const char*>> arrays,
                                         const std::optional<py::array>& weight,
                                         const std::optional<py::array>& posWeight, TilingData& tiling)
{
    std::vector<cpu_sim::GmBuffer> gm;
    for (const auto& [array, name] : arrays) {
        gm.push_back(AsGm(*array, name));
    }
    if (weight) {
        gm.push_back(AsGm(*weight, "weight"));
    }
    if (posWeight) {
        gm.push_back(AsGm(*posWeight, "pos_weight"));
    }
    gm.push_back(cpu_sim::GmBuffer{&tiling, sizeof(tiling), "tiling"});
    return gm;
}

// input, target, weight and pos_weight as the tiling describes them.
void CheckInputs(const TilingData& t, const py::array& input, const py::array& target,
                 const std::optional<py::array>& weight, const std::optional<py::array>& posWeight)
{
    CheckOperandArray(input, "input", t.dtype, t.totalLength, false);
    CheckOperandArray(target, "target", t.dtype, t.totalLength, false);
    CheckOptional(weight, t.weight, "weight");
    CheckOptional(posWeight, t.posWeight, "pos_weight");
}

cpu_sim::KernelStats LaunchBceWithLogits(const py::array& input, const py::array& target,
                                         const std::optional<py::array>& weight,
                                         const std::optional<py::array>& posWeight, py::array out,
                                         py::array workspace, py::array tiling, const std::string& soc)
{
    TilingData tilingData = ReadTiling(tiling, soc);
    if (tilingData.kernel != static_cast<uint32_t>(BceWithLogits::KernelKind::FORWARD)) {
        throw std::invalid_argument("launch_bce_with_logits needs a forward tiling (kernel = 0)");
    }
    CheckInputs(tilingData, input, target, weight, posWeight);
    const bool reduce = tilingData.reduction != static_cast<uint32_t>(BceWithLogits::Reduction::NONE);
    CheckOperandArray(out, "out", tilingData.dtype, reduce ? 1 : tilingData.totalLength, true);
    const auto& socSpec = cpu_sim::GetSoc(soc);
    const cpu_sim::LaunchConfig config = LaunchConfigFor(tilingData, socSpec, workspace);
    const auto gm = GmBuffers({{&input, "input"}, {&target, "target"}, {&out, "out"}, {&workspace, "workspace"}},
                              weight, posWeight, tilingData);
    const std::vector<GM_ADDR> args{Addr(input), Addr(target), Addr(weight), Addr(posWeight),
                                    Addr(out), Addr(workspace), reinterpret_cast<GM_ADDR>(&tilingData)};
    return LaunchInterruptible(config, gm, [&args] {
        bce_with_logits(args[0], args[1], args[2], args[3], args[4], args[5], args[6]);
    });
}

cpu_sim::KernelStats LaunchBceWithLogitsGrad(const py::array& input, const py::array& target,
                                             const std::optional<py::array>& weight,
                                             const std::optional<py::array>& posWeight,
                                             const py::array& gradOutput, py::array grad,
                                             py::array workspace, py::array tiling, const std::string& soc)
{
    TilingData tilingData = ReadTiling(tiling, soc);
    if (tilingData.kernel == static_cast<uint32_t>(BceWithLogits::KernelKind::FORWARD)) {
        throw std::invalid_argument("launch_bce_with_logits_grad needs a backward tiling (kernel = 1 or 2)");
    }
    CheckInputs(tilingData, input, target, weight, posWeight);
    CheckOperandArray(gradOutput, "grad_output", tilingData.gradOutput.dtype, tilingData.gradOutput.numel, false);
    CheckOperandArray(grad, "grad", tilingData.dtype, tilingData.totalLength, true);
    const auto& socSpec = cpu_sim::GetSoc(soc);
    const cpu_sim::LaunchConfig config = LaunchConfigFor(tilingData, socSpec, workspace);
    const auto gm = GmBuffers({{&input, "input"}, {&target, "target"}, {&gradOutput, "grad_output"},
                               {&grad, "grad"}, {&workspace, "workspace"}},
                              weight, posWeight, tilingData);
    const std::vector<GM_ADDR> args{Addr(input), Addr(target), Addr(weight), Addr(posWeight),
                                    Addr(gradOutput), Addr(grad), Addr(workspace),
                                    reinterpret_cast<GM_ADDR>(&tilingData)};
    return LaunchInterruptible(config, gm, [&args] {
        bce_with_logits_grad(args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7]);
    });
}

}  // namespace

void BindKernel(py::module_& m)
{
    m.def("launch_bce_with_logits", &LaunchBceWithLogits, py::arg("input"), py::arg("target"),
          py::arg("weight"), py::arg("pos_weight"), py::arg("out"), py::arg("workspace"), py::arg("tiling"),
          py::arg("soc"),
          "Runs the bce_with_logits kernel in the simulator; every array is GM, used in place.");
    m.def("launch_bce_with_logits_grad", &LaunchBceWithLogitsGrad, py::arg("input"), py::arg("target"),
          py::arg("weight"), py::arg("pos_weight"), py::arg("grad_output"), py::arg("grad"),
          py::arg("workspace"), py::arg("tiling"), py::arg("soc"),
          "Runs the bce_with_logits_grad kernel in the simulator: dL/dinput or dL/dtarget into `grad`, as the "
          "tiling's kernel kind says; arrays are GM, used in place.");
}
