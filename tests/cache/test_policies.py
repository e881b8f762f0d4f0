"""User-written replacement policies: the issue's MRU example, what a broken policy reports,
where a policy class is accepted, and the built-ins rewritten against the same interface."""

import re

import attrs
import numpy as np
import pytest
import yaml
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from sim.cache import (
    FastHierarchy,
    PolicyError,
    ReferenceHierarchy,
    ReplacementPolicy,
    make_hierarchy,
    simulate,
)
from sim.cache.policies import FIFO, LRU, Random, TreePLRU
from sim.engine.simulate import simulate as simulate_run
from sim.graph.load import parse_workload
from sim.hw.load import load_hardware
from sim.hw.model import CacheLevel, Precision, Replacement
from sim.schedule.naive import naive_schedule
from sim.testing import cache_levels, check_laws, crowded_traces, traces


class MRU(ReplacementPolicy):
    def __init__(self, sets, ways):
        self.last = [0] * sets

    def on_access(self, set_index, way, hit):
        self.last[set_index] = way

    def victim(self, set_index):
        return self.last[set_index]


@settings(max_examples=50, deadline=None)
@given(cache_levels(policy=MRU), traces())
def test_mru_obeys_the_laws(levels, trace):
    check_laws(levels, trace)


class OffByOne(MRU):
    """Returns `ways`, one past the last way."""

    def __init__(self, sets, ways):
        super().__init__(sets, ways)
        self.ways = ways

    def victim(self, set_index):
        return self.ways


def test_a_policy_returning_ways_fails_the_check_naming_policy_set_and_value():
    """The first failing example, unshrunk (docs/testing-caches.md shows the shrunk one)."""

    @settings(max_examples=50, deadline=None, database=None, phases=[Phase.generate])
    @given(cache_levels(policy=OffByOne), traces())
    def test_off_by_one_obeys_the_laws(levels, trace):
        check_laws(levels, trace)

    with pytest.raises(PolicyError) as failure:
        test_off_by_one_obeys_the_laws()
    found = re.fullmatch(
        r"level L1, policy OffByOne: victim\(set \d+\) returned (\d+); a way of this level is "
        r"an integer from 0 to (\d+)",
        str(failure.value),
    )
    assert found and int(found[1]) == int(found[2]) + 1


@pytest.mark.parametrize(
    "victim, message",
    [
        (lambda self, s: -1, "victim(set 0) returned -1; a way of this level is an integer "
                             "from 0 to 1"),
        (lambda self, s: 1.0, "victim(set 0) returned 1.0"),
        (lambda self, s: True, "victim(set 0) returned True"),
        (lambda self, s: None, "victim(set 0) returned None"),
        (lambda self, s: 1 // 0, "victim(set 0) raised ZeroDivisionError: integer division "
                                 "or modulo by zero"),
    ],
)  # fmt: skip
def test_a_bad_victim_is_a_policy_error(victim, message):
    policy = type("Bad", (ReplacementPolicy,), {"victim": victim})
    level = CacheLevel("L2", 128, 64, 2, 128, policy)
    with pytest.raises(PolicyError) as failure:
        simulate([level], np.arange(3, dtype=np.uint64) * np.uint64(64), False)
    assert str(failure.value).startswith(f"level L2, policy Bad: {message}")


def test_a_policy_that_raises_anywhere_is_named_with_the_call():
    class Fragile(ReplacementPolicy):
        def on_access(self, set_index, way, hit):
            if hit:
                raise KeyError(way)

        def victim(self, set_index):
            return 0

    level = CacheLevel("L1", 4 * 64, 64, 2, 4 * 64, Fragile)
    with pytest.raises(PolicyError, match=r"on_access\(set 1, way 0, hit=True\) raised KeyError"):
        simulate([level], np.array([64, 64], np.uint64), False)

    class Unbuildable(ReplacementPolicy):
        def __init__(self, sets, ways):
            raise ValueError("needs a power-of-two ways")

    with pytest.raises(PolicyError, match=r"__init__\(sets=2, ways=2\) raised ValueError: needs"):
        make_hierarchy([attrs.evolve(level, replacement=Unbuildable)])


def test_a_policy_class_runs_in_the_reference_engine_and_never_in_the_kernel():
    level = CacheLevel("L1", 256, 64, 4, 256, MRU)
    assert isinstance(make_hierarchy([level]), ReferenceHierarchy)
    assert isinstance(make_hierarchy([attrs.evolve(level, replacement=Replacement.LRU)]),
                      FastHierarchy)  # fmt: skip
    for build in (lambda: make_hierarchy([level], "fast"), lambda: FastHierarchy([level])):
        with pytest.raises(ValueError, match="L1: the fast kernel runs the built-in policies "
                                             "only; MRU is Python code"):  # fmt: skip
            build()


@pytest.mark.parametrize(
    "value, message",
    [
        ("lru", "must be a Replacement or a ReplacementPolicy subclass, got 'lru'"),
        (MRU(1, 2), "(give the class, not an instance)"),
        (ReplacementPolicy, "subclass ReplacementPolicy, do not use it as it is"),
        (dict, "got <class 'dict'>"),
    ],
)
def test_a_level_refuses_what_is_not_a_policy(value, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        CacheLevel("L1", 256, 64, 4, 256, value)


def test_mru_evicts_the_line_just_used():
    # A B fill ways 0 1; A hits (last = way 0); C evicts A, the most recent.
    hierarchy = make_hierarchy([CacheLevel("L1", 128, 64, 2, 128, MRU)])
    hierarchy.run(np.array([0, 64, 0, 128], np.uint64), False)
    assert hierarchy.contents() == (((((128, False), (64, False))),),)


@pytest.mark.parametrize(
    "twin, built_in", [(LRU, "lru"), (FIFO, "fifo"), (TreePLRU, "plru"), (Random, "random")]
)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_the_built_ins_as_python_classes_decide_as_the_kernel(twin, built_in, data):
    """The policy interface is enough for every built-in: given as a class, each runs through
    the checked user path and matches the kernel victim for victim (random with seed 0,
    the default of a class built with (sets, ways) only)."""
    kernel = data.draw(cache_levels(policy=built_in), label="level")
    kernel = attrs.evolve(kernel, seed=0)
    trace = data.draw(crowded_traces(kernel), label="trace")
    fast = make_hierarchy([kernel])
    python = make_hierarchy([attrs.evolve(kernel, replacement=twin)])
    assert isinstance(python, ReferenceHierarchy)
    assert fast.run(*trace) == python.run(*trace)
    assert fast.contents() == python.contents()


TINY = """
name: tiny
inputs: {x: [1, 8, 16, 16]}
graph:
  - {op: depthwise_conv2d, name: dw, kernel: 3, pad: 1}
  - {op: relu, name: relu}
"""


def test_a_run_on_hardware_built_in_python_takes_a_policy_class():
    """`sim.engine` builds its hierarchy with `make_hierarchy(hw.caches)`: a level whose
    policy is the Python LRU gives the run of the built-in LRU, count for count, on one core
    (a Python policy runs in the reference engine, one chain of levels)."""
    hw = load_hardware("pi3").with_units(1)
    python = attrs.evolve(hw, caches=tuple(attrs.evolve(c, replacement=LRU) for c in hw.caches))
    schedule = naive_schedule(parse_workload(yaml.safe_load(TINY), "tiny.yaml"), Precision.FP32)
    assert simulate_run(schedule, python).kernels == simulate_run(schedule, hw).kernels
