// TEST-ONLY stand-in for CANN's register/op_def_registry.h (see tests/cann_decl/README.md): the
// ge / gert / ops declarations op_host/opp uses, with the real signatures, as plain containers.
#ifndef BCE_TEST_CANN_DECL_OP_DEF_REGISTRY_H
#define BCE_TEST_CANN_DECL_OP_DEF_REGISTRY_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ge {
using graphStatus = uint32_t;
const graphStatus GRAPH_SUCCESS = 0;
const graphStatus GRAPH_FAILED = 0xFFFFFFFF;
// Values of metadef's graph/types.h (c_types.h) for the entries we name.
enum DataType {
    DT_FLOAT = 0,
    DT_FLOAT16 = 1,
    DT_INT8 = 2,
    DT_INT32 = 3,
    DT_DOUBLE = 11,
    DT_BF16 = 27,
    DT_UNDEFINED = 28,
};
enum Format { FORMAT_NCHW = 0, FORMAT_NHWC = 1, FORMAT_ND = 2 };
}  // namespace ge

namespace fe {
class PlatFormInfos;  // defined by tiling/platform/platform_ascendc.h's stand-in
}

namespace gert {

struct Shape {
    size_t GetDimNum() const { return dims_.size(); }
    int64_t GetDim(size_t idx) const { return idx < dims_.size() ? dims_[idx] : 0; }
    void SetDimNum(size_t dimNum) { dims_.resize(dimNum); }
    void SetDim(size_t idx, int64_t value) { dims_.at(idx) = value; }
    Shape& AppendDim(int64_t value) { dims_.push_back(value); return *this; }
    bool IsScalar() const { return dims_.empty(); }
    void SetScalar() { dims_.clear(); }
    int64_t GetShapeSize() const
    {
        int64_t n = 1;
        for (int64_t d : dims_) n *= d;
        return n;
    }
    bool operator==(const Shape& other) const { return dims_ == other.dims_; }

    std::vector<int64_t> dims_;  // test-only storage
};

struct StorageShape {
    const Shape& GetOriginShape() const { return origin_; }
    const Shape& GetStorageShape() const { return storage_; }
    Shape& MutableOriginShape() { return origin_; }
    Shape& MutableStorageShape() { return storage_; }

    Shape origin_;
    Shape storage_;
};

class CompileTimeTensorDesc {
public:
    ge::DataType GetDataType() const { return dtype_; }
    ge::Format GetStorageFormat() const { return ge::FORMAT_ND; }
    ge::Format GetOriginFormat() const { return ge::FORMAT_ND; }

    ge::DataType dtype_ = ge::DT_UNDEFINED;
};

class RuntimeAttrs {
public:
    const int64_t* GetInt(size_t index) const
    {
        return index < slots_.size() && slots_[index].hasInt ? &slots_[index].intValue : nullptr;
    }
    const bool* GetBool(size_t index) const
    {
        return index < slots_.size() && slots_[index].hasBool ? &slots_[index].boolValue : nullptr;
    }
    size_t GetAttrNum() const { return slots_.size(); }

    // Test-only: attr `index` (the op's attr order) holds an Int or a Bool.
    void SetIntForTest(size_t index, int64_t value) { Slot(index).hasInt = true; slots_[index].intValue = value; }
    void SetBoolForTest(size_t index, bool value) { Slot(index).hasBool = true; slots_[index].boolValue = value; }

private:
    struct AttrSlot {
        bool hasInt = false;
        int64_t intValue = 0;
        bool hasBool = false;
        bool boolValue = false;
    };
    AttrSlot& Slot(size_t index)
    {
        if (slots_.size() <= index) slots_.resize(index + 1);
        return slots_[index];
    }
    std::vector<AttrSlot> slots_;
};

class TilingData {
public:
    size_t GetCapacity() const { return bytes_.size(); }
    size_t GetDataSize() const { return dataSize_; }
    void SetDataSize(size_t size) { dataSize_ = size; }
    void* GetData() { return bytes_.data(); }
    const void* GetData() const { return bytes_.data(); }

    explicit TilingData(size_t capacity) : bytes_(capacity, 0) {}

private:
    std::vector<uint8_t> bytes_;
    size_t dataSize_ = 0;
};

// What both kinds of context share: tensors by IR index (an absent optional input is nullopt),
// attrs and the node name.
class ExtendedKernelContext {
public:
    const CompileTimeTensorDesc* GetRequiredInputDesc(size_t irIndex) const { return Desc(irIndex); }
    const CompileTimeTensorDesc* GetOptionalInputDesc(size_t irIndex) const { return Desc(irIndex); }
    const RuntimeAttrs* GetAttrs() const { return &attrs_; }
    const char* GetNodeName() const { return nodeName_.c_str(); }

