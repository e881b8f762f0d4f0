"""The search's shortcuts (sim/plan/auto.py: windows simulated once, moves judged by a
floor of cycles) change no decision: each window's verdict is the one a fresh simulation
gives, and the search ends where the search without them does; `run` takes the search's
own simulation of its choice. (tests/schedule/test_auto.py: what the search finds.)"""

import attrs
import pytest

import sim.plan.auto as auto
from sim.engine.simulate import simulate
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from sim.plan import plan, simulated
from tests.plan.util import mini_mobilenet, talks_core

DEVICES = {"pi3": lambda: load_hardware("pi3"), "talks": talks_core}


def _fresh(schedule, ops, hw, objective) -> tuple:
    return auto._cost(simulate(auto._window(schedule, ops), hw), objective)


class _Exhaustive(auto._Windows):
    """Every window simulated afresh, from its kernels' own traces."""

    def incumbent(self, schedule, ops):
        return self.tick(_fresh(schedule, ops, self.hw, self.objective))

    def beats(self, schedule, ops, bar):
        return self.incumbent(schedule, ops) < bar


@pytest.mark.parametrize(
    ("device", "objective"), [("pi3", "time"), ("talks", "time"), ("talks", "traffic")]
)
def test_the_search_chooses_as_the_exhaustive_one_does(monkeypatch, device, objective):
    graph, hw = mini_mobilenet(), DEVICES[device]()
    found = auto.auto_schedule(graph, Precision.FP32, hw, objective)
    monkeypatch.setattr(auto, "_Windows", _Exhaustive)
    assert auto.auto_schedule(graph, Precision.FP32, hw, objective) == found


@pytest.mark.parametrize("device", sorted(DEVICES))
def test_every_verdict_is_a_fresh_simulations_and_some_need_no_replay(monkeypatch, device):
    hw = DEVICES[device]()
    floors = {"over the bar": 0, "simulated": 0}
    traces_within = auto.traces_within

    def counted(window, hw, bar_cycles, tiles):
        traces = traces_within(window, hw, bar_cycles, tiles)
        floors["over the bar" if traces is None else "simulated"] += 1
        return traces

    class Audited(auto._Windows):
        def incumbent(self, schedule, ops):
            cost = super().incumbent(schedule, ops)
            assert cost == _fresh(schedule, ops, self.hw, self.objective)
            return cost

        def beats(self, schedule, ops, bar):
            verdict = super().beats(schedule, ops, bar)
            assert verdict == (_fresh(schedule, ops, self.hw, self.objective) < bar)
            return verdict

    monkeypatch.setattr(auto, "traces_within", counted)
    monkeypatch.setattr(auto, "_Windows", Audited)
    search = auto.auto_schedule(mini_mobilenet(), Precision.FP32, hw)
    assert floors["over the bar"] > 0 and search.trials > 0
    assert sum(floors.values()) <= search.trials


def test_run_uses_the_searchs_own_simulation_of_its_choice():
    graph, hw = mini_mobilenet(), talks_core()
    chosen = plan(graph, hw, "auto", Precision.FP32)
    assert chosen.result.schedule == "auto"
    assert simulated(chosen, hw, spans=False) is chosen.result
    assert chosen.result == simulate(chosen.schedule, hw, spans=False)
    timeline = simulated(chosen, hw)  # spans: the search keeps none
    assert timeline is not chosen.result and timeline.timing.spans
    assert attrs.evolve(timeline.timing, span_records=()) == chosen.result.timing
    fresh = simulated(chosen, hw, caches=False, spans=False)  # not what the search simulated
    assert fresh is not chosen.result and not fresh.caches_enabled
    other = load_hardware("pi3")
    assert simulated(chosen, other) == simulate(chosen.schedule, other)
