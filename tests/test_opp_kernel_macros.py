"""The kernel entries read their tiling through REGISTER_TILING_DEFAULT + GET_TILING_DATA_WITH_STRUCT:
the op compiler's definitions (force-included, as asc-devkit's get_op_tiling.py generates them)
replace the project fallbacks (op_kernel/bce_with_logits_tiling_macros.h) that cpu_sim and the
kernel-launch build use; the simulator tests run the fallback path."""
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENTRIES = [ROOT / "op_kernel" / "bce_with_logits.cpp", ROOT / "op_kernel" / "bce_with_logits_grad.cpp"]

# The shapes of the op compiler's definitions: REGISTER_TILING_DEFAULT as asc-devkit's
# kernel_utils_macros.h (a sized variable in a section named after the struct),
# GET_TILING_DATA_WITH_STRUCT as get_op_tiling.py writes it (REGISTER_TILINGDATA_SIZE, then an
# InitTilingData copy into a local of the struct type). Marked so the test sees which ran.
GENERATED = textwrap.dedent("""
    #include <cstdint>
    #define REGISTER_TILING_DEFAULT(tiling_struct) \\
        static const uint64_t ascendc_tiling_struct_test __attribute__((used, section(".ascendc_tiling." #tiling_struct))) = sizeof(tiling_struct)
    #define REGISTER_TILINGDATA_SIZE(tiling_struct, counter) static_assert(sizeof(tiling_struct) > 0, "size")
    template <typename T> inline void InitTilingData(const unsigned char* src, T* dst) {
        for (unsigned i = 0; i < sizeof(T); ++i) reinterpret_cast<unsigned char*>(dst)[i] = src[i];
    }
    #define GET_TILING_DATA_WITH_STRUCT(tiling_struct, tiling_data, tiling_arg) \\
        REGISTER_TILINGDATA_SIZE(tiling_struct, __COUNTER__);                   \\
        tiling_struct tiling_data;                                              \\
        InitTilingData<tiling_struct>(tiling_arg, &tiling_data); GENERATED_MACRO_USED
""")


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda p: p.name)
def test_entry_registers_and_reads_the_tiling_struct(entry):
    text = entry.read_text()
    assert '#include "bce_with_logits_tiling_macros.h"' in text
    body = text[text.index('extern "C"'):]
    assert re.search(r"REGISTER_TILING_DEFAULT\(BceWithLogitsTilingData\);\s*"
                     r"GET_TILING_DATA_WITH_STRUCT\(BceWithLogitsTilingData, tilingData, tiling\);", body)
    assert "CopyTiling(" not in body


def test_fallbacks_only_where_the_toolchain_has_none():
    text = (ROOT / "op_kernel" / "bce_with_logits_tiling_macros.h").read_text()
    assert "#ifndef REGISTER_TILING_DEFAULT\n#define REGISTER_TILING_DEFAULT(tiling_struct)" in text
    assert "#ifndef GET_TILING_DATA_WITH_STRUCT\n#define GET_TILING_DATA_WITH_STRUCT(tiling_struct, tiling_data, tiling_arg)" \
        in text
    assert "using BceWithLogitsTilingData = BceWithLogits::TilingData;" in text


@pytest.mark.skipif(shutil.which("g++") is None, reason="g++ not installed")
@pytest.mark.parametrize("entry", ENTRIES, ids=lambda p: p.name)
def test_generated_macros_override_the_fallbacks(tmp_path, entry):
    generated = tmp_path / "generated_tiling.h"
    generated.write_text(GENERATED.replace("GENERATED_MACRO_USED", "static_assert(true, \"generated\")"))
    cmd = ["g++", "-std=c++17", "-fsyntax-only", "-Werror", "-include", str(generated),
           f"-I{ROOT / 'cpu_sim' / 'include'}", f"-I{ROOT / 'op_kernel'}", str(entry)]
    ok = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert ok.returncode == 0, ok.stderr[-3000:]
    # The same, with a marker that fails to compile: proves the generated definition is the one used.
    generated.write_text(GENERATED.replace("GENERATED_MACRO_USED", "static_assert(false, \"generated macro used\")"))
    used = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert used.returncode != 0 and "generated macro used" in used.stderr
