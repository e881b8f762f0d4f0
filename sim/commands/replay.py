"""`python -m sim replay TRACE (--hw HW | --level SPEC ...)`: a trace through a cache hierarchy.

Levels come from a hardware config (one core's view, shares included) or, for quick
experiments as with Dinero, from `--level NAME:SIZE:WAYS:LINE[:REPLACEMENT[:WRITE_POLICY]]`,
repeated, innermost first. The caches are flushed at the end, so every dirty byte is counted
on its way to DRAM; the JSON keeps the flush's share apart.
"""

import argparse
from typing import Any

from rich.table import Table

from sim.cache import ENGINES, make_hierarchy
from sim.cache.accesses import Accesses
from sim.cache.stats import HierarchyStats
from sim.cache.trace_file import read_trace
from sim.commands.common import ListFlag, add_json, add_overrides, announce, input_files
from sim.commands.progress import progress
from sim.errors import ConfigError
from sim.hw.model import CacheLevel, Replacement, WritePolicy
from sim.hw.overrides import load_hardware_with
from sim.outputs import check_outputs, commit, json_bytes
from sim.paths import closest
from sim.report.console import make_console
from sim.units import parse_bytes

EXAMPLES = """examples:
  python -m sim replay trace.din --hw pi3
  python -m sim replay trace.npy --level L1:32KiB:4:64:lru --level L2:512KiB:16:64 --json -"""
LEVEL_FORMAT = "NAME:SIZE:WAYS:LINE[:REPLACEMENT[:WRITE_POLICY]]"
WRITE_POLICY_ALIASES = {"wb": WritePolicy.WRITE_BACK, "wt": WritePolicy.WRITE_THROUGH}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("trace", help="a din text trace (.din, .gz) or a .npy array")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--hw", help="hardware: a name in hw_configs/ or a YAML path")
    source.add_argument(
        "--level",
        action=ListFlag,
        metavar="SPEC",
        help=f"cache levels {LEVEL_FORMAT}, innermost first, as `--level A B`, `--level A,B` "
        "or `--level A --level B`; e.g. "
        "L1:32KiB:4:64:lru (WAYS may be 'full'; replacement lru, fifo, plru or random; "
        "write policy write_back (wb, default) or write_through (wt))",
    )
    parser.add_argument(
        "--engine", choices=ENGINES, default="fast", help="cache model (default: fast)"
    )
    add_overrides(parser)
    add_json(parser)
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing but errors; only write files"
    )


def run(args: argparse.Namespace) -> int:
    check_outputs(
        {"--json": args.json}, input_files([], [args.hw] if args.hw else [], [args.trace])
    )
    if args.overrides and not args.hw:
        raise ConfigError("--set changes a hardware field: give --hw, not --level")
    if args.hw:
        levels = load_hardware_with(args.hw, args.overrides).caches
    else:
        levels = parse_levels(args.level)
    if not levels:
        raise ConfigError("the hardware has no cache level", file=args.hw)
    trace = read_trace(args.trace)
    try:
        hierarchy = make_hierarchy(levels, args.engine)
    except ValueError as exc:
        raise ConfigError(str(exc), file=args.hw) from None
    with progress("replaying accesses", shown=not args.quiet) as update:
        replay = _replay(hierarchy, trace, update)
    flush = hierarchy.flush()
    data = _json(args.trace, trace, levels, args.engine, replay + flush, flush)
    if args.json:
        announce(args, commit([(args.json, json_bytes(data))]))
    if args.json != "-" and not args.quiet:
        make_console().print(_table(data))
    return 0


CHUNK_ACCESSES = 2**20


def _replay(hierarchy, trace: Accesses, update) -> HierarchyStats:
    """The whole trace through the hierarchy; a chunk at a time when a bar shows progress
    (the caches keep their state between chunks, so the counts are the same)."""
    sizes = _sizes(trace)
    if update is None:
        return hierarchy.run(trace.addresses, trace.is_write, sizes)
    total = None
    for start in range(0, len(trace), CHUNK_ACCESSES):
        part = slice(start, start + CHUNK_ACCESSES)
        chunk_sizes = sizes[part] if len(trace.sizes_bytes) else sizes
        stats = hierarchy.run(trace.addresses[part], trace.is_write[part], chunk_sizes)
        total = stats if total is None else total + stats
        update(min(start + CHUNK_ACCESSES, len(trace)), len(trace))
    return total if total is not None else hierarchy.run(trace.addresses, trace.is_write, sizes)


def parse_levels(specs: list[str]) -> tuple[CacheLevel, ...]:
    levels = tuple(parse_level(spec) for spec in specs)
    names = [level.name for level in levels]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"level name {name!r} is given twice", place="--level")
    return levels


