"""The CANN op package's host code (op_host/opp: OpDefs, InferShape, InferDataType, TilingFunc)
compiled with g++ against our declarations of the CANN types (tests/cann_decl) and run on recorded
inputs: every result must equal what the Python path computes (`_C.host`), and the aclnn
signatures documented for the adapters must be what CANN's generator makes of the OpDefs."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ascend_bce import _C

ROOT = Path(__file__).resolve().parents[1]
OPP = ROOT / "op_host" / "opp"
A2_UB_BYTES = _C.host.soc_info("910B1")["ub_bytes"]
A2_CORES = _C.host.soc_info("910B1")["vector_cores"]
SYSTEM_WORKSPACE = 16 * 1024 * 1024  # GetLibApiWorkSpaceSize() on A2
GRAPH_FAILED = 0xFFFFFFFF
REDUCTIONS = {"none": 0, "mean": 1, "sum": 2}

pytestmark = pytest.mark.skipif(shutil.which("g++") is None, reason="g++ not installed")


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    exe = tmp_path_factory.mktemp("opp") / "opp_host_driver"
    sources = [ROOT / "tests" / "opp_host_driver.cpp", *sorted(OPP.glob("*.cpp")), *sorted((ROOT / "op_host").glob("*.cpp")),
               ROOT / "op_host" / "cann" / "npu_request.cpp"]
    build = subprocess.run(["g++", "-std=c++17", "-O0", "-Wall", "-Wextra", "-Werror", f"-I{ROOT}",
                            f"-I{ROOT / 'tests' / 'cann_decl'}", *map(str, sources), "-o", str(exe)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-4000:]
    return exe


def _run(driver, cases):
    lines = []
    for c in cases:
        fields = {"cores": A2_CORES, "ub": A2_UB_BYTES, "sysws": SYSTEM_WORKSPACE, **c}
        lines.append(" ".join(f"{k}={_encode(v)}" for k, v in fields.items()))
    out = subprocess.run([str(driver)], input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()], out.stderr


def _encode(value):
    if value is None:
        return "-"
    if isinstance(value, tuple):  # (shape, dtype)
        shape, dtype = value
        return (",".join(map(str, shape)) or "_") + ":" + dtype
    return str(value)


def _forward(x, dtype, reduction="mean", weight=None, pos_weight=None, **extra):
    return {"op": "BceWithLogits", "x": (x, dtype), "target": (x, dtype), "weight": weight,
            "pos_weight": pos_weight, "reduction": REDUCTIONS.get(reduction, reduction), **extra}


def _backward(x, dtype, reduction, grad_output, weight=None, pos_weight=None, grad_target=0, **extra):
    return {**_forward(x, dtype, reduction, weight, pos_weight), "op": "BceWithLogitsGrad",
            "grad_output": (grad_output, dtype), "grad_target": grad_target, **extra}


VALID = [
    _forward([4, 1000], "float32", "mean", weight=([1000], "float16"), pos_weight=([1], "bfloat16")),
    _forward([64, 33], "float16", "none"),
    _forward([8, 3, 5], "bfloat16", "sum", pos_weight=([3, 1], "float32")),
    _forward([256, 1000], "float32", "none", pos_weight=([1000], "float32"), cores=20),  # partitioned device
    _forward([4096, 1000], "float16", "mean", weight=([4096, 1000], "float16")),
    _forward([0, 7], "float32", "mean"),  # empty: the kernel writes NaN
    _forward([5], "float16", "-"),  # attr left out: the OpDef's default, mean
    _forward([3, 70000], "float32", "sum", sysws=8 * 1024 * 1024),  # workspace follows the platform
    _backward([4, 1000], "float32", "none", [4, 1000], weight=([4, 1], "float32")),
    _backward([16, 1000], "bfloat16", "mean", [], pos_weight=([1000], "float16")),
    _backward([7, 9], "float16", "sum", [1, 1], grad_target=1),
]


def _expected(case):
    x, dtype = case["x"]
    reduction = {v: k for k, v in REDUCTIONS.items()}[1 if case["reduction"] == "-" else case["reduction"]]
    kernel = "forward"
    if case["op"] == "BceWithLogitsGrad":
        kernel = "backward_target" if case["grad_target"] else "backward"
    w, pw = case["weight"], case["pos_weight"]
    args = dict(input_shape=x, dtype=dtype, reduction=reduction, weight_shape=w and w[0],
                weight_dtype=w[1] if w else "float32", pos_weight_shape=pw and pw[0],
                pos_weight_dtype=pw[1] if pw else "float32", soc="910B1",
                max_blocks=case.get("cores", A2_CORES) if case.get("cores", A2_CORES) < A2_CORES else 0,
                kernel=kernel)
    shape = _C.host.output_shape(x, reduction) if kernel == "forward" else x
    return shape, _C.host.tiling_bytes(**args), _C.host.plan_launch(**args)


@pytest.mark.parametrize("case", VALID, ids=lambda c: f"{c['op']}-{c['x'][1]}-{c['x'][0]}")
def test_infer_and_tiling_equal_the_python_path(driver, case):
    (result,), _ = _run(driver, [case])
    shape, tiling, plan = _expected(case)
    assert result["infer_shape"] == {"status": 0, "shape": list(shape)}
    assert result["infer_dtype"] == {"status": 0, "dtype": case["x"][1]}
    t = result["tiling"]
    assert t["status"] == 0
    assert bytes.fromhex(t["bytes"]) == tiling and t["data_size"] == _C.host.TILING_SIZE
    assert t["block_dim"] == plan["block_dim"]
    assert t["schedule_mode"] == (1 if plan["batch_mode"] else 0)
    assert t["tiling_key"] == 0
    sysws = case.get("sysws", SYSTEM_WORKSPACE)
    expected_ws = sysws + plan["user_workspace_bytes"] if plan["user_workspace_bytes"] else 0
    assert t["workspaces"] == [expected_ws]
    if sysws == SYSTEM_WORKSPACE:  # the kernel-launch adapters allocate the same
        assert expected_ws == plan["device_workspace_bytes"]


H = _C.host
BAD = [  # (case, stages that must fail, part of the message, the same rule in the Python path)
    ({**_forward([4, 1000], "float32"), "target": ([4, 999], "float32")}, {"infer_shape", "tiling"}, "arget size",
     lambda: H.validate_shapes([4, 1000], [4, 999])),
    (_forward([4, 1000], "float32", weight=([3], "float32")), {"infer_shape", "tiling"}, "weight",
     lambda: H.validate_shapes([4, 1000], [4, 1000], [3])),
    (_forward([4, 1000], "float32", weight=([1000], "float64")), {"infer_dtype", "tiling"}, "weight: dtype",
     lambda: H.compute_tiling([4, 1000], "float32", "mean", [1000], "float64")),
    ({**_forward([4, 8], "float32"), "target": ([4, 8], "float16")}, {"infer_dtype", "tiling"}, "target: dtype", None),
    (_forward([4, 8], "float32", reduction=3), {"infer_shape", "tiling"}, "reduction: code 3",
     lambda: H.compute_tiling([4, 8], "float32", "3")),
    (_forward([2] * 9, "float32"), {"infer_shape", "tiling"}, "9 dimensions", lambda: H.validate_shapes([2] * 9, [2] * 9)),
    (_backward([4, 8], "float32", "none", [4, 1]), {"infer_shape", "tiling"}, "grad_output: shape", None),
    ({**_forward([4, 8], "float32"), "x": None}, {"infer_shape", "infer_dtype", "tiling"}, "x: missing", None),
    (_forward([4, 8], "float32", cores=0), {"tiling"}, "platform", None),
    (_forward([4, 8], "float32", tiling_capacity=_C.host.TILING_SIZE - 8), {"tiling"}, "tiling buffer", None),
]


@pytest.mark.parametrize("case,failing,message,python_rule", BAD, ids=[b[2] for b in BAD])
def test_bad_calls_fail_where_the_python_path_raises(driver, case, failing, message, python_rule):
    (result,), stderr = _run(driver, [case])
    for stage in ("infer_shape", "infer_dtype", "tiling"):
        assert (result[stage]["status"] == GRAPH_FAILED) == (stage in failing), (stage, result)
    assert message in stderr and "[ascend_bce] BceWithLogits" in stderr
    if python_rule is not None:
        with pytest.raises(ValueError):
            python_rule()


def test_dynamic_dims_pass_infer_shape_unchecked(driver):
    results, _ = _run(driver, [
        {**_forward([-1, 1000], "float16", "none"), "target": ([-1, 1000], "float16")},
        _forward([-2], "float32", "mean"),
        _backward([-1, 3], "float32", "sum", []),
    ])
    assert [r["infer_shape"] for r in results] == [{"status": 0, "shape": [-1, 1000]}, {"status": 0, "shape": []},
                                                    {"status": 0, "shape": [-1, 3]}]


# --- the OpDefs and the aclnn API CANN generates from them ---------------------------------------

@pytest.fixture(scope="module")
def defs(driver):
    out = subprocess.run([str(driver), "--defs"], capture_output=True, text=True, timeout=30, check=True)
    return {d["type"]: d for d in map(json.loads, out.stdout.splitlines())}


def test_opdefs_declare_every_dtype_combination_of_the_kernels(defs):
    assert sorted(defs) == ["BceWithLogits", "BceWithLogitsGrad"]
    dtypes = ("float16", "float32", "bfloat16")
    expected_rows = {(v, w, p) for v in dtypes for w in dtypes for p in dtypes}
    for name, d in defs.items():
        params = {p["name"]: p for p in d["inputs"] + d["outputs"]}
        rows = list(zip(params["x"]["dtypes"], params["weight"]["dtypes"], params["pos_weight"]["dtypes"]))
        assert len(rows) == len(set(rows)) == 27 and set(rows) == expected_rows
        same = ["target", "y" if name == "BceWithLogits" else "grad"] + (["grad_output"] if "Grad" in name else [])
        for p in same:
            assert params[p]["dtypes"] == params["x"]["dtypes"], p
        assert all(p["formats"] == [2] * 27 for p in params.values())  # FORMAT_ND
        # One binary per OpType: every row looks up the all-fp32 row's binary, which is declared.
        bin_rows = set(zip(*(params[p]["bin_query"] for p in params)))
        declared = set(zip(*(params[p]["dtypes"] for p in params)))
        assert bin_rows == {("float32",) * len(params)} and bin_rows <= declared
        assert d["socs"] == ["ascend910b"] and d["has_infer_shape"] and d["has_infer_dtype"] and d["has_tiling"]


def _convert_name(name):
    """asc-devkit opbuild's ConvertName: snake_case -> lowerCamelCase."""
    head, *rest = name.split("_")
    return head[0].lower() + head[1:] + "".join(r[:1].upper() + r[1:] for r in rest)


