// pybind11 bindings of cpu_sim: SimulatorError, KernelStats and the self-test kernel runner.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <sstream>

#include "bindings.h"
#include "sim/cost_table.h"
#include "sim/launch.h"
#include "sim/timeline.h"
#include "sim/ctrl.h"
#include "sim/math_model.h"
#include "sim/selftest_registry.h"
#include "sim/types.h"

namespace py = pybind11;

namespace {

py::dict InstrDict(const std::map<std::string, cpu_sim::InstrStat>& m, bool repeats) {
    py::dict d;
    for (const auto& [name, st] : m) d[py::str(name)] = repeats ? st.repeats : st.count;
    return d;
}

// Per instruction kind: the repeats that hit a UB bank conflict (only kinds that had any).
py::dict ConflictDict(const std::map<std::string, cpu_sim::InstrStat>& m) {
    py::dict d;
    for (const auto& [name, st] : m) {
        if (st.bankConflictRepeats != 0) d[py::str(name)] = st.bankConflictRepeats;
    }
    return d;
}

constexpr double kUsPerCycle = 1e6 / cpu_sim::cost::kClockHz;

py::dict PipeDict(const double (&cycles)[cpu_sim::kTimelinePipes]) {
    py::dict d;
    for (int p = 0; p < cpu_sim::kTimelinePipes; ++p) d[cpu_sim::TimelinePipeName(p)] = cycles[p] * kUsPerCycle;
    return d;
}

py::dict TimelineDict(const cpu_sim::KernelStats& s) {
    const cpu_sim::LaunchTimeline& t = s.timeline;
    py::dict d;
    d["modelled_us"] = t.modelledUs;
    d["critical_path_us"] = t.criticalPathUs;
    d["hbm_floor_us"] = t.hbmFloorUs;
    d["launch_us"] = t.launchUs;
    d["slowest_block"] = t.slowestBlock;
    d["bound_by"] = t.boundBy;
    const cpu_sim::BlockTimeline none;
    const cpu_sim::BlockTimeline& b = s.blocks.empty() ? none : s.blocks.at(t.slowestBlock).timeline;
    d["busy_us"] = PipeDict(b.busyCycles);
    d["stall_us"] = PipeDict(b.stallCycles);
    return d;
}

// The UB buffers the block's TPipe handed out, in InitBuffer order (cpu_sim::UbBufferRecord).
py::list UbBufferList(const std::vector<cpu_sim::UbBufferRecord>& records) {
    py::list l;
    for (const auto& r : records) {
        const auto pos = static_cast<AscendC::TPosition>(r.position);
        py::dict d;
        d["kind"] = r.queue ? "TQue" : "TBuf";
        d["position"] = pos == AscendC::TPosition::VECIN    ? "VECIN"
                        : pos == AscendC::TPosition::VECOUT ? "VECOUT"
                        : pos == AscendC::TPosition::VECCALC ? "VECCALC"
                                                             : "OTHER";
        d["index"] = r.index;
        d["offset"] = r.offset;
        d["bytes"] = r.bytes;
        d["copied_from"] = r.copiedFrom;  // GM buffers' names
        d["copied_to"] = r.copiedTo;
        l.append(d);
    }
    return l;
}

py::dict BlockDict(const cpu_sim::BlockStats& b) {
    py::dict d;
    d["block_idx"] = b.blockIdx;
    d["gm_bytes_read"] = b.gmBytesRead;
    d["gm_bytes_written"] = b.gmBytesWritten;
    d["ub_peak_bytes"] = b.ubPeakBytes;
    d["ub_buffers"] = UbBufferList(b.ubBuffers);
    d["sync_all_count"] = b.syncAllCount;
    d["scalar_accesses"] = b.scalarAccesses;
    d["scalar_gm_accesses"] = b.scalarGmAccesses;
    d["scalar_gm_misses"] = b.scalarGmMisses;
    d["instructions"] = InstrDict(b.instructions, false);
    d["repeats"] = InstrDict(b.instructions, true);
    d["bank_conflict_repeats"] = b.bankConflictRepeats;
    d["bank_conflict_us"] = b.bankConflictCycles * kUsPerCycle;
    d["end_us"] = b.timeline.endCycles * kUsPerCycle;
    d["busy_us"] = PipeDict(b.timeline.busyCycles);
    d["stall_us"] = PipeDict(b.timeline.stallCycles);
    d["flag_stall_us"] = b.timeline.flagStallCycles * kUsPerCycle;
    d["queue_full_us"] = b.timeline.queueFullCycles * kUsPerCycle;
    py::dict perPipe;
    for (int p = 0; p < cpu_sim::kTimelinePipes; ++p) perPipe[cpu_sim::TimelinePipeName(p)] = b.timeline.instructions[p];
    d["pipe_instructions"] = perPipe;
    return d;
}

py::list BlockList(const cpu_sim::KernelStats& s) {
    py::list l;
    for (const auto& b : s.blocks) l.append(BlockDict(b));
    return l;
}

py::dict StatsDict(const cpu_sim::KernelStats& s) {
    py::dict d;
    d["block_dim"] = s.blockDim;
    d["soc"] = s.soc;
    d["gm_bytes_read"] = s.GmBytesRead();
    d["gm_bytes_written"] = s.GmBytesWritten();
    d["ub_peak_bytes"] = s.UbPeakBytes();
    d["sync_all_count"] = s.SyncAllCount();
    d["scalar_accesses"] = s.ScalarAccesses();
    d["scalar_gm_accesses"] = s.ScalarGmAccesses();
    d["scalar_gm_misses"] = s.ScalarGmMisses();
    d["instructions"] = InstrDict(s.Instructions(), false);
    d["repeats"] = InstrDict(s.Instructions(), true);
    d["bank_conflict_repeats"] = s.BankConflictRepeats();
    d["bank_conflicts"] = ConflictDict(s.Instructions());
    d["blocks"] = BlockList(s);
    d["modelled_a2_us"] = s.timeline.modelledUs;
    d["timeline"] = TimelineDict(s);
    return d;
}

// The cost table (cpu_sim/include/sim/cost_table.h), for cost_model.py and the tests.
py::dict CostTable() {
    namespace c = cpu_sim::cost;
    py::dict d;
    d["clock_hz"] = c::kClockHz;
    d["hbm_bytes_per_s"] = c::kHbmBytesPerSecond;
    d["core_share_cap"] = c::kCoreShareCap;
    d["vector_issue_cycles"] = c::kVectorIssueCycles;
    d["copy_issue_cycles"] = c::kCopyIssueCycles;
    d["simple_repeat_cycles"] = c::kSimpleRepeatCycles;
    d["bank_conflict_beat_cycles"] = c::kBankConflictBeatCycles;
    d["read_write_conflict_cycles"] = c::kReadWriteConflictCycles;
    d["transcendental_elems_per_cycle"] = c::kTranscendentalElemsPerCycle;
    py::list simple;
    for (const char* name : c::kSimpleRepeatOps) simple.append(name);
    d["simple_repeat_ops"] = simple;
    py::dict rates;  // name -> (cycles per fp32 repeat, per 16-bit repeat); others: simple_repeat_cycles
    for (const c::VectorRate& r : c::kVectorRates) rates[r.name] = py::make_tuple(r.fp32RepeatCycles, r.b16RepeatCycles);
    d["vector_repeat_cycles"] = rates;
    d["scalar_loop_cycles_per_element"] = c::kScalarLoopCyclesPerElement;
    d["scalar_access_cycles"] = c::kScalarAccessCycles;
    d["dcache_line_bytes"] = c::kDcacheLineBytes;
    d["dcache_lines"] = c::kDcacheLines;
    d["scalar_gm_miss_cycles"] = c::kScalarGmMissCycles;
    d["flag_latency_cycles"] = c::kFlagLatencyCycles;
    d["pipe_queue_depth"] = c::kPipeQueueDepth;  // ASSUMED: the published cube depth (0 = unbounded)
    d["cube_queue_depth"] = c::kCubeQueueDepth;  // dav-2201 MTE1/MMAD, published; unused here
    d["launch_us"] = c::kLaunchUs;
    d["sync_all_us"] = c::kSyncAllUs;
    return d;
}

std::string StatsRepr(const cpu_sim::KernelStats& s) {
    std::ostringstream o;
    o << "KernelStats(soc=" << s.soc << ", block_dim=" << s.blockDim << ", gm_bytes_read=" << s.GmBytesRead()
      << ", gm_bytes_written=" << s.GmBytesWritten() << ", ub_peak_bytes=" << s.UbPeakBytes()
      << ", sync_all_count=" << s.SyncAllCount() << ", modelled_a2_us=" << s.timeline.modelledUs
      << ", bound_by=" << s.timeline.boundBy << ", instructions={";
    bool first = true;
    for (const auto& [name, st] : s.Instructions()) {
        o << (first ? "" : ", ") << name << ": " << st.count << " (" << st.repeats << " repeats)";
        first = false;
    }
    o << "})";
    return o.str();
}

const cpu_sim::SelfTestKernel& FindKernel(const std::string& name) {
    for (const auto& k : cpu_sim::SelfTestKernels()) {
        if (name == k.name) return k;
    }
    throw py::key_error("unknown self-test kernel '" + name + "'");
}

// Borrows a writable C-contiguous array's memory as one GM buffer.
cpu_sim::GmBuffer AsGm(const py::array& a, const std::string& name) {
    if (!(a.flags() & py::array::c_style)) throw py::value_error(name + " must be C-contiguous");
    if (a.dtype().kind() == 'O') throw py::type_error(name + " must not have dtype object (it holds pointers)");
    if (!a.writeable()) throw py::value_error(name + " must be writable");
    return {const_cast<void*>(a.data()), static_cast<size_t>(a.nbytes()), name};
}

cpu_sim::KernelStats RunSelfTest(const std::string& name, const std::vector<py::array>& buffers,
                                 uint32_t blockDim, const std::string& soc, const py::object& tiling,
                                 uint64_t workspaceBytes, bool batchMode, uint32_t residentCores) {
    const cpu_sim::SelfTestKernel& k = FindKernel(name);
    if (buffers.size() != k.numBuffers) {
        throw py::value_error("kernel '" + name + "' takes " + std::to_string(k.numBuffers) + " buffers, got " +
                              std::to_string(buffers.size()));
    }
    const cpu_sim::SocSpec& spec = cpu_sim::GetSoc(soc);
    std::vector<cpu_sim::GmBuffer> gm;
    std::vector<uint8_t*> args;
    for (size_t i = 0; i < buffers.size(); ++i) {
        gm.push_back(AsGm(buffers[i], "buffer " + std::to_string(i)));
        args.push_back(static_cast<uint8_t*>(gm.back().data));
    }
    uint8_t* tilingPtr = nullptr;
    py::array tilingArr;
    if (!tiling.is_none()) {
        if (!py::isinstance<py::array>(tiling)) throw py::type_error("tiling must be a numpy array or None");
        tilingArr = py::reinterpret_borrow<py::array>(tiling);
        if (!(tilingArr.flags() & py::array::c_style)) throw py::value_error("tiling must be C-contiguous");
        if (tilingArr.dtype().kind() == 'O') throw py::type_error("tiling must not have dtype object");
        gm.push_back({const_cast<void*>(tilingArr.data()), static_cast<size_t>(tilingArr.nbytes()), "tiling"});
        tilingPtr = static_cast<uint8_t*>(gm.back().data);
    }
    cpu_sim::LaunchConfig config;
    config.blockDim = blockDim;
    config.soc = &spec;
    config.workspaceBytes = workspaceBytes;
    config.batchMode = batchMode;
    config.residentCores = residentCores;
    return LaunchInterruptible(config, gm, [&]() { k.run(args.data(), tilingPtr); });
}

}  // namespace

