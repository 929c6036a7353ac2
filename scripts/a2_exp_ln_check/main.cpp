// Host program of the A2 Exp/Ln accuracy check: runs exp_ln_accuracy on a grid read from a file.
// Built with -DASCEND_NPU it launches the kernel on an NPU through AscendCL; otherwise it runs the
// same kernel source in cpu_sim (optionally with the simulator's Exp/Ln error model).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <type_traits>
#include <vector>

#include "exp_ln_tiling.h"

#ifdef ASCEND_NPU
#include "acl/acl.h"
#include "aclrtlaunch_exp_ln_accuracy.h"
#else
#include "kernel_operator.h"
#include "sim/launch.h"
#if __has_include("sim/math_model.h")
#include "sim/math_model.h"
#define EXP_LN_HAVE_MATH_MODEL 1
#endif
extern "C" __global__ __aicore__ void exp_ln_accuracy(GM_ADDR x, GM_ADDR expOut, GM_ADDR lnOut, GM_ADDR tiling);
#endif

namespace ExpLnCheck {
namespace {

constexpr uint32_t BLOCK_DIM = 1;           // the grid is small: one vector core
constexpr uint16_t FP16_ONE_BITS = 0x3c00;  // padding value 1.0: Exp and Ln are finite there
constexpr float FP32_ONE = 1.0f;

struct Options {
    DType dtype = DType::FLOAT32;
    std::string input;
    std::string expOut;
    std::string lnOut;
    std::string simMode = "exact";
    uint64_t seed = 0;
    int32_t device = 0;
    uint32_t tile = DEFAULT_TILE_ELEMS;
};

[[noreturn]] void Fail(const std::string& message)
{
    std::fprintf(stderr, "exp_ln_check: %s\n", message.c_str());
    std::exit(1);
}

void Usage(const char* argv0)
{
    std::printf("Usage: %s --dtype float32|float16 --input X.bin --exp-out E.bin --ln-out L.bin\n"
                "          [--device N] [--tile N] [--sim-mode exact|ulp:K|ln-abs[:E]] [--seed S]\n"
                "Runs AscendC::Exp and AscendC::Ln on every element of X.bin (raw little-endian values\n"
                "of --dtype) and writes both results, raw, to E.bin and L.bin.\n"
                "--device picks the NPU (AscendCL build); --sim-mode/--seed set cpu_sim's error model.\n",
                argv0);
}

Options ParseArgs(int argc, char** argv)
{
    Options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            Usage(argv[0]);
            std::exit(0);
        }
        if (i + 1 >= argc) {
            Fail("'" + arg + "' needs a value (see --help)");
        }
        const std::string value = argv[++i];
        if (arg == "--dtype") {
            if (value == "float32") {
                opt.dtype = DType::FLOAT32;
            } else if (value == "float16") {
                opt.dtype = DType::FLOAT16;
            } else {
                Fail("--dtype must be float32 or float16, got '" + value + "'");
            }
        } else if (arg == "--input") {
            opt.input = value;
        } else if (arg == "--exp-out") {
            opt.expOut = value;
        } else if (arg == "--ln-out") {
            opt.lnOut = value;
        } else if (arg == "--sim-mode") {
            opt.simMode = value;
        } else if (arg == "--seed") {
            opt.seed = std::strtoull(value.c_str(), nullptr, 10);
        } else if (arg == "--device") {
            opt.device = std::atoi(value.c_str());
        } else if (arg == "--tile") {
            opt.tile = static_cast<uint32_t>(std::strtoul(value.c_str(), nullptr, 10));
        } else {
            Fail("unknown argument '" + arg + "' (see --help)");
        }
    }
    if (opt.input.empty() || opt.expOut.empty() || opt.lnOut.empty()) {
        Fail("--input, --exp-out and --ln-out are required (see --help)");
    }
    if (opt.tile == 0 || opt.tile > DEFAULT_TILE_ELEMS || opt.tile % ALIGN_ELEMS != 0) {
        Fail("--tile must be a multiple of " + std::to_string(ALIGN_ELEMS) + " in [" + std::to_string(ALIGN_ELEMS) +
             ", " + std::to_string(DEFAULT_TILE_ELEMS) + "]");
    }
    return opt;
}

size_t ElemBytes(DType dtype) { return dtype == DType::FLOAT32 ? sizeof(float) : sizeof(uint16_t); }

