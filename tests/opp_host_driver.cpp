// Test driver of the op package's host code (tests/test_opp_host.py): builds gert contexts from
// recorded inputs (one case per stdin line), runs the InferShape, InferDataType and TilingFunc
// that the OpDefs registered, and prints what they produced as one JSON object per line.
// `--defs` prints the registered OpDefs instead. Compiled against tests/cann_decl.
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "register/op_def_registry.h"
#include "tiling/platform/platform_ascendc.h"

namespace {

using Fields = std::map<std::string, std::string>;

const std::map<std::string, ge::DataType> DTYPES = {
    {"float32", ge::DT_FLOAT}, {"float16", ge::DT_FLOAT16}, {"bfloat16", ge::DT_BF16},
    {"float64", ge::DT_DOUBLE}, {"int32", ge::DT_INT32}};

std::string DTypeName(ge::DataType dt)
{
    for (const auto& [name, value] : DTYPES) {
        if (value == dt) return name;
    }
    return "undefined";
}

Fields Parse(const std::string& line)
{
    Fields f;
    std::istringstream in(line);
    std::string token;
    while (in >> token) {
        const size_t eq = token.find('=');
        f[token.substr(0, eq)] = token.substr(eq + 1);
    }
    return f;
}

// "4,1000:float16", "_:float32" (0-d), or "-" (absent).
bool SetInput(gert::ExtendedKernelContext& ctx, size_t ir, const Fields& f, const std::string& key)
{
    const auto it = f.find(key);
    if (it == f.end() || it->second == "-") {
        ctx.SetAbsentInputForTest(ir);
        return false;
    }
    const std::string& v = it->second;
    const size_t colon = v.find(':');
    std::vector<int64_t> dims;
    std::istringstream shape(v.substr(0, colon));
    for (std::string d; std::getline(shape, d, ',');) {
        if (d != "_") dims.push_back(std::stoll(d));
    }
    ctx.SetInputForTest(ir, dims, DTYPES.at(v.substr(colon + 1)));
    return true;
}

void SetAll(gert::ExtendedKernelContext& ctx, const Fields& f)
{
    const char* keys[] = {"x", "target", "weight", "pos_weight", "grad_output"};
    for (size_t ir = 0; ir < 5; ++ir) SetInput(ctx, ir, f, keys[ir]);
    if (f.count("reduction") && f.at("reduction") != "-") {
        ctx.MutableAttrsForTest().SetIntForTest(0, std::stoll(f.at("reduction")));
    }
    if (f.count("grad_target") && f.at("grad_target") != "-") {
        ctx.MutableAttrsForTest().SetBoolForTest(1, f.at("grad_target") == "1");
    }
}

std::string Json(const std::vector<int64_t>& v)
{
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
    return s + "]";
}

std::string Hex(const void* data, size_t n)
{
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < n; ++i) {
        const unsigned b = static_cast<const unsigned char*>(data)[i];
        s += digits[b >> 4];
        s += digits[b & 15];
    }
    return s;
}

// Largest tiling our framework stand-in offers (the real framework's buffer is larger still).
constexpr size_t TILING_CAPACITY = 4096;