cpu_sim::KernelStats LaunchInterruptible(cpu_sim::LaunchConfig config, const std::vector<cpu_sim::GmBuffer>& gm,
                                         const std::function<void()>& blockBody) {
    config.interruptPoll = [] {
        py::gil_scoped_acquire gil;
        return PyErr_CheckSignals() != 0;  // leaves the handler's exception set
    };
    try {
        py::gil_scoped_release release;
        return cpu_sim::Launch(config, gm, blockBody);
    } catch (const cpu_sim::LaunchInterrupted&) {
        if (!PyErr_Occurred()) PyErr_SetNone(PyExc_KeyboardInterrupt);
        throw py::error_already_set();
    }
}

void BindSim(py::module_& m) {
    py::register_exception<cpu_sim::SimError>(m, "SimulatorError", PyExc_RuntimeError);

    py::class_<cpu_sim::KernelStats>(m, "KernelStats", "What one simulated launch did (counters).")
        .def_property_readonly("block_dim", [](const cpu_sim::KernelStats& s) { return s.blockDim; })
        .def_property_readonly("soc", [](const cpu_sim::KernelStats& s) { return s.soc; })
        .def_property_readonly("gm_bytes_read", &cpu_sim::KernelStats::GmBytesRead)
        .def_property_readonly("gm_bytes_written", &cpu_sim::KernelStats::GmBytesWritten)
        .def_property_readonly("ub_peak_bytes", &cpu_sim::KernelStats::UbPeakBytes)
        .def_property_readonly("sync_all_count", &cpu_sim::KernelStats::SyncAllCount)
        .def_property_readonly("scalar_accesses", &cpu_sim::KernelStats::ScalarAccesses)
        .def_property_readonly("scalar_gm_accesses", &cpu_sim::KernelStats::ScalarGmAccesses)
        .def_property_readonly("scalar_gm_misses", &cpu_sim::KernelStats::ScalarGmMisses)
        .def_property_readonly("instructions",
                               [](const cpu_sim::KernelStats& s) { return InstrDict(s.Instructions(), false); })
        .def_property_readonly("repeats",
                               [](const cpu_sim::KernelStats& s) { return InstrDict(s.Instructions(), true); })
        .def_property_readonly("bank_conflict_repeats", &cpu_sim::KernelStats::BankConflictRepeats,
                               "Vector repeats (all blocks) that queued on a UB bank or bank group; each "
                               "costs cost_table()['bank_conflict_beat_cycles'] per extra beat and/or "
                               "['read_write_conflict_cycles'] on the vector pipe.")
        .def_property_readonly("bank_conflicts",
                               [](const cpu_sim::KernelStats& s) { return ConflictDict(s.Instructions()); },
                               "Conflicted repeats per instruction kind (kinds with none left out).")
        .def_property_readonly("blocks", &BlockList)
        .def_property_readonly("modelled_a2_us", [](const cpu_sim::KernelStats& s) { return s.timeline.modelledUs; },
                               "Modelled A2 time of the launch in us: launch cost + the slowest block's critical "
                               "path on the per-pipe timeline, at least the GM bytes at the HBM bandwidth.")
        .def_property_readonly("timeline", &TimelineDict,
                               "The per-pipe timeline: modelled_us, critical_path_us, hbm_floor_us, launch_us, "
                               "slowest_block, bound_by, and busy_us / stall_us per pipe of the slowest block.")
        .def("as_dict", &StatsDict)
        .def("__repr__", &StatsRepr);

    m.def("cost_table", &CostTable, "The simulator's A2 cost table (cpu_sim/include/sim/cost_table.h).");

    m.def("set_math_error_model",
          [](const std::string& mode, uint32_t maxUlp, uint64_t seed, float lnAbsError) {
              cpu_sim::MathErrorModel model;
              if (mode == "exact") {
                  model.mode = cpu_sim::MathErrorMode::EXACT;
              } else if (mode == "ulp") {
                  model.mode = cpu_sim::MathErrorMode::ULP;
              } else if (mode == "ln_abs") {
                  model.mode = cpu_sim::MathErrorMode::LN_ABSOLUTE;
              } else {
                  throw py::value_error("mode must be 'exact', 'ulp' or 'ln_abs', got '" + mode + "'");
              }
              if (!(lnAbsError >= 0.0f)) throw py::value_error("ln_abs_error must be >= 0");
              model.maxUlp = maxUlp;
              model.seed = seed;
              model.lnAbsError = lnAbsError;
              cpu_sim::SetMathErrorModel(model);
          },
          py::arg("mode"), py::arg("max_ulp") = 0, py::arg("seed") = 0, py::arg("ln_abs_error") = 6e-8f,
          "Sets the simulator's Exp/Ln error model for later launches: 'exact' (libm), 'ulp' (each result "
          "moved by a seeded number of ulps in [-max_ulp, max_ulp]) or 'ln_abs' (Ln on [0.5, 2] off by "
          "ln_abs_error absolute, 1 ulp elsewhere).");
    m.def("get_math_error_model", []() {
        const cpu_sim::MathErrorModel model = cpu_sim::GetMathErrorModel();
        static const char* names[] = {"exact", "ulp", "ln_abs"};
        py::dict d;
        d["mode"] = names[static_cast<int>(model.mode)];
        d["max_ulp"] = model.maxUlp;
        d["seed"] = model.seed;
        d["ln_abs_error"] = model.lnAbsError;
        return d;
    });

    m.def("set_float_overflow_mode",
          [](const std::string& mode) {
              if (mode != "inf_nan" && mode != "saturation") {
                  throw py::value_error("mode must be 'inf_nan' or 'saturation', got '" + mode + "'");
              }
              cpu_sim::SetLaunchFloatSaturation(mode == "saturation");
          },
          py::arg("mode"),
          "Sets CTRL[48] at the start of later launches, as the process's float overflow mode does on an "
          "A2: 'inf_nan' (the A2 default) or 'saturation' (half/bf16 inf -> +-MAX, NaN -> 0).");
    m.def("set_pipe_queue_depth", [](uint32_t depth) { cpu_sim::SetPipeQueueDepth(depth); }, py::arg("depth"),
          "Sets the depth of the V, MTE2 and MTE3 instruction queues for later launches (default "
          "cost_table()['pipe_queue_depth'], assumed: no depth is published for the A2 vector core; 0: "
          "unbounded): the scalar unit stalls when the queue of the pipe it issues to is full.");
    m.def("get_pipe_queue_depth", []() { return cpu_sim::PipeQueueDepth(); });
    m.def("get_float_overflow_mode",
          []() { return std::string(cpu_sim::LaunchFloatSaturation() ? "saturation" : "inf_nan"); });

    py::module_ st = m.def_submodule("selftest", "cpu_sim self-test kernels");
    st.def("run", &RunSelfTest, py::arg("name"), py::arg("buffers"), py::arg("block_dim") = 1,
           py::arg("soc") = "910B1", py::arg("tiling") = py::none(), py::arg("workspace_bytes") = 0,
           py::arg("batch_mode") = false, py::arg("resident_cores") = 0,
           "Runs a named self-test kernel with the arrays as GM buffers (zero-copy). The launch has "
           "`workspace_bytes` of workspace (MIX kernels need some), batch scheduling if `batch_mode` "
           "(SyncAll needs it) and `resident_cores` cores at once (0 = the SoC's).");
    st.def("names", []() {
        std::vector<std::string> names;
        for (const auto& k : cpu_sim::SelfTestKernels()) names.push_back(k.name);
        return names;
    });
}