std::vector<uint8_t> ReadFile(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        Fail("cannot open '" + path + "'");
    }
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const uint8_t* data, size_t bytes)
{
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(bytes));
    if (!file) {
        Fail("cannot write '" + path + "'");
    }
}

// The input, padded with 1.0 to a multiple of ALIGN_ELEMS elements (whole 32-B blocks for DataCopy).
std::vector<uint8_t> PaddedInput(const std::vector<uint8_t>& raw, DType dtype, uint32_t padded)
{
    const size_t elem = ElemBytes(dtype);
    std::vector<uint8_t> x(padded * elem);
    std::memcpy(x.data(), raw.data(), raw.size());
    for (size_t i = raw.size() / elem; i < padded; ++i) {
        if (dtype == DType::FLOAT32) {
            std::memcpy(&x[i * elem], &FP32_ONE, elem);
        } else {
            std::memcpy(&x[i * elem], &FP16_ONE_BITS, elem);
        }
    }
    return x;
}

#ifdef ASCEND_NPU

void CheckAcl(aclError status, const char* call)
{
    if (status != ACL_SUCCESS) {
        Fail(std::string(call) + " failed with status " + std::to_string(status));
    }
}
#define CHECK_ACL(call) CheckAcl((call), #call)

// ascendc_library()'s aclrtlaunch_* returns a status (0 = success); the ASC-language variant of
// the same header expands to a <<<>>> call returning void. Accept both.
template <typename Launch>
void CheckedLaunch(Launch&& launch)
{
    if constexpr (std::is_void_v<std::invoke_result_t<Launch>>) {
        launch();
    } else {
        const auto status = launch();
        if (status != 0) {
            Fail("launching exp_ln_accuracy failed with status " + std::to_string(status));
        }
    }
}

std::string Run(const Options& opt, const std::vector<uint8_t>& x, std::vector<uint8_t>& expOut,
                std::vector<uint8_t>& lnOut, const ExpLnTiling& tiling)
{
    const size_t bytes = x.size();
    CHECK_ACL(aclInit(nullptr));
    CHECK_ACL(aclrtSetDevice(opt.device));
    aclrtStream stream = nullptr;
    CHECK_ACL(aclrtCreateStream(&stream));
    void* xDevice = nullptr;
    void* expDevice = nullptr;
    void* lnDevice = nullptr;
    void* tilingDevice = nullptr;
    CHECK_ACL(aclrtMalloc(&xDevice, bytes, ACL_MEM_MALLOC_HUGE_FIRST));
    CHECK_ACL(aclrtMalloc(&expDevice, bytes, ACL_MEM_MALLOC_HUGE_FIRST));
    CHECK_ACL(aclrtMalloc(&lnDevice, bytes, ACL_MEM_MALLOC_HUGE_FIRST));
    CHECK_ACL(aclrtMalloc(&tilingDevice, sizeof(tiling), ACL_MEM_MALLOC_HUGE_FIRST));
    CHECK_ACL(aclrtMemcpy(xDevice, bytes, x.data(), bytes, ACL_MEMCPY_HOST_TO_DEVICE));
    CHECK_ACL(aclrtMemcpy(tilingDevice, sizeof(tiling), &tiling, sizeof(tiling), ACL_MEMCPY_HOST_TO_DEVICE));

    CheckedLaunch([&] {
        return ACLRT_LAUNCH_KERNEL(exp_ln_accuracy)(BLOCK_DIM, stream, xDevice, expDevice, lnDevice, tilingDevice);
    });
    CHECK_ACL(aclrtSynchronizeStream(stream));

    CHECK_ACL(aclrtMemcpy(expOut.data(), bytes, expDevice, bytes, ACL_MEMCPY_DEVICE_TO_HOST));
    CHECK_ACL(aclrtMemcpy(lnOut.data(), bytes, lnDevice, bytes, ACL_MEMCPY_DEVICE_TO_HOST));
    CHECK_ACL(aclrtFree(xDevice));
    CHECK_ACL(aclrtFree(expDevice));
    CHECK_ACL(aclrtFree(lnDevice));
    CHECK_ACL(aclrtFree(tilingDevice));
    CHECK_ACL(aclrtDestroyStream(stream));
    CHECK_ACL(aclrtResetDevice(opt.device));
    CHECK_ACL(aclFinalize());
    return "npu device " + std::to_string(opt.device);
}

#else  // cpu_sim