def parse_level(spec: str) -> CacheLevel:
    """`L1:32KiB:4:64:lru` -> a CacheLevel; every mistake names the spec and the field."""
    place = f"--level {spec}"
    fields = spec.split(":")
    if not 4 <= len(fields) <= 6:
        raise ConfigError(f"expected {LEVEL_FORMAT}, got {len(fields)} fields", place=place)
    name, size_text, ways_text, line_text, *policies = fields
    if not name:
        raise ConfigError("the level needs a name", place=place)
    replacement = policies[0] if policies else Replacement.LRU.value
    write_policy = policies[1] if len(policies) > 1 else WritePolicy.WRITE_BACK.value
    try:
        size, line = _positive_bytes(size_text, "size"), _positive_bytes(line_text, "line")
        ways = size // line if ways_text == "full" else _positive_int(ways_text, "ways")
        return CacheLevel(
            name=name,
            size_bytes=size,
            line_bytes=line,
            ways=ways,
            share_bytes=size,
            replacement=_choice(Replacement, replacement, "replacement"),
            write_policy=WRITE_POLICY_ALIASES.get(write_policy)
            or _choice(WritePolicy, write_policy, "write policy"),
        )
    except ValueError as exc:
        raise ConfigError(str(exc), place=place) from None


def _positive_bytes(text: str, what: str) -> int:
    try:
        value = parse_bytes(text)
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from None
    if value <= 0:
        raise ValueError(f"{what} must be positive, got {text!r}")
    return value


def _positive_int(text: str, what: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 9) or int(text) < 1:
        raise ValueError(f"{what} must be a positive integer or 'full', got {text!r}")
    return int(text)


def _choice(enum_cls, text: str, what: str):
    try:
        return enum_cls(text)
    except ValueError:
        values = [member.value for member in enum_cls]
        typo = closest(text, values)
        hint = f" (did you mean {typo}?)" if typo else ""
        raise ValueError(f"{what} must be one of {', '.join(values)}, got {text!r}{hint}") from None


def _sizes(trace: Accesses):
    return trace.sizes_bytes if len(trace.sizes_bytes) else trace.uniform_size_bytes


def _json(
    path: str,
    trace: Accesses,
    levels: tuple[CacheLevel, ...],
    engine: str,
    total: HierarchyStats,
    flush: HierarchyStats,
) -> dict[str, Any]:
    return {
        "trace": path,
        "accesses": len(trace),
        "writes": int(trace.is_write.sum()),
        "engine": engine,
        "hierarchy": [_geometry(level) for level in levels],
        **total.as_dict(),
        "flush": flush.as_dict(),
    }


def _geometry(level: CacheLevel) -> dict[str, Any]:
    return {
        "name": level.name,
        "size_bytes": level.size_bytes,
        "share_bytes": level.share_bytes,
        "line_bytes": level.line_bytes,
        "sets": level.sets,
        "ways": level.ways,
        "share_ways": level.share_ways,
        "replacement": level.replacement.value,
        "write_policy": level.write_policy.value,
        "store_hit_refreshes": level.store_hit_refreshes,
    }


def _table(data: dict[str, Any]) -> Table:
    table = Table(
        title=f"{data['trace']}: {data['accesses']:,} accesses, {data['writes']:,} of them writes",
        caption=f"DRAM: {data['dram_read_bytes']:,} B read, {data['dram_write_bytes']:,} B "
        f"written, of which the final flush wrote {data['flush']['dram_write_bytes']:,} B",
    )
    for column in ("level", "geometry", "accesses", "hits", "misses", "hit rate"):
        table.add_column(column, justify="left" if column in ("level", "geometry") else "right")
    table.add_column("evictions", justify="right")
    table.add_column("write-backs", justify="right")
    for geometry, stats in zip(data["hierarchy"], data["levels"]):
        rate = stats["hits"] / stats["accesses"] if stats["accesses"] else 0.0
        table.add_row(
            stats["name"],
            _describe(geometry),
            f"{stats['accesses']:,}",
            f"{stats['hits']:,}",
            f"{stats['misses']:,}",
            f"{rate:.2%}",
            f"{stats['evictions']:,}",
            f"{stats['writebacks']:,}",
        )
    return table


def _describe(g: dict[str, Any]) -> str:
    size = f"{g['size_bytes']:,} B"
    if g["share_bytes"] < g["size_bytes"]:
        size = f"{g['share_bytes']:,} B share of {size} ({g['share_ways']} of {g['ways']} ways)"
    policy = "write-back" if g["write_policy"] == "write_back" else "write-through"
    return (
        f"{size}, {g['sets']} sets x {g['share_ways']} ways x {g['line_bytes']} B, "
        f"{g['replacement']}, {policy}"
    )
