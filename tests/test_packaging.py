"""The wheel carries the shipped hardware and workloads, and an installed sim finds them by
name from an empty directory (CI also installs the wheel with its dependencies: .ci/run)."""

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

SHIPPED = {
    f"sim/_shipped/{folder}/{path.name}"
    for folder in ("hw_configs", "workloads")
    for path in (ROOT / folder).glob("*.yaml")
}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("dist")
    for name in ("sim", "hw_configs", "workloads"):  # a copy: the checkout gets no build/
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
         "-w", str(out), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (path,) = out.glob("sim-*.whl")
    return path


def test_the_wheel_holds_every_shipped_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert names >= SHIPPED and "sim/cli.py" in names
    assert not any(name.startswith(("hw_configs/", "workloads/", "tests/")) for name in names)


def test_an_installed_wheel_runs_shipped_names_from_an_empty_directory(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    target = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    with zipfile.ZipFile(wheel) as archive:  # install without pip: a wheel is a zip of the tree
        archive.extractall(target / "site-packages")
    deps = sysconfig.get_paths()["purelib"]  # this environment's numpy, rich, ... as a .pth
    (target / "site-packages" / "deps.pth").write_text(deps + "\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "sim", "analyze", "mobilenet", "--hw", "pi3"],
        cwd=empty, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "mobilenet_v1" in done.stdout and done.stderr == ""
    assert list(empty.iterdir()) == []
