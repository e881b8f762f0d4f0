"""Cache models: set-associative levels, hierarchies, and the counts they report.

`simulate(levels, addresses, is_write)` replays a trace through fresh caches and flushes them;
`make_hierarchy(levels, engine)` keeps state between calls for traces that arrive in pieces.
Levels come from `Hardware.caches` (innermost first). docs/cache.md states the semantics. A
level's replacement may be a user's `ReplacementPolicy` subclass (docs/testing-caches.md).
"""

from sim.cache.hierarchy import ENGINES, FastHierarchy, make_hierarchy, simulate
from sim.cache.reference import ReferenceHierarchy
from sim.cache.stats import HierarchyStats, LevelStats
from sim.errors import PolicyError
from sim.hw.replacement import ReplacementPolicy

__all__ = [
    "ENGINES",
    "FastHierarchy",
    "HierarchyStats",
    "LevelStats",
    "PolicyError",
    "ReferenceHierarchy",
    "ReplacementPolicy",
    "make_hierarchy",
    "simulate",
]
