"""A device's dynamic energy per event, in joules: per FLOP by precision, per byte at each level.

Only dynamic energy is modelled: a cost per FLOP executed and per byte read or written at a
memory level. No static (leakage, refresh, idle) power, so a run's energy never depends on
its time: a faster DRAM channel changes the time, not the joules.
"""

from attrs import define, field


def _not_negative(instance, attribute, value) -> None:
    if not 0 <= value < float("inf"):
        raise ValueError(f"{attribute.name} must be a finite energy >= 0, got {value}")


@define(frozen=True)
class LevelEnergy:
    """One memory level (named as in the hardware file) and its energy per byte moved."""

    name: str
    byte_j: float = field(validator=_not_negative)


@define(frozen=True)
class EnergyCosts:
    """Per executed FLOP by precision (`fp32`, `fp16`, `int8`), and per byte read or written
    at the register file, each cache level (innermost first, as `Hardware.caches`) and DRAM."""

    flop_j: dict[str, float]
    registers: LevelEnergy
    caches: tuple[LevelEnergy, ...]
    dram: LevelEnergy

    def __attrs_post_init__(self) -> None:
        for precision, joules in self.flop_j.items():
            if not 0 <= joules < float("inf"):
                raise ValueError(f"flop_j[{precision}] must be a finite energy >= 0, got {joules}")

    @property
    def level_names(self) -> tuple[str, ...]:
        """`compute`, then the levels from the registers out to DRAM: the breakdown's keys."""
        return ("compute", self.registers.name, *(c.name for c in self.caches), self.dram.name)
