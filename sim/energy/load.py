"""Read a hardware file's `energy:` section into `EnergyCosts`, naming the place of a bad value.

    energy:
      per_flop: {fp32: 1.98pJ, fp16: 0.646pJ, int8: 0.129pJ}
      per_byte: {DRAM: 162.5pJ, L2: 7.81pJ, L1D: 2.15pJ, NEON: 0.269pJ}

`per_byte` names every memory level of the file, no more and no fewer. Values are energies
(`pJ`, `nJ`, ...; zero allowed, never negative).
"""

from sim.energy.model import EnergyCosts, LevelEnergy
from sim.units import parse_joules
from sim.yamlio import Fields

PRECISIONS = ("fp32", "fp16", "int8")


def parse_energy(fields: Fields, kinds: dict[str, str]) -> EnergyCosts:
    """`fields`: the `energy:` mapping; `kinds`: each memory level's name -> its kind
    (`dram`, `cache`, `registers`), outer to inner as the file lists them."""
    flops = fields.sub("per_flop")
    flop_j = {p: flops.get(p, parse_joules) for p in PRECISIONS}
    flops.done()
    per_byte = fields.sub("per_byte")
    byte_j = {name: per_byte.get(name, parse_joules) for name in kinds}
    per_byte.done()
    fields.done()
    levels = {kind: [] for kind in ("dram", "cache", "registers")}
    for name, kind in kinds.items():
        levels[kind].append(LevelEnergy(name, byte_j[name]))
    return EnergyCosts(
        flop_j=flop_j,
        registers=levels["registers"][0],
        caches=tuple(reversed(levels["cache"])),
        dram=levels["dram"][0],
    )
