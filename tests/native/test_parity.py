"""A run on the library and a run on numba's JIT print the same numbers, and a run on the
library never imports numba."""

import os
import subprocess
import sys

import pytest

from sim.native.kernels import JIT_ONLY

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_json(args: list[str], env: dict) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "run", *args, "--json", "-"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return proc.stdout


@pytest.mark.parametrize(
    "args",
    [["conv_chain_16x16", "--hw", "pi3", "--schedule", "tiled"],
     ["shufflenet_v1_0.5x_g3", "--hw", "xavier"],
     ["bottleneck_256", "--hw", "v100", "--precision", "fp16"]],
)  # fmt: skip
def test_library_and_jit_runs_are_identical(args):
    env = {k: v for k, v in os.environ.items() if k != JIT_ONLY}
    assert run_json(args, env) == run_json(args, {**env, JIT_ONLY: "jit"})


def test_a_run_on_the_library_never_imports_numba():
    script = (
        "import runpy, sys\n"
        "sys.argv = ['sim', 'run', 'matvec_1000', '--hw', 'pi3', '--json', '/dev/null']\n"
        "try:\n    runpy.run_module('sim', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "from sim.native.kernels import registered\n"
        "print(sorted('numba' in m for m in sys.modules)[-1],"
        " sum(k.jit_calls for k in registered()))"
    )
    env = {k: v for k, v in os.environ.items() if k != JIT_ONLY}
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    assert proc.stdout.split()[-2:] == ["False", "0"]
