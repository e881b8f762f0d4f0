"""Property-testing cache models with hypothesis: strategies for levels, hierarchies and
traces, and checks of the laws any policy obeys (`check_laws`) or some claim
(`check_stack_property`, `check_sets_independent`). docs/testing-caches.md shows them at work.

hypothesis is a test dependency, not part of sim's core install.
"""

try:
    import hypothesis  # noqa: F401
except ImportError as exc:
    raise ImportError(
        "sim.testing needs hypothesis, which sim's core install does not include: "
        "pip install hypothesis"
    ) from exc

from sim.testing.claims import check_sets_independent, check_stack_property
from sim.testing.laws import LAWS, check_laws
from sim.testing.strategies import (
    Trace,
    cache_levels,
    crowded_traces,
    fitting_traces,
    hierarchies,
    traces,
)

__all__ = [
    "LAWS",
    "Trace",
    "cache_levels",
    "check_laws",
    "check_sets_independent",
    "check_stack_property",
    "crowded_traces",
    "fitting_traces",
    "hierarchies",
    "traces",
]
