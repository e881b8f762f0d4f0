"""Replacement policies as the reference engine runs them: objects with `on_access` and `victim`.

The built-in policies are written here against the same `ReplacementPolicy` interface a user
subclasses, as the plain-Python twins of the fast kernel's (the agreement tests compare them
decision for decision). A user's policy runs inside `CheckedPolicy`, which turns a bad way or
an exception into a `PolicyError` naming the level, the policy, the set and the value.
"""

from numbers import Integral

from sim.cache.xorshift import next_victim, seed_state
from sim.errors import PolicyError
from sim.hw.model import CacheLevel, Replacement
from sim.hw.replacement import ReplacementPolicy


class LRU(ReplacementPolicy):
    """The least recently used way goes."""

    def __init__(self, sets: int, ways: int):
        super().__init__(sets, ways)
        self.order = [[] for _ in range(sets)]  # per set: ways from least to most recent

    def on_access(self, set_index: int, way: int, hit: bool) -> None:
        order = self.order[set_index]
        if way in order:
            order.remove(way)
        order.append(way)

    def victim(self, set_index: int) -> int:
        return self.order[set_index][0]


class FIFO(LRU):
    """The way filled longest ago goes, however often it hit."""

    def on_access(self, set_index: int, way: int, hit: bool) -> None:
        if not hit:
            super().on_access(set_index, way, hit)


class TreePLRU(ReplacementPolicy):
    """Tree pseudo-LRU: heap-indexed node bits (root 1), a bit of 1 meaning "the victim is to
    the right"; a use points every bit on its path away from it. With ways not a power of two,
    a bit pointing into a subtree that holds no way is overruled (the walk goes left)."""

    def __init__(self, sets: int, ways: int):
        super().__init__(sets, ways)
        self.leaves = 1 << (ways - 1).bit_length()
        self.tree = [[0] * self.leaves for _ in range(sets)]

    def on_access(self, set_index: int, way: int, hit: bool) -> None:
        bits, node = self.tree[set_index], self.leaves + way
        while node > 1:
            bits[node // 2] = 1 if node % 2 == 0 else 0
            node //= 2

    def victim(self, set_index: int) -> int:
        bits, node = self.tree[set_index], 1
        while node < self.leaves:
            child = 2 * node + bits[node]
            if child % 2 == 1 and self._leftmost_way(child) >= self.ways:
                child -= 1
            node = child
        return node - self.leaves

    def _leftmost_way(self, node: int) -> int:
        while node < self.leaves:
            node *= 2
        return node - self.leaves


class Random(ReplacementPolicy):
    """A seeded xorshift64* per level draws the victim: `xorshift.next_victim`."""

    def __init__(self, sets: int, ways: int, seed: int = 0):
        super().__init__(sets, ways)
        self.state = seed_state(seed)

    def victim(self, set_index: int) -> int:
        self.state, way = next_victim(self.state, self.ways)
        return way


BUILT_IN = {
    Replacement.LRU: LRU,
    Replacement.FIFO: FIFO,
    Replacement.PLRU: TreePLRU,
    Replacement.RANDOM: Random,
}


def is_user_policy(replacement) -> bool:
    """True for a `ReplacementPolicy` subclass: Python code that only the reference engine runs."""
    return not isinstance(replacement, Replacement)


def policy_name(replacement) -> str:
    """`lru` for a built-in policy, the class name for a user's."""
    return replacement.__name__ if is_user_policy(replacement) else replacement.value


def policy_for(level: CacheLevel):
    """A fresh policy object for `level`: a built-in one, or the user's inside `CheckedPolicy`."""
    sets, ways = level.sets, level.share_ways
    if level.replacement is Replacement.RANDOM:
        return Random(sets, ways, level.seed)
    if not is_user_policy(level.replacement):
        return BUILT_IN[level.replacement](sets, ways)
    return CheckedPolicy(level)


class CheckedPolicy:
    """A user's policy, every call checked: what it raises, or a victim that is not a way of the
    set, ends the replay with a `PolicyError` naming the level, the policy, the set and the
    value."""

    def __init__(self, level: CacheLevel):
        self.ways = level.share_ways
        self.where = f"level {level.name}, policy {policy_name(level.replacement)}"
        call = f"__init__(sets={level.sets}, ways={self.ways})"
        self.policy = self._call(call, level.replacement, level.sets, self.ways)

    def on_access(self, set_index: int, way: int, hit: bool) -> None:
        call = f"on_access(set {set_index}, way {way}, hit={hit})"
        self._call(call, self.policy.on_access, set_index, way, hit)

    def victim(self, set_index: int) -> int:
        call = f"victim(set {set_index})"
        way = self._call(call, self.policy.victim, set_index)
        if isinstance(way, bool) or not isinstance(way, Integral) or not 0 <= way < self.ways:
            raise PolicyError(
                f"{call} returned {way!r}; a way of this level is an integer "
                f"from 0 to {self.ways - 1}",
                place=self.where,
            )
        return int(way)

    def _call(self, call: str, function, *args):
        try:
            return function(*args)
        except Exception as exc:
            raise PolicyError(
                f"{call} raised {type(exc).__name__}: {exc}", place=self.where
            ) from exc
