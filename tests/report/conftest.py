"""Real runs of small workloads, simulated once per test session for the report tests."""

import pytest

from sim.engine.simulate import simulate
from sim.graph.load import load_workload
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from sim.schedule.naive import naive_schedule


def run_of(workload: str, hw: str, caches: bool = True):
    schedule = naive_schedule(load_workload(workload), Precision.FP32)
    return simulate(schedule, load_hardware(hw), caches=caches)


@pytest.fixture(scope="session")
def shufflenet_xavier():
    """151 kernels, memory-only ones among them, a few that move no DRAM byte on xavier."""
    return run_of("shufflenet_v1_0.5x_g3", "xavier")


@pytest.fixture(scope="session")
def matvec_pi3():
    return run_of("matvec_1000", "pi3")


@pytest.fixture(scope="session")
def matvec_pi3_no_caches():
    return run_of("matvec_1000", "pi3", caches=False)