def _aclnn_prototype(d):
    """The GetWorkspaceSize prototype opbuild (op_aclnn_generator.cpp) writes for an OpDef."""
    params = []
    for p in d["inputs"]:
        params.append(f"const aclTensor *{_convert_name(p['name'])}{'Optional' if p['param_type'] == 1 else ''}")
    for a in d["attrs"]:
        params.append({"Int": "int64_t", "Bool": "bool"}[a["kind"]] + " " + _convert_name(a["name"]))
    outs = d["outputs"]
    params += ["const aclTensor *out"] if len(outs) == 1 else [f"const aclTensor *{_convert_name(o['name'])}Out" for o in outs]
    params += ["uint64_t *workspaceSize", "aclOpExecutor **executor"]
    return f"aclnnStatus aclnn{d['type']}GetWorkspaceSize({', '.join(params)});"


def test_documented_aclnn_signatures_are_what_opbuild_generates(defs):
    doc = (OPP / "README.md").read_text()
    code = re.search(r"```c\n(.*?)```", doc, re.S).group(1)
    code = re.sub(r"/\*.*?\*/", "", code)
    prototypes = [" ".join(p.split()).replace("( ", "(").replace(" )", ")").replace(" ,", ",")
                  for p in re.findall(r"aclnnStatus aclnn\w+GetWorkspaceSize\([^;]*;", code)]
    assert prototypes == [_aclnn_prototype(defs["BceWithLogits"]), _aclnn_prototype(defs["BceWithLogitsGrad"])]
    for name in defs:
        assert f"aclnnStatus aclnn{name}( void *workspace, uint64_t workspaceSize, aclOpExecutor *executor, " \
               "aclrtStream stream);" in " ".join(code.split())


