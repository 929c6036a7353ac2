"""Where the CANN operator package of ascend_bce (vendor ``ascend_bce``: OpTypes BceWithLogits and
BceWithLogitsGrad, the aclnnBceWithLogits* API) is installed, for the NPU adapters that call it.

Search order: the vendor directories on ``$ASCEND_CUSTOM_OPP_PATH`` (a ``.run`` installed with
``--install-path``, after sourcing its ``bin/set_env.bash``), ``$ASCEND_OPP_PATH/vendors/ascend_bce``
(a ``.run`` installed with no arguments), then the copy a ``pip install .`` on an A2 host put into
this package (``ascend_bce/_opp/vendors/ascend_bce``)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional

VENDOR = "ascend_bce"
OPAPI_LIBRARY = Path("op_api") / "lib" / "libcust_opapi.so"
CUSTOM_OPP_PATH_ENV = "ASCEND_CUSTOM_OPP_PATH"
OPP_PATH_ENV = "ASCEND_OPP_PATH"
WHEEL_VENDOR_DIR = Path(__file__).resolve().parent / "_opp" / "vendors" / VENDOR

BUILD_INSTRUCTIONS = (
    "On an Atlas A2 host with CANN (source <CANN>/set_env.sh): `pip install .` from the ascend-bce "
    "source tree builds and bundles it, or `scripts/build_opp.sh --install-path <dir>` followed by "
    f"`source <dir>/vendors/{VENDOR}/bin/set_env.bash`.")


class NpuPackageNotBuiltError(RuntimeError):
    """The NPU path was asked for, but the ascend_bce op package is not installed anywhere CANN or
    this package looks."""


def candidate_dirs() -> List[Path]:
    """Vendor directories that may hold the package, in search order."""
    dirs = []
    for entry in os.environ.get(CUSTOM_OPP_PATH_ENV, "").split(os.pathsep):
        if entry:
            path = Path(entry)
            dirs.append(path if path.name == VENDOR else path / "vendors" / VENDOR)
    if os.environ.get(OPP_PATH_ENV):
        dirs.append(Path(os.environ[OPP_PATH_ENV]) / "vendors" / VENDOR)
    dirs.append(WHEEL_VENDOR_DIR)
    return dirs


def find_vendor_package() -> Optional[Path]:
    """The first installed ascend_bce vendor directory (one with the aclnn library), or None."""
    for directory in candidate_dirs():
        if (directory / OPAPI_LIBRARY).is_file():
            return directory
    return None


def opapi_library() -> Path:
    """``libcust_opapi.so`` of the installed package (what the adapters dlopen for the aclnn API);
    NpuPackageNotBuiltError naming the places searched and how to build it otherwise."""
    vendor = find_vendor_package()
    if vendor is None:
        searched = ", ".join(str(d) for d in candidate_dirs())
        raise NpuPackageNotBuiltError(
            f"the NPU path needs the ascend_bce CANN op package, which is not installed (searched: {searched}). "
            + BUILD_INSTRUCTIONS)
    return vendor / OPAPI_LIBRARY


def register_wheel_vendor() -> bool:
    """Puts the package a ``pip install`` bundled onto ``$ASCEND_CUSTOM_OPP_PATH`` (CANN reads it when
    it loads custom operators, so this runs at ``import ascend_bce``, before any device use).
    Returns whether it did; a CPU-only install has no bundled package and changes nothing."""
    if not (WHEEL_VENDOR_DIR / OPAPI_LIBRARY).is_file():
        return False
    entries = [e for e in os.environ.get(CUSTOM_OPP_PATH_ENV, "").split(os.pathsep) if e]
    if str(WHEEL_VENDOR_DIR) in entries:
        return False
    # Appended: a package the user installed and sourced on purpose keeps precedence.
    os.environ[CUSTOM_OPP_PATH_ENV] = os.pathsep.join(entries + [str(WHEEL_VENDOR_DIR)])
    return True