// --sim-mode exact | ulp:K | ln-abs[:E] -> the simulator's Exp/Ln error model.
void ApplySimMode(const Options& opt)
{
#ifdef EXP_LN_HAVE_MATH_MODEL
    cpu_sim::MathErrorModel model;
    model.seed = opt.seed;
    const std::string& mode = opt.simMode;
    if (mode == "exact") {
        model.mode = cpu_sim::MathErrorMode::EXACT;
    } else if (mode.rfind("ulp:", 0) == 0) {
        char* end = nullptr;
        const unsigned long k = std::strtoul(mode.c_str() + 4, &end, 10);
        if (end == mode.c_str() + 4 || *end != '\0') {
            Fail("--sim-mode ulp:K needs an integer K, got '" + mode + "'");
        }
        model.mode = cpu_sim::MathErrorMode::ULP;
        model.maxUlp = static_cast<uint32_t>(k);
    } else if (mode == "ln-abs" || mode.rfind("ln-abs:", 0) == 0) {
        model.mode = cpu_sim::MathErrorMode::LN_ABSOLUTE;
        if (mode.size() > 6) {
            char* end = nullptr;
            model.lnAbsError = std::strtof(mode.c_str() + 7, &end);
            if (end == mode.c_str() + 7 || *end != '\0' || !(model.lnAbsError >= 0.0f)) {
                Fail("--sim-mode ln-abs:E needs a number E >= 0, got '" + mode + "'");
            }
        }
    } else {
        Fail("--sim-mode must be exact, ulp:K or ln-abs[:E], got '" + mode + "'");
    }
    cpu_sim::SetMathErrorModel(model);
#else
    if (opt.simMode != "exact") {
        Fail("--sim-mode " + opt.simMode + " needs cpu_sim's error model (cpu_sim/include/sim/math_model.h), "
             "which this cpu_sim does not have yet; only 'exact' is available");
    }
#endif
}

std::string Run(const Options& opt, std::vector<uint8_t>& x, std::vector<uint8_t>& expOut,
                std::vector<uint8_t>& lnOut, ExpLnTiling& tiling)
{
    ApplySimMode(opt);
    const std::vector<cpu_sim::GmBuffer> gm{{x.data(), x.size(), "x"},
                                            {expOut.data(), expOut.size(), "expOut"},
                                            {lnOut.data(), lnOut.size(), "lnOut"},
                                            {&tiling, sizeof(tiling), "tiling"}};
    try {
        cpu_sim::Launch(BLOCK_DIM, cpu_sim::GetSoc("910B1"), gm, [&] {
            exp_ln_accuracy(x.data(), expOut.data(), lnOut.data(), reinterpret_cast<GM_ADDR>(&tiling));
        });
    } catch (const cpu_sim::SimError& e) {
        Fail(std::string("cpu_sim: ") + e.what());
    }
    return "cpu_sim 910B1, sim-mode " + opt.simMode;
}

#endif  // ASCEND_NPU

}  // namespace
}  // namespace ExpLnCheck

int main(int argc, char** argv)
{
    using namespace ExpLnCheck;
    const Options opt = ParseArgs(argc, argv);
    const size_t elem = ElemBytes(opt.dtype);
    const std::vector<uint8_t> raw = ReadFile(opt.input);
    if (raw.empty() || raw.size() % elem != 0) {
        Fail("'" + opt.input + "' must hold a positive whole number of " + std::to_string(elem) + "-byte values");
    }
    const uint64_t count = raw.size() / elem;
    const uint64_t padded = (count + ALIGN_ELEMS - 1) / ALIGN_ELEMS * ALIGN_ELEMS;
    if (padded > UINT32_MAX) {
        Fail("the input is too large for one launch");
    }
    ExpLnTiling tiling{static_cast<uint32_t>(padded),
                       static_cast<uint32_t>(padded < opt.tile ? padded : opt.tile),
                       static_cast<uint32_t>(opt.dtype)};
    std::vector<uint8_t> x = PaddedInput(raw, opt.dtype, tiling.totalLength);
    std::vector<uint8_t> expOut(x.size());
    std::vector<uint8_t> lnOut(x.size());

    const std::string where = Run(opt, x, expOut, lnOut, tiling);

    WriteFile(opt.expOut, expOut.data(), raw.size());
    WriteFile(opt.lnOut, lnOut.data(), raw.size());
    std::printf("exp_ln_check: %llu %s values through Exp and Ln on %s (tile %u)\n",
                static_cast<unsigned long long>(count), opt.dtype == DType::FLOAT32 ? "float32" : "float16",
                where.c_str(), tiling.tileLength);
    return 0;
}
