"""Building the ahead-of-time library with numba's AOT compiler (`numba.pycc`).

Imported only to build (library.py): it is the one module that needs numba's compiler and a
C compiler. Every signature of every kernel in the kernel modules is exported under
`Kernel.export_name`; the kernels they call are compiled into them.
"""

import importlib
import warnings
from pathlib import Path

from sim.native.kernels import Array, Signature, Spec, registered


def compile_library(name: str, directory: Path, modules: tuple[str, ...]) -> Path:
    """Compile the kernels of `modules` into the extension module `name` in `directory`;
    return its path."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pycc's pending deprecation, not the user's concern
        from numba.pycc import CC

    for module in modules:
        importlib.import_module(module)
    cc = CC(name)
    cc.output_dir = str(directory)
    cc.target_cpu = "host"  # as the JIT compiles: this CPU's instructions (library.key knows it)
    for kernel in registered():
        if kernel.__module__ not in modules:
            continue
        for index, signature in enumerate(kernel.signatures):
            cc.export(kernel.export_name(index), numba_signature(signature))(kernel.py_func)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cc.compile()
    return directory / cc.output_file


def numba_signature(signature: Signature):
    from numba import types

    result = types.void if signature.result is None else numba_type(signature.result)
    return result(*(numba_type(spec) for spec in signature.args))


def numba_type(spec: Spec):
    from numba import types

    if isinstance(spec, Array):
        return types.Array(_scalar(spec.dtype), spec.ndim, "C")
    if isinstance(spec, tuple):
        parts = [numba_type(part) for part in spec]
        if parts and all(part == parts[0] for part in parts):
            return types.UniTuple(parts[0], len(parts))
        return types.Tuple(parts)
    return _scalar(spec)


def _scalar(dtype: str):
    from numba import types

    return types.boolean if dtype == "bool" else getattr(types, dtype)
