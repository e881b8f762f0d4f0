"""The library is rebuilt when what it is built from changes, built once by one process, and a
failed build falls back to the JIT without trying again."""

import importlib
import pkgutil
import shutil
from pathlib import Path

import pytest

import sim
from sim.native import build, library

PACKAGE = Path(sim.__file__).parent


@pytest.fixture
def package_copy(tmp_path, monkeypatch):
    """The package's sources in a scratch directory, which `key` then reads."""
    copy = tmp_path / "sim"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(library, "_PACKAGE", copy)
    return copy


@pytest.mark.parametrize(
    "source", [*(m.split(".", 1)[1].replace(".", "/") + ".py" for m in library.KERNEL_MODULES),
               "native/kernels.py"],
)  # fmt: skip
def test_a_changed_source_changes_the_key(package_copy, source):
    before = library.key()
    path = package_copy / source
    text = path.read_text()
    path.write_text(text + "\n")
    assert library.key() != before
    path.write_text(text)
    assert library.key() == before


def test_a_source_the_kernels_do_not_use_leaves_the_key(package_copy):
    before = library.key()
    (package_copy / "cli.py").write_text("changed = True\n")
    assert library.key() == before


def test_every_module_with_kernels_is_built():
    """Every module of sim imported, the kernels with signatures are the library's modules'."""
    from sim.native.kernels import registered

    for module in pkgutil.walk_packages(sim.__path__, "sim."):
        if module.name != "sim.__main__":  # that one runs the command line
            importlib.import_module(module.name)
    modules = {kernel.__module__ for kernel in registered() if kernel.signatures}
    assert modules == set(library.KERNEL_MODULES)


def test_a_failed_build_is_recorded_and_not_tried_again(tmp_path, monkeypatch):
    monkeypatch.setenv(library.CACHE_DIR, str(tmp_path))
    tries = []

    def no_compiler(name, directory, modules):
        tries.append(name)
        raise RuntimeError("no C compiler")

    monkeypatch.setattr(build, "compile_library", no_compiler)
    assert library._load_or_build() is None
    assert library._load_or_build() is None
    assert len(tries) == 1
    failed = library.path().with_suffix(".failed")
    assert failed.read_text() == "RuntimeError: no C compiler\n"


def test_a_build_replaces_older_libraries_and_leaves_no_scratch(tmp_path, monkeypatch):
    monkeypatch.setenv(library.CACHE_DIR, str(tmp_path))
    old = tmp_path / f"{library.NAME}-0123456789abcdef.so"
    old.write_text("an older library")

    monkeypatch.setattr(build, "compile_library", lambda name, directory, modules: _fake(directory))
    monkeypatch.setattr(library, "_import", lambda target: target.read_text())
    assert library._load_or_build() == "built"
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([library.path().name, f"{library.NAME}.lock"])


def test_only_a_build_is_announced(tmp_path, monkeypatch):
    import sim.native

    monkeypatch.setenv(library.CACHE_DIR, str(tmp_path))
    announced = []
    monkeypatch.setattr(sim.native, "before_build", lambda: announced.append(True))
    monkeypatch.setattr(build, "compile_library", lambda name, directory, modules: _fake(directory))
    monkeypatch.setattr(library, "_import", lambda target: "library")
    assert library._load_or_build() == "library"
    assert library._load_or_build() == "library"  # found built: no second announcement
    assert announced == [True]


def _fake(directory: Path) -> Path:
    out = directory / "built.so"
    out.write_text("built")
    return out


def test_a_library_that_will_not_load_leaves_the_kernels_on_the_jit(tmp_path, monkeypatch):
    monkeypatch.setenv(library.CACHE_DIR, str(tmp_path))
    monkeypatch.setattr(library, "_loaded", [])
    library.path().write_text("not a shared object")
    assert library.load() is None