    // Test-only.
    void SetInputForTest(size_t irIndex, const std::vector<int64_t>& dims, ge::DataType dtype)
    {
        if (inputs_.size() <= irIndex) inputs_.resize(irIndex + 1);
        StorageShape s;
        s.origin_.dims_ = dims;
        s.storage_.dims_ = dims;
        CompileTimeTensorDesc d;
        d.dtype_ = dtype;
        inputs_[irIndex] = Input{s, d};
    }
    void SetAbsentInputForTest(size_t irIndex)
    {
        if (inputs_.size() <= irIndex) inputs_.resize(irIndex + 1);
        inputs_[irIndex].reset();
    }
    RuntimeAttrs& MutableAttrsForTest() { return attrs_; }

protected:
    struct Input {
        StorageShape shape;
        CompileTimeTensorDesc desc;
    };
    const Input* In(size_t irIndex) const
    {
        return irIndex < inputs_.size() && inputs_[irIndex] ? &*inputs_[irIndex] : nullptr;
    }
    const CompileTimeTensorDesc* Desc(size_t irIndex) const
    {
        const Input* in = In(irIndex);
        return in ? &in->desc : nullptr;
    }

    std::vector<std::optional<Input>> inputs_;
    RuntimeAttrs attrs_;
    std::string nodeName_ = "bce_node";
};

class TilingContext : public ExtendedKernelContext {
public:
    const StorageShape* GetRequiredInputShape(size_t irIndex) const { return ShapeOf(irIndex); }
    const StorageShape* GetOptionalInputShape(size_t irIndex) const { return ShapeOf(irIndex); }
    fe::PlatFormInfos* GetPlatformInfo() const { return platform_; }
    ge::graphStatus SetBlockDim(uint32_t blockDim) { blockDim_ = blockDim; return ge::GRAPH_SUCCESS; }
    ge::graphStatus SetScheduleMode(uint32_t scheduleMode) { scheduleMode_ = scheduleMode; return ge::GRAPH_SUCCESS; }
    ge::graphStatus SetTilingKey(uint64_t tilingKey) { tilingKey_ = tilingKey; return ge::GRAPH_SUCCESS; }
    size_t* GetWorkspaceSizes(size_t count)
    {
        workspaces_.assign(count, 0);
        return workspaces_.data();
    }
    TilingData* GetRawTilingData() { return &tilingData_; }
    template <typename T>
    T* GetTilingData()
    {
        TilingData* raw = GetRawTilingData();
        if (raw == nullptr || raw->GetCapacity() < sizeof(T)) {
            return nullptr;
        }
        raw->SetDataSize(sizeof(T));
        return static_cast<T*>(raw->GetData());
    }

    // Test-only: the platform and what the TilingFunc wrote.
    explicit TilingContext(size_t tilingCapacity) : tilingData_(tilingCapacity) {}
    void SetPlatformForTest(fe::PlatFormInfos* platform) { platform_ = platform; }
    uint32_t blockDim_ = 0;
    uint32_t scheduleMode_ = 0;
    uint64_t tilingKey_ = 0;
    std::vector<size_t> workspaces_;
    TilingData tilingData_;

private:
    const StorageShape* ShapeOf(size_t irIndex) const
    {
        const Input* in = In(irIndex);
        return in ? &in->shape : nullptr;
    }
    fe::PlatFormInfos* platform_ = nullptr;
};

class InferShapeContext : public ExtendedKernelContext {
public:
    const Shape* GetRequiredInputShape(size_t irIndex) const { return ShapeOf(irIndex); }
    const Shape* GetOptionalInputShape(size_t irIndex) const { return ShapeOf(irIndex); }
    Shape* GetOutputShape(size_t index) { return index == 0 ? &output_ : nullptr; }

    Shape output_;  // test-only: the single output

private:
    const Shape* ShapeOf(size_t irIndex) const
    {
        const Input* in = In(irIndex);
        return in ? &in->shape.origin_ : nullptr;
    }
};

class InferDataTypeContext : public ExtendedKernelContext {
public:
    ge::DataType GetRequiredInputDataType(size_t irIndex) const
    {
        const CompileTimeTensorDesc* d = Desc(irIndex);
        return d ? d->dtype_ : ge::DT_UNDEFINED;
    }
    ge::DataType GetOptionalInputDataType(size_t irIndex) const { return GetRequiredInputDataType(irIndex); }
    ge::graphStatus SetOutputDataType(size_t index, ge::DataType dtype)
    {
        if (index != 0) return ge::GRAPH_FAILED;
        output_ = dtype;
        return ge::GRAPH_SUCCESS;
    }

