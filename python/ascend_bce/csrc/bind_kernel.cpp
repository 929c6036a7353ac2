// Launches the bce_with_logits kernels (forward, backward) in cpu_sim with NumPy arrays as GM
// (no copies).
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
#include "op_kernel/bce_with_logits_tiling.h"
#include "sim/launch.h"

extern "C" void bce_with_logits(GM_ADDR input, GM_ADDR target, GM_ADDR weight, GM_ADDR posWeight,
                                GM_ADDR out, GM_ADDR workspace, GM_ADDR tiling);
extern "C" void bce_with_logits_grad(GM_ADDR input, GM_ADDR target, GM_ADDR weight, GM_ADDR posWeight,
                                     GM_ADDR gradOutput, GM_ADDR result, GM_ADDR workspace, GM_ADDR tiling);

namespace py = pybind11;

namespace {

// A contiguous array's memory, registered as a GM buffer of the launch.
cpu_sim::GmBuffer AsGm(const py::array& array, const char* name)
{
    if (!(array.flags() & py::array::c_style)) {
        throw std::invalid_argument(std::string(name) + " must be C-contiguous");
    }
    return cpu_sim::GmBuffer{const_cast<void*>(array.data()), static_cast<size_t>(array.nbytes()), name};
}

GM_ADDR Addr(const py::array& array) { return static_cast<GM_ADDR>(const_cast<void*>(array.data())); }

GM_ADDR Addr(const std::optional<py::array>& array) { return array ? Addr(*array) : nullptr; }

BceWithLogits::TilingData ReadTiling(const py::array& tiling)
{
    BceWithLogits::TilingData tilingData;
    if (static_cast<size_t>(tiling.nbytes()) != sizeof(tilingData)) {
        throw std::invalid_argument("tiling must hold " + std::to_string(sizeof(tilingData)) + " bytes");
    }
    std::memcpy(&tilingData, tiling.data(), sizeof(tilingData));
    return tilingData;
}

// The launch as the NPU adapters make it (PlanLaunch): workspace, batch scheduling. The
// simulator checks the kernel against exactly these, e.g. that a MIX kernel has a workspace.
cpu_sim::LaunchConfig LaunchConfigFor(const BceWithLogits::TilingData& tiling, const cpu_sim::SocSpec& soc,
                                      const py::array& workspace)
{
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

// The launch's GM buffers: the named arrays plus the optional operands that are present.
std::vector<cpu_sim::GmBuffer> GmBuffers(std::vector<std::pair<const py::array*, const char*>> arrays,
                                         const std::optional<py::array>& weight,
                                         const std::optional<py::array>& posWeight)
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
    return gm;
}

cpu_sim::KernelStats LaunchBceWithLogits(const py::array& input, const py::array& target,
                                         const std::optional<py::array>& weight,
                                         const std::optional<py::array>& posWeight, py::array out,
                                         py::array workspace, py::array tiling, const std::string& soc)
{
    const BceWithLogits::TilingData tilingData = ReadTiling(tiling);
    const auto gm = GmBuffers({{&input, "input"}, {&target, "target"}, {&out, "out"},
                               {&workspace, "workspace"}, {&tiling, "tiling"}},
                              weight, posWeight);
    const auto& socSpec = cpu_sim::GetSoc(soc);
    const std::vector<GM_ADDR> args{Addr(input), Addr(target), Addr(weight), Addr(posWeight),
                                    Addr(out), Addr(workspace), Addr(tiling)};
    const cpu_sim::LaunchConfig config = LaunchConfigFor(tilingData, socSpec, workspace);
    py::gil_scoped_release release;
    return cpu_sim::Launch(config, gm, [&args] {
        bce_with_logits(args[0], args[1], args[2], args[3], args[4], args[5], args[6]);
    });
}

cpu_sim::KernelStats LaunchBceWithLogitsGrad(const py::array& input, const py::array& target,
                                             const std::optional<py::array>& weight,
                                             const std::optional<py::array>& posWeight,
                                             const py::array& gradOutput, py::array grad,
                                             py::array workspace, py::array tiling, const std::string& soc)
{
    const BceWithLogits::TilingData tilingData = ReadTiling(tiling);
    const auto gm = GmBuffers({{&input, "input"}, {&target, "target"}, {&gradOutput, "grad_output"},
                               {&grad, "grad"}, {&workspace, "workspace"}, {&tiling, "tiling"}},
                              weight, posWeight);
    const auto& socSpec = cpu_sim::GetSoc(soc);
    const std::vector<GM_ADDR> args{Addr(input), Addr(target), Addr(weight), Addr(posWeight),
                                    Addr(gradOutput), Addr(grad), Addr(workspace), Addr(tiling)};
    const cpu_sim::LaunchConfig config = LaunchConfigFor(tilingData, socSpec, workspace);
    py::gil_scoped_release release;
    return cpu_sim::Launch(config, gm, [&args] {
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