def test_kernel_entries_take_the_opdef_inputs_in_order(defs):
    from cann_stubs import kernel_params
    for name, kernel in (("BceWithLogits", "bce_with_logits"), ("BceWithLogitsGrad", "bce_with_logits_grad")):
        entry, params = kernel_params(ROOT / "op_kernel" / f"{kernel}.cpp")
        assert entry == kernel  # opbuild's snake case of the OpType
        assert len(params) == len(defs[name]["inputs"]) + len(defs[name]["outputs"]) + 2
        assert params[-2:] == ["workspace", "tiling"]


def test_pure_op_package_logic_has_no_cann_includes():
    for name in ("bce_with_logits_opp_call.h", "bce_with_logits_opp_call.cpp"):
        includes = re.findall(r'#include\s*[<"]([^>"]+)[>"]', (OPP / name).read_text())
        assert not [i for i in includes if i.startswith(("register/", "tiling/", "exe_graph", "graph/", "acl"))]


def test_kernels_take_the_empty_launches_the_op_package_makes():
    """The kernel-launch adapters skip empty inputs; an aclnn call launches them: the kernels must
    write nothing for 'none' and the backward, and torch's NaN / 0 for mean / sum."""
    import numpy as np
    x = np.zeros((0, 7), np.float32)
    workspace = np.zeros(32, np.uint8)
    for reduction, want in (("none", None), ("mean", np.nan), ("sum", 0.0)):
        tiling = np.frombuffer(_C.host.tiling_bytes([0, 7], "float32", reduction), np.uint8).copy()
        out = np.full(1 if want is not None else 0, 7.0, np.float32)
        stats = _C.launch_bce_with_logits(x, x, None, None, out, workspace, tiling, "910B1")
        assert stats.gm_bytes_read == 0
        if want is not None:
            np.testing.assert_equal(out, [want])
    for kernel in ("backward", "backward_target"):
        tiling = np.frombuffer(_C.host.tiling_bytes([0, 7], "float32", "sum", kernel=kernel), np.uint8).copy()
        stats = _C.launch_bce_with_logits_grad(x, x, None, None, np.ones(1, np.float32), np.empty(0, np.float32),
                                               workspace, tiling, "910B1")
        assert stats.gm_bytes_written == 0


@pytest.mark.skipif(not os.environ.get("ASCEND_BCE_CANN_INCLUDE"),
                    reason="set ASCEND_BCE_CANN_INCLUDE to CANN's host include dirs (colon-separated)")
@pytest.mark.parametrize("name", ["bce_with_logits_def.cpp", "bce_with_logits_infershape.cpp",
                                  "bce_with_logits_tiling_func.cpp"])
def test_opp_host_compiles_against_real_cann_headers(name):
    """The same files against CANN's own headers instead of tests/cann_decl (on a CANN host, or
    against metadef/ge/asc-devkit sources)."""
    includes = [f"-I{d}" for d in os.environ["ASCEND_BCE_CANN_INCLUDE"].split(os.pathsep) if d]
    result = subprocess.run(["g++", "-std=c++17", "-fsyntax-only", "-Wall", "-Wextra", f"-I{ROOT}", *includes,
                             str(OPP / name)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