    ge::DataType output_ = ge::DT_UNDEFINED;  // test-only: the single output
};

// gert::OpImplRegisterV2's function types (register/op_impl_registry.h).
struct OpImplRegisterV2 {
    using InferShapeKernelFunc = uint32_t (*)(InferShapeContext*);
    using InferDataTypeKernelFunc = uint32_t (*)(InferDataTypeContext*);
    using TilingKernelFunc = uint32_t (*)(TilingContext*);
};

}  // namespace gert

namespace ops {

enum Option { IGNORE = 0, OPTIONAL = 1, REQUIRED = 2, DYNAMIC = 3, VIRTUAL = 4 };

class OpParamDef {
public:
    OpParamDef& ParamType(Option type) { paramType_ = type; return *this; }
    OpParamDef& DataType(std::vector<ge::DataType> types) { dataTypes_ = std::move(types); return *this; }
    OpParamDef& Format(std::vector<ge::Format> formats) { formats_ = std::move(formats); return *this; }
    OpParamDef& DataTypeForBinQuery(std::vector<ge::DataType> types) { binQuery_ = std::move(types); return *this; }

    std::string name_;  // test-only: what the OpDef recorded
    Option paramType_ = REQUIRED;
    std::vector<ge::DataType> dataTypes_;
    std::vector<ge::Format> formats_;
    std::vector<ge::DataType> binQuery_;
};

class OpAttrDef {
public:
    OpAttrDef& AttrType(Option type) { attrType_ = type; return *this; }
    OpAttrDef& Int(int64_t value) { kind_ = "Int"; intDefault_ = value; return *this; }
    OpAttrDef& Bool(bool value) { kind_ = "Bool"; boolDefault_ = value; return *this; }

    std::string name_;  // test-only
    Option attrType_ = REQUIRED;
    std::string kind_;
    int64_t intDefault_ = 0;
    bool boolDefault_ = false;
};

class OpAICoreConfig {};

class OpAICoreDef {
public:
    OpAICoreDef& SetTiling(gert::OpImplRegisterV2::TilingKernelFunc func) { tiling_ = func; return *this; }
    OpAICoreDef& AddConfig(const char* soc) { socs_.emplace_back(soc); return *this; }
    OpAICoreDef& AddConfig(const char* soc, OpAICoreConfig&) { return AddConfig(soc); }

    gert::OpImplRegisterV2::TilingKernelFunc tiling_ = nullptr;  // test-only
    std::vector<std::string> socs_;
};

class OpDef {
public:
    explicit OpDef(const char* type) : type_(type) {}
    OpParamDef& Input(const char* name) { return Add(inputs_, name); }
    OpParamDef& Output(const char* name) { return Add(outputs_, name); }
    OpAttrDef& Attr(const char* name)
    {
        attrs_.emplace_back();
        attrs_.back().name_ = name;
        return attrs_.back();
    }
    OpDef& SetInferShape(gert::OpImplRegisterV2::InferShapeKernelFunc func) { inferShape_ = func; return *this; }
    OpDef& SetInferDataType(gert::OpImplRegisterV2::InferDataTypeKernelFunc func) { inferDataType_ = func; return *this; }
    OpAICoreDef& AICore() { return aicore_; }

    // Test-only: everything the constructor declared.
    std::string type_;
    std::vector<OpParamDef> inputs_;
    std::vector<OpParamDef> outputs_;
    std::vector<OpAttrDef> attrs_;
    gert::OpImplRegisterV2::InferShapeKernelFunc inferShape_ = nullptr;
    gert::OpImplRegisterV2::InferDataTypeKernelFunc inferDataType_ = nullptr;
    OpAICoreDef aicore_;

private:
    static OpParamDef& Add(std::vector<OpParamDef>& list, const char* name)
    {
        list.emplace_back();
        list.back().name_ = name;
        return list.back();
    }
};

// Test-only registry: OP_ADD(T) constructs T("T") once at static initialisation and keeps it here.
inline std::vector<std::function<OpDef()>>& RegisteredOpsForTest()
{
    static std::vector<std::function<OpDef()>> ops;
    return ops;
}

}  // namespace ops

#define OP_ADD(opType, ...)                                                                     \
    static const int g_##opType##_added = [] {                                                  \
        ::ops::RegisteredOpsForTest().emplace_back([] { return ::ops::OpDef(opType(#opType)); }); \
        return 0;                                                                               \
    }()

#endif  // BCE_TEST_CANN_DECL_OP_DEF_REGISTRY_H
