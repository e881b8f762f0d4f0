"""hypothesis is a test dependency: without it `sim.testing` says how to get it in one line,
and `sim.cache` (core) still works."""

import subprocess
import sys

from tests.conftest import ROOT

WITHOUT_HYPOTHESIS = """
import sys
sys.modules["hypothesis"] = None  # as if it were not installed
import sim.cache
from sim.hw.model import CacheLevel
print(sim.cache.simulate([CacheLevel("L1", 128, 64, 2, 128)], [0, 64, 0], False).levels[0].hits)
import sim.testing
"""


def test_without_hypothesis_only_sim_testing_fails_naming_the_install():
    proc = subprocess.run(
        [sys.executable, "-c", WITHOUT_HYPOTHESIS], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert proc.stdout == "1\n"
    assert proc.stderr.splitlines()[-1] == (
        "ImportError: sim.testing needs hypothesis, which sim's core install does not "
        "include: pip install hypothesis"
    )
