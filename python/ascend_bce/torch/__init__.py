"""PyTorch binding: ``torch.ops.ascend_bce.bce_with_logits`` and its backward ops (torch.library:
CPU simulator and fake kernels, vmap, autocast, autograd), torch's functional and the drop-in
``BCEWithLogitsLoss`` module.

- ops.py        schema, CPU/fake kernels, vmap rules, device checks, NPU library loading
- autograd.py   reverse, forward and functorch autodiff; grad_grad.py: second derivatives
- autocast.py   fp32 under autocast, as torch's policy for this op
- functional.py torch's signature, promotion, float64 (reference.py), rank > 8 (shapes.py)
- module.py     BCEWithLogitsLoss
- torchair_converter.py  GE-mode converters to the op package's IR (registered when torchair is installed)
"""
from .._dtypes import REDUCTION_CODES
from .._frameworks import register_binding_call
from . import autocast as _autocast
from . import autograd as _autograd  # noqa: F401  (registers the ops' autograd)
from .functional import binary_cross_entropy_with_logits, neutral_call
from .module import BCEWithLogitsLoss
from .ops import NPU_LIBRARY_ENV, NPU_LIBRARY_NAME, load_npu_library
from .torchair_converter import register as _register_torchair_converters

_autocast.register()
register_binding_call("torch", neutral_call)
_register_torchair_converters()

__all__ = ["BCEWithLogitsLoss", "binary_cross_entropy_with_logits", "load_npu_library", "REDUCTION_CODES"]
