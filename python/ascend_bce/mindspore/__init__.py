"""MindSpore binding: ``BCEWithLogitsLoss`` (an ``nn.Cell`` with ``mindspore.mint.nn``'s signature)
and ``binary_cross_entropy_with_logits``, differentiable through MindSpore's autodiff, in
PyNative, GRAPH_MODE and ``mindspore.jit``.

On the CPU target the kernels run in the CPU simulator (``_aot``: ``ops.Custom`` aot ops over our
own extension, with bprops and C++ infer shapes, so dynamic shapes compile in GRAPH_MODE too). On the Ascend target (Atlas A2) they run on the NPU as CustomOpBuilder ops, in
PyNative mode only (``ascend_bce._mindspore_ascend``: what to build, and the errors when it is
not built). Other targets raise instead of silently running elsewhere. ``_loss`` holds the
argument checks, mint's dtype promotion, 0-d and empty inputs, and the dispatch.
"""
from ._loss import BCEWithLogitsLoss, binary_cross_entropy_with_logits

__all__ = ["BCEWithLogitsLoss", "binary_cross_entropy_with_logits"]
