"""The contract of a user-written replacement policy: which way of a full set a level evicts.

It lives next to the hardware model because a level's `replacement` may name it (a subclass,
not an instance); `sim.cache` exports it, and `sim/cache/policies.py` runs it.
"""


class ReplacementPolicy:
    """Subclass it and give the class as a `CacheLevel`'s `replacement`.

    The reference engine makes one instance per level and hierarchy, `cls(sets, ways)`
    (`ways`: the ways of each set this core holds), then calls:
    - `on_access(set_index, way, hit)` on every use of a line: each hit (`hit` true), except a
      store hit when the level's `store_hit_refreshes` is false, and each fill (`hit` false,
      `way` the way the line was just placed in);
    - `victim(set_index)` when a line must go into a full set: the way to evict, an integer
      from 0 to `ways - 1`.
    Invalid ways are filled first, lowest first, without asking `victim`. A policy must be
    deterministic (seed any randomness): the same trace must give the same counts.
    """

    def __init__(self, sets: int, ways: int):
        self.sets = sets
        self.ways = ways

    def on_access(self, set_index: int, way: int, hit: bool) -> None:
        """Record a use of `way` in set `set_index`; a policy that needs none keeps this."""

    def victim(self, set_index: int) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define victim(set_index)")
