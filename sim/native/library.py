"""The ahead-of-time library of kernels: where it lives, when it is stale, building it once.

A warm numba JIT still costs a run about half a second before its first tile: importing
numba, then setting up its compiler to load each kernel from the cache. The library is a
CPython extension module that numba's AOT compiler (`numba.pycc`) builds from the same
kernels; a run imports it in under a millisecond and never imports numba.

The first kernel call of a process builds it when it is missing (once per machine and
version of the kernels; docs/performance.md has the times) and keeps it in the package's
`__pycache__`, or `~/.cache/sim` when that is not writable, or $SIM_CACHE_DIR. Its name holds
a hash of what it is built from: the kernel modules' source, this package's, the Python,
numpy's major version and the CPU. A changed kernel gets a new library and the old one is
removed. A failed build (no C compiler, say) leaves a `.failed` file with its error where the
library would be, and runs use numba's JIT from then on; delete the file to try again.
Processes build one at a time under a file lock; a library appears whole or not at all.
"""

import contextlib
import hashlib
import importlib.machinery
import importlib.util
import itertools
import os
import platform
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np

NAME = "_sim_kernels"
CACHE_DIR = "SIM_CACHE_DIR"  # environment: where to keep libraries instead
KERNEL_MODULES = (
    "sim.cache.kernel",
    "sim.cache.chain",
    "sim.trace.lines",
    "sim.trace.rows",
    "sim.trace.microkernel",
    "sim.trace.im2col",
)
_PACKAGE = Path(__file__).resolve().parent.parent
_loaded: list[ModuleType | None] = []  # the process's answer, once known


def load() -> ModuleType | None:
    """The library, built first if need be; None if it cannot be built or loaded (nowhere
    to write it, say): the kernels then run on the JIT."""
    if not _loaded:
        try:
            _loaded.append(_load_or_build())
        except (OSError, ImportError):
            _loaded.append(None)
    return _loaded[0]


def key() -> str:
    """A hash of everything the library is built from."""
    digest = hashlib.sha256()
    sources = [
        _PACKAGE / f"{name.split('.', 1)[1].replace('.', '/')}.py" for name in KERNEL_MODULES
    ]
    sources += sorted((_PACKAGE / "native").glob("*.py"))
    for path in sources:
        digest.update(path.read_bytes())
    machine = (sys.implementation.cache_tag, np.__version__.split(".")[0], platform.machine())
    digest.update(repr((machine, _cpu())).encode())
    return digest.hexdigest()[:16]


def _cpu() -> str:
    """This CPU's model and instruction-set flags: the library uses its instructions, so a
    cache directory shared with other machines must not hand it to them."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        with cpuinfo.open() as lines:  # the first processor's block
            block = itertools.takewhile(str.strip, lines)
            return "".join(line for line in block if line.startswith(("model name", "flags")))
    return platform.processor()


def directory() -> Path:
    """Where libraries are kept: $SIM_CACHE_DIR if set, else the package's __pycache__, else
    the user's cache."""
    chosen = os.environ.get(CACHE_DIR)
    if chosen:
        Path(chosen).mkdir(parents=True, exist_ok=True)
        return Path(chosen)
    own = _PACKAGE / "__pycache__"
    try:
        own.mkdir(exist_ok=True)
        if os.access(own, os.W_OK):
            return own
    except OSError:
        pass
    home = Path.home() / ".cache" / "sim"
    home.mkdir(parents=True, exist_ok=True)
    return home


def path() -> Path:
    return directory() / f"{NAME}-{key()}{sysconfig.get_config_var('EXT_SUFFIX')}"


def _load_or_build() -> ModuleType | None:
    target = path()
    failed = target.with_suffix(".failed")
    if not target.exists() and not failed.exists():
        with _locked(target.parent / f"{NAME}.lock"):
            if not target.exists() and not failed.exists():
                _build(target, failed)
    if not target.exists():
        return None
    return _import(target)


def _build(target: Path, failed: Path) -> None:
    import sim.native
    from sim.native.build import compile_library

    if sim.native.before_build is not None:
        sim.native.before_build()
    try:
        with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
            built = compile_library(NAME, Path(scratch), KERNEL_MODULES)
            os.replace(built, target)
    except Exception as exc:  # any failure of the compiler: the JIT runs the kernels instead
        failed.write_text(f"{type(exc).__name__}: {exc}\n")
        return
    for old in target.parent.glob(f"{NAME}-*"):
        if old != target and old.suffix != ".lock":
            old.unlink(missing_ok=True)


def _import(target: Path) -> ModuleType:
    loader = importlib.machinery.ExtensionFileLoader(NAME, str(target))
    spec = importlib.util.spec_from_file_location(NAME, target, loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """An exclusive lock on a file (fcntl), where the platform has one; closing releases it."""
    with open(lock_path, "w") as file:
        with contextlib.suppress(ImportError):
            import fcntl

            fcntl.flock(file, fcntl.LOCK_EX)
        yield
