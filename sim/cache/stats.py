"""Counts a cache hierarchy reports: per level, and the bytes that cross the DRAM bus."""

from attrs import define, fields


@define(frozen=True)
class LevelStats:
    """What one level saw. `accesses` counts line accesses: an access that straddles a line
    boundary counts once per line it touches. `evictions` counts valid lines replaced (clean or
    dirty); `writebacks` counts dirty lines written to the next level, on eviction or flush."""

    name: str
    accesses: int = 0
    hits: int = 0
    misses: int = 0
    evictions: int = 0
    writebacks: int = 0

    @property
    def hit_rate(self) -> float:
        return self.hits / self.accesses if self.accesses else 0.0

    def _combine(self, other: "LevelStats", sign: int) -> "LevelStats":
        if other.name != self.name:
            raise ValueError(f"cannot combine stats of level {self.name} with {other.name}")
        counts = {
            f.name: getattr(self, f.name) + sign * getattr(other, f.name)
            for f in fields(LevelStats)
            if f.name != "name"
        }
        return LevelStats(self.name, **counts)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(LevelStats)}

    def as_counts(self) -> "LevelCounts":
        """The fields as a plain tuple, in order (what the engine keeps per tile)."""
        return (self.name, self.accesses, self.hits, self.misses, self.evictions, self.writebacks)


LevelCounts = tuple[str, int, int, int, int, int]  # a LevelStats' fields in order, plainly


@define(frozen=True)
class HierarchyStats:
    """Per-level counts, innermost first, and DRAM traffic: lines the last level fetched
    (`dram_read_bytes`), and dirty lines plus write-through stores it sent down
    (`dram_write_bytes`)."""

    levels: tuple[LevelStats, ...]
    dram_read_bytes: int = 0
    dram_write_bytes: int = 0

    def __add__(self, other: "HierarchyStats") -> "HierarchyStats":
        return self._combine(other, 1)

    def __sub__(self, other: "HierarchyStats") -> "HierarchyStats":
        return self._combine(other, -1)

    def _combine(self, other: "HierarchyStats", sign: int) -> "HierarchyStats":
        if len(other.levels) != len(self.levels):
            raise ValueError("cannot combine stats of hierarchies with different levels")
        return HierarchyStats(
            levels=tuple(a._combine(b, sign) for a, b in zip(self.levels, other.levels)),
            dram_read_bytes=self.dram_read_bytes + sign * other.dram_read_bytes,
            dram_write_bytes=self.dram_write_bytes + sign * other.dram_write_bytes,
        )

    def as_dict(self) -> dict:
        return {
            "levels": [level.as_dict() for level in self.levels],
            "dram_read_bytes": self.dram_read_bytes,
            "dram_write_bytes": self.dram_write_bytes,
        }
