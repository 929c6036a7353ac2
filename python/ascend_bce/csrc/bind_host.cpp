// Python bindings of the host logic (shape rules, tiling) as the submodule _C.host.
#include <pybind11/stl.h>

#include <cstring>
#include <stdexcept>

#include "op_host/bce_with_logits_shape.h"
#include "op_host/bce_with_logits_launch.h"
#include "op_host/bce_with_logits_tiling.h"
#include "op_host/bce_with_logits_validate.h"
#include "bindings.h"

namespace py = pybind11;
using namespace BceWithLogits;

namespace {

constexpr const char* DTYPE_NAMES[] = {"float32", "float16", "bfloat16"};
constexpr const char* REDUCTION_NAMES[] = {"none", "mean", "sum"};
constexpr const char* MODE_NAMES[] = {"ABSENT", "SCALAR", "PERIODIC", "FULL", "GENERIC", "ROW", "COLUMN"};
constexpr const char* KERNEL_NAMES[] = {"forward", "backward", "backward_target"};

// Index of `value` in `names`; std::invalid_argument (ValueError) listing the valid names.
template <size_t N>
uint32_t ParseName(const std::string& value, const char* const (&names)[N], const char* what)
{
    std::string valid;
    for (size_t i = 0; i < N; ++i) {
        if (value == names[i]) {
            return static_cast<uint32_t>(i);
        }
        valid += (i ? ", " : "") + std::string("'") + names[i] + "'";
    }
    throw std::invalid_argument(std::string(what) + " '" + value + "' is not supported; valid: " +
                                valid);
}

template <size_t N>
const char* NameOf(uint32_t code, const char* const (&names)[N])
{
    return code < N ? names[code] : "?";
}

DType ParseDType(const std::string& s)
{
    return static_cast<DType>(ParseName(s, DTYPE_NAMES, "dtype"));
}


Reduction ParseReduction(const std::string& s)
{
    return static_cast<Reduction>(ParseName(s, REDUCTION_NAMES, "reduction"));
}

template <typename T>
py::list FirstN(const T* values, uint32_t n)
{
    py::list out;
    for (uint32_t i = 0; i < n; ++i) {
        out.append(values[i]);
    }
    return out;
}

py::dict OperandToDict(const OperandTiling& op, uint32_t rank)
{
    py::dict d;
    d["mode"] = NameOf(op.mode, MODE_NAMES);
    d["dtype"] = NameOf(op.dtype, DTYPE_NAMES);
    d["numel"] = op.numel;
    d["period"] = op.period;
    d["period_aligned"] = op.periodAligned;
    d["buffer_num"] = op.bufferNum;
    d["gather_span"] = op.gatherSpan;
    d["strides"] = FirstN(op.strides, rank);
    return d;
}

py::dict TilingToDict(const TilingData& t)
{
    py::dict d;
    d["total_length"] = t.totalLength;
    d["tile_length"] = t.tileLength;
    d["num_tiles"] = t.numTiles;
    d["partial_group_length"] = t.partialGroupLength;
    d["block_dim"] = t.blockDim;
    d["reduction"] = NameOf(t.reduction, REDUCTION_NAMES);
    d["dtype"] = NameOf(t.dtype, DTYPE_NAMES);
    d["rank"] = t.rank;
    d["dims"] = FirstN(t.dims, t.rank);
    d["weight"] = OperandToDict(t.weight, t.rank);
    d["pos_weight"] = OperandToDict(t.posWeight, t.rank);
    d["grad_output"] = OperandToDict(t.gradOutput, t.rank);
    d["workspace_bytes"] = t.workspaceBytes;
    d["ub_bytes"] = t.ubBytes;
    d["kernel"] = NameOf(t.kernel, KERNEL_NAMES);
    d["bank_pad_bytes"] = t.bankPadBytes;
    d["row_length"] = t.rowLength;
    d["row_chunks"] = t.rowChunks;
    return d;
}

// One placed InitBuffer of a UbPlacement: `num` buffers of `bytes` from `offset`, behind a pad.
py::dict SlotDict(uint32_t pad, uint32_t bytes, uint64_t offset, uint32_t num)
{
    py::dict d;
    d["pad"] = pad;
    d["buffer_bytes"] = bytes;  // 0: the kernel allocates no such buffer
    d["offset"] = offset;
    d["num"] = num;
    return d;
}

// Where the kernels put their planned buffers for this tiling: PlaceUb of KernelUbOrder under the
// plan bankPadBytes names (op_kernel/bce_with_logits_bank_plan.h), the formula AllocateInPlanOrder
// follows, so the simulator's InitBuffer record can be checked against it.
py::dict PlacementDict(const TilingData& t)
{
    constexpr const char* SLOT_NAMES[] = {"middle", "late", "early"};
    const UbOrder order = KernelUbOrder(t);
    const BankPlan plan = PlanOf(t.bankPadBytes);
    const UbPlacement p = PlaceUb(order, plan);
    py::dict d;
    d["plan_index"] = static_cast<int64_t>(t.bankPadBytes & BANK_PLAN_BITS) - 1;  // -1: PACKED_PLAN
    d["output_slot"] = NameOf(static_cast<uint32_t>(plan.out), SLOT_NAMES);
    d["level"] = static_cast<uint32_t>(plan.level);
    d["fp32_tile_bytes"] = order.fp32TileBytes;  // tmpA (at offset 0) and each later temp
    d["tmp_a_slack"] = p.tmpASlack;              // tmpA's bytes beyond fp32_tile_bytes
    d["operands_first"] = OperandsFirst(order, plan);  // the operands' buffers before the input queue
    d["input"] = SlotDict(p.inputPad, p.inputBufferBytes, p.inputOffset, order.input.num);
    d["target"] = SlotDict(p.targetPad, p.targetBufferBytes, p.targetOffset, order.target.num);
    py::list operands;  // weight, pos_weight, grad_output
    for (uint32_t k = 0; k < PLACED_OPERANDS; ++k) {
        operands.append(SlotDict(p.operandPad[k], p.operandBufferBytes[k], p.operandOffset[k], order.operands[k].num));
    }
    d["operands"] = operands;
    d["out"] = SlotDict(p.outPad, p.outBufferBytes, p.outOffset, order.out.num);
    py::list temps;
    for (uint32_t k = 0; k < order.laterTemps; ++k) {
        temps.append(SlotDict(p.tempPad[k], order.fp32TileBytes, p.tempOffset[k], 1));
    }
    d["temps"] = temps;
    d["pad_bytes"] = p.padBytes;
    d["ub_bytes_used"] = UbBytesUsed(t);
    return d;
}

TilingData TilingFromBytes(const py::bytes& raw)
{
    const std::string bytes = raw;
    if (bytes.size() != sizeof(TilingData)) {
        throw std::invalid_argument("tiling must hold " + std::to_string(sizeof(TilingData)) + " bytes");
    }
    TilingData t;
    std::memcpy(&t, bytes.data(), sizeof t);
    return t;
}

OperandDesc MakeOperand(const std::optional<Shape>& shape, const std::string& dtype)
{
    OperandDesc desc;
    desc.present = shape.has_value();
    desc.dtype = ParseDType(dtype);
    desc.shape = shape.value_or(Shape{});
    return desc;
}

// Defines `name(input_shape, dtype, reduction, weight_shape=None, weight_dtype="float32",
// pos_weight_shape=None, pos_weight_dtype="float32", soc="910B1", max_blocks=0, ub_bytes=0,
// kernel="forward")` as
// fn(ComputeTiling(request)), so every tiling entry point shares one signature.
template <typename F>
void DefTilingFunction(py::module_& m, const char* name, F fn, const char* doc)
{
    m.def(
        name,
        [fn](const Shape& inputShape, const std::string& dtype, const std::string& reduction,
             const std::optional<Shape>& weightShape, const std::string& weightDtype,
             const std::optional<Shape>& posWeightShape, const std::string& posWeightDtype,
             const std::string& soc, uint32_t maxBlocks, uint32_t ubBytes, const std::string& kernel) {
            TilingRequest req;
            req.inputShape = inputShape;
            req.dtype = ParseDType(dtype);
            req.reduction = ParseReduction(reduction);
            req.weight = MakeOperand(weightShape, weightDtype);
            req.posWeight = MakeOperand(posWeightShape, posWeightDtype);
            req.soc = GetSocInfo(soc);
            if (ubBytes != 0) {
                req.soc.ubBytes = ubBytes;  // tests of the small-UB fallbacks
            }
            req.maxBlocks = maxBlocks;
            req.kernel = static_cast<KernelKind>(ParseName(kernel, KERNEL_NAMES, "kernel"));
            return fn(ComputeTiling(req));
        },
        py::arg("input_shape"), py::arg("dtype"), py::arg("reduction"),
        py::arg("weight_shape") = py::none(), py::arg("weight_dtype") = "float32",
        py::arg("pos_weight_shape") = py::none(), py::arg("pos_weight_dtype") = "float32",
        py::arg("soc") = "910B1", py::arg("max_blocks") = 0, py::arg("ub_bytes") = 0,
        py::arg("kernel") = "forward", doc);
}

void BindShapeFunctions(py::module_& h)
{
    h.def("validate_shapes", &ValidateShapes, py::arg("input"), py::arg("target"),
          py::arg("weight") = py::none(), py::arg("pos_weight") = py::none(),
          "Raise ValueError unless target == input and weight/pos_weight broadcast to input.");
    h.def(
        "collapse_broadcast",
        [](const Shape& input, const std::optional<Shape>& weight, const std::optional<Shape>& posWeight) {
            const CollapsedLayout layout = CollapseBroadcast(input, weight, posWeight);
            py::dict d;
            d["rank"] = layout.rank;
            d["dims"] = FirstN(layout.dims, layout.rank);
            d["weight_strides"] = FirstN(layout.weightStrides, layout.rank);
            d["pos_weight_strides"] = FirstN(layout.posWeightStrides, layout.rank);
            return d;
        },
        py::arg("input"), py::arg("weight") = py::none(), py::arg("pos_weight") = py::none(),
        "Collapsed iteration space: dims and per-operand element strides (0 = broadcast).");
    h.def(
        "output_shape",
        [](const Shape& input, const std::string& reduction) {
            return OutputShape(input, ParseReduction(reduction));
        },
        py::arg("input_shape"), py::arg("reduction"), "The input shape for 'none', [] for 'mean'/'sum'.");
}

}  // namespace

