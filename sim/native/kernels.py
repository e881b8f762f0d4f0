"""Kernels: plain Python functions in numba's nopython subset, compiled on their first call.

A `Kernel` stands where its module would have bound a numba dispatcher. Its first call
chooses how it runs:
- through the ahead-of-time library (library.py), when the library is built and one of the
  kernel's `Signature`s matches the arguments' types exactly: native code, no numba import,
  no compiler in the process;
- else through numba's JIT (`numba.njit(cache=True, nogil=True)`), imported at that moment.

Both compile the same source with the same LLVM, and the kernels do integer arithmetic only,
so either way gives the same results bit for bit (tests/native checks it). Inside compiled
code a kernel that calls another sees its dispatcher: `_numba_type_` is what numba's typeof
reads of any global, so the modules keep their plain names and imports.
"""

import os
from collections.abc import Callable, Sequence
from types import ModuleType

import numpy as np
from attrs import define

JIT_ONLY = "SIM_KERNELS"  # set to "jit": never build nor load the ahead-of-time library


@define(frozen=True)
class Array:
    """A C-contiguous array argument."""

    dtype: str  # a numpy dtype name: "int64", "uint64", "uint8", "bool"
    ndim: int = 1


# An argument's type: a dtype name (a scalar), an Array, or a tuple of types.
Spec = str | Array | tuple


@define(frozen=True)
class Signature:
    """One exact specialization built ahead of time: the arguments' types and the result's
    (None: the kernel returns nothing)."""

    args: tuple
    result: Spec | None = None


_REGISTRY: list["Kernel"] = []
_REMEMBERED = 64  # tuples of arrays an argument check remembers as already checked


class Kernel:
    """A compiled function; call it as the Python function it wraps."""

    def __init__(self, function: Callable, signatures: Sequence[Signature], intrinsic: bool):
        self.py_func = function
        self.signatures = tuple(signatures)
        self.intrinsic = intrinsic
        self.__name__, self.__qualname__ = function.__name__, function.__qualname__
        self.__module__, self.__doc__ = function.__module__, function.__doc__
        self._dispatcher = None
        self._native: list[tuple[Callable, Callable]] = []  # (argument check, native function)
        self._call = self._first_call
        self.jit_calls = 0  # calls no native function matched: numba's JIT ran them
        _REGISTRY.append(self)

    def __call__(self, *args):
        return self._call(*args)

    def __repr__(self) -> str:
        return f"<kernel {self.__module__}.{self.__name__}>"

    @property
    def dispatcher(self):
        """numba's dispatcher (or intrinsic) of the function, made on first use."""
        if self._dispatcher is None:
            if self.intrinsic:
                from numba.extending import intrinsic

                self._dispatcher = intrinsic(self.py_func)
            else:
                from numba import njit

                self._dispatcher = njit(cache=True, nogil=True)(self.py_func)
        return self._dispatcher

    @property
    def _numba_type_(self):
        """What numba's typeof sees when compiled code calls this kernel."""
        from numba.core.registry import cpu_target

        dispatcher = self.dispatcher
        typing = cpu_target.typing_context
        typing.refresh()  # installs what a new intrinsic registered
        return typing.resolve_value_type(dispatcher)

    def export_name(self, index: int) -> str:
        """The name of signature `index`'s function in the ahead-of-time library."""
        return f"{self.__module__.replace('.', '_')}__{self.__name__}_{index}"

    def bind(self, library: ModuleType | None) -> None:
        """Run matching calls through `library`'s functions (None: through the JIT only)."""
        self._native = []
        if library is not None:
            for index, signature in enumerate(self.signatures):
                native = getattr(library, self.export_name(index), None)
                if native is not None:
                    self._native.append((argument_check(signature.args), native))
        self._call = self._dispatch if self._native else self._jit

    def _first_call(self, *args):
        from sim.native.library import load

        library = None if os.environ.get(JIT_ONLY) == "jit" else load()
        self.bind(library)
        return self._call(*args)

    def _dispatch(self, *args):
        for check, native in self._native:
            if check(args):
                return native(*args)
        return self._jit(*args)

    def _jit(self, *args):
        self.jit_calls += 1
        return self.dispatcher(*args)


def kernel(function: Callable | None = None, *, signatures: Sequence[Signature] = ()):
    """Make `function` a Kernel; `signatures` are the specializations built ahead of time
    (none: the kernel is a helper, compiled into the kernels that call it)."""
    if function is None:
        return lambda f: Kernel(f, signatures, intrinsic=False)
    return Kernel(function, signatures, intrinsic=False)


def intrinsic(function: Callable) -> Kernel:
    """A numba intrinsic (`numba.extending.intrinsic`): LLVM IR emitted inline; compiled code
    only can call it."""
    return Kernel(function, (), intrinsic=True)


def registered() -> tuple[Kernel, ...]:
    return tuple(_REGISTRY)


def argument_check(specs: tuple) -> Callable[[tuple], bool]:
    """A function telling whether arguments have exactly the types `specs` give.

    A native function unboxes what it is given without looking: an array of another dtype
    would be read as if it were right. The check is one generated expression (a kernel call
    is a few microseconds, so a Python call per argument would show). Tuples of arrays (the
    cache levels' states, passed on every call) are checked once and remembered by identity,
    the last few only."""
    names: dict = {"_ndarray": np.ndarray, "_integer": np.integer, "_np_bool": np.bool_}
    arguments = [f"a{i}" for i in range(len(specs))]
    terms = [_expression(spec, name, names) for spec, name in zip(specs, arguments)]
    unpack = f"    {', '.join(arguments)}, = args\n" if arguments else ""
    source = (
        f"def check(args):\n    if len(args) != {len(specs)}:\n        return False\n"
        f"{unpack}    return {' and '.join(terms) or 'True'}\n"
    )
    exec(source, names)  # noqa: S102 (our own source, built from the specs above)
    return names["check"]


def _expression(spec: Spec, name: str, names: dict) -> str:
    """A Python expression true when `name` has the type `spec`; what it refers to goes into
    `names`."""
    if isinstance(spec, Array):
        dtype = f"_d{len(names)}"
        names[dtype] = np.dtype(spec.dtype)
        return (
            f"(type({name}) is _ndarray and {name}.dtype == {dtype} and {name}.ndim == "
            f"{spec.ndim} and {name}.flags.c_contiguous)"
        )
    if isinstance(spec, tuple):
        if _holds_arrays(spec):
            learn = f"_learn{len(names)}"
            names[learn] = _remembering(argument_check(spec))
            return f"{learn}({name})"
        parts = [_expression(part, f"{name}[{j}]", names) for j, part in enumerate(spec)]
        return f"(type({name}) is tuple and len({name}) == {len(spec)} and {' and '.join(parts)})"
    if spec == "bool":
        return f"(type({name}) is bool or type({name}) is _np_bool)"
    return f"(type({name}) is int or isinstance({name}, _integer))"


def _remembering(check: Callable[[tuple], bool]) -> Callable[[object], bool]:
    """`check` of a tuple's items, remembering the last few tuples that passed."""
    seen: dict[int, tuple] = {}

    def learn(value) -> bool:
        if seen.get(id(value)) is value:
            return True
        if type(value) is not tuple or not check(value):
            return False
        if len(seen) >= _REMEMBERED:
            seen.clear()
        seen[id(value)] = value
        return True

    return learn


def _holds_arrays(spec: Spec) -> bool:
    return isinstance(spec, Array) or (isinstance(spec, tuple) and any(map(_holds_arrays, spec)))