std::string RunCase(const ops::OpDef& def, const Fields& f)
{
    gert::InferShapeContext shapeCtx;
    SetAll(shapeCtx, f);
    const uint32_t shapeStatus = def.inferShape_(&shapeCtx);

    gert::InferDataTypeContext dtypeCtx;
    SetAll(dtypeCtx, f);
    const uint32_t dtypeStatus = def.inferDataType_(&dtypeCtx);

    fe::PlatFormInfos platform;
    platform.aivCores = static_cast<uint32_t>(std::stoul(f.at("cores")));
    platform.ubBytes = std::stoull(f.at("ub"));
    platform.libApiWorkspaceBytes = static_cast<uint32_t>(std::stoul(f.at("sysws")));
    gert::TilingContext tilingCtx(f.count("tiling_capacity") ? std::stoul(f.at("tiling_capacity")) : TILING_CAPACITY);
    SetAll(tilingCtx, f);
    tilingCtx.SetPlatformForTest(&platform);
    const uint32_t tilingStatus = def.aicore_.tiling_(&tilingCtx);

    std::vector<int64_t> workspaces(tilingCtx.workspaces_.begin(), tilingCtx.workspaces_.end());
    const gert::TilingData& raw = tilingCtx.tilingData_;
    std::ostringstream out;
    out << "{\"infer_shape\":{\"status\":" << shapeStatus << ",\"shape\":" << Json(shapeCtx.output_.dims_) << "},"
        << "\"infer_dtype\":{\"status\":" << dtypeStatus << ",\"dtype\":\"" << DTypeName(dtypeCtx.output_) << "\"},"
        << "\"tiling\":{\"status\":" << tilingStatus << ",\"block_dim\":" << tilingCtx.blockDim_
        << ",\"schedule_mode\":" << tilingCtx.scheduleMode_ << ",\"tiling_key\":" << tilingCtx.tilingKey_
        << ",\"workspaces\":" << Json(workspaces) << ",\"data_size\":" << raw.GetDataSize()
        << ",\"bytes\":\"" << Hex(raw.GetData(), raw.GetDataSize()) << "\"}}";
    return out.str();
}

std::string ParamsJson(const std::vector<ops::OpParamDef>& params)
{
    std::string s = "[";
    for (size_t i = 0; i < params.size(); ++i) {
        const ops::OpParamDef& p = params[i];
        s += std::string(i ? "," : "") + "{\"name\":\"" + p.name_ + "\",\"param_type\":" + std::to_string(p.paramType_) +
             ",\"dtypes\":[";
        for (size_t j = 0; j < p.dataTypes_.size(); ++j) s += (j ? ",\"" : "\"") + DTypeName(p.dataTypes_[j]) + "\"";
        s += "],\"bin_query\":[";
        for (size_t j = 0; j < p.binQuery_.size(); ++j) s += (j ? ",\"" : "\"") + DTypeName(p.binQuery_[j]) + "\"";
        s += "],\"formats\":[";
        for (size_t j = 0; j < p.formats_.size(); ++j) s += (j ? "," : "") + std::to_string(p.formats_[j]);
        s += "]}";
    }
    return s + "]";
}

void PrintDefs()
{
    for (const auto& make : ops::RegisteredOpsForTest()) {
        const ops::OpDef def = make();
        std::string attrs = "[";
        for (size_t i = 0; i < def.attrs_.size(); ++i) {
            const ops::OpAttrDef& a = def.attrs_[i];
            attrs += std::string(i ? "," : "") + "{\"name\":\"" + a.name_ + "\",\"attr_type\":" +
                     std::to_string(a.attrType_) + ",\"kind\":\"" + a.kind_ + "\",\"default\":" +
                     (a.kind_ == "Bool" ? (a.boolDefault_ ? "true" : "false") : std::to_string(a.intDefault_)) + "}";
        }
        std::string socs = "[";
        for (size_t i = 0; i < def.aicore_.socs_.size(); ++i) socs += (i ? ",\"" : "\"") + def.aicore_.socs_[i] + "\"";
        std::cout << "{\"type\":\"" << def.type_ << "\",\"inputs\":" << ParamsJson(def.inputs_)
                  << ",\"outputs\":" << ParamsJson(def.outputs_) << ",\"attrs\":" << attrs << "]"
                  << ",\"socs\":" << socs << "]"
                  << ",\"has_infer_shape\":" << (def.inferShape_ ? "true" : "false")
                  << ",\"has_infer_dtype\":" << (def.inferDataType_ ? "true" : "false")
                  << ",\"has_tiling\":" << (def.aicore_.tiling_ ? "true" : "false") << "}\n";
    }
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc > 1 && std::string(argv[1]) == "--defs") {
        PrintDefs();
        return 0;
    }
    std::map<std::string, ops::OpDef> defs;
    for (const auto& make : ops::RegisteredOpsForTest()) {
        ops::OpDef def = make();
        defs.emplace(def.type_, def);
    }
    for (std::string line; std::getline(std::cin, line);) {
        if (line.empty()) continue;
        const Fields f = Parse(line);
        std::cout << RunCase(defs.at(f.at("op")), f) << "\n";
    }
    return 0;
}