void BindHost(py::module_& m)
{
    py::module_ h = m.def_submodule("host", "bce_with_logits host logic: shape rules and tiling.");
    BindShapeFunctions(h);
    h.def(
        "soc_info",
        [](const std::string& name) {
            const SocInfo soc = GetSocInfo(name);
            py::dict d;
            d["name"] = soc.name;
            d["vector_cores"] = soc.vectorCores;
            d["ub_bytes"] = soc.ubBytes;
            return d;
        },
        py::arg("name"), "Preset of an Atlas A2 SoC: vector cores and UB bytes per core.");
    DefTilingFunction(h, "compute_tiling", TilingToDict, "TilingData as a dict (modes and dtypes as names).");
    DefTilingFunction(
        h, "tiling_bytes",
        [](const TilingData& t) { return py::bytes(reinterpret_cast<const char*>(&t), sizeof(TilingData)); },
        "The raw TilingData bytes the kernel reads.");
    DefTilingFunction(
        h, "plan_launch",
        [](const TilingData& t) {
            const LaunchPlan plan = PlanLaunch(t);
            py::dict d;
            d["block_dim"] = plan.blockDim;
            d["mix_kernel"] = plan.mixKernel;
            d["batch_mode"] = plan.batchMode;
            d["user_workspace_bytes"] = plan.userWorkspaceBytes;
            d["device_workspace_bytes"] = plan.deviceWorkspaceBytes;
            return d;
        },
        "How the NPU adapters launch the kernel with this tiling (and the simulator checks it).");
    DefTilingFunction(h, "ub_bytes_used", UbBytesUsed,
                      "UB bytes per core the kernel allocates with this tiling.");
    DefTilingFunction(h, "ub_placement", PlacementDict,
                      "The UB offsets, pads and lengths the kernels give tmpA, the input/target/output queues, "
                      "the operands' Mul buffers and the later temps under the chosen bank plan (PlaceUb).");
    h.def(
        "ub_placement_of", [](const py::bytes& raw) { return PlacementDict(TilingFromBytes(raw)); },
        py::arg("tiling"), "ub_placement for raw TilingData bytes (e.g. with a forced bank plan).");
    h.def(
        "validate_tiling",
        [](const py::bytes& raw, const std::string& soc) { Validate(TilingFromBytes(raw), GetSocInfo(soc)); },
        py::arg("tiling"), py::arg("soc") = "910B1",
        "Raise ValueError naming the field and the rule unless the TilingData bytes are safe to launch on `soc` "
        "(what the launchers and the NPU adapters check before every launch).");
    h.attr("TILING_SIZE") = sizeof(TilingData);
    h.attr("MAX_DIMS") = MAX_DIMS;
    h.attr("REPEAT_ELEMS_FP32") = REPEAT_ELEMS_FP32;
    h.attr("MAX_PERIOD_BYTES") = MAX_PERIOD_BYTES;
    h.attr("MAX_COLUMN_ROWS") = MAX_COLUMN_ROWS;
}
