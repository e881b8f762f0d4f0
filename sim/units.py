"""Parse quantities written with units (`32KiB`, `3.6GB/s`, `1.2GHz`, `175ns`, `20pJ`) into SI
numbers.

Sizes are what `parse_bytes` reads: cache, line, share and register sizes, in hardware files
and `replay --level`. They are exact integers of bytes, and every prefix is binary: `32K`,
`32k`, `32KB` and `32KiB` all mean 32,768 bytes, as cache datasheets and Dinero write them
(nobody builds a 32,000-byte cache). Rates are decimal, as vendors quote bandwidth: 3.6GB/s
is 3.6e9 bytes per second; the reports' MB are 10^6 bytes, as the talk writes them
(docs/talk.md). Numbers are read exactly (decimal arithmetic, never a float that overflows)
and every result is finite and below a bound no hardware figure comes near, so a typo such
as `1e400B` is one clear error instead of an infinity further on.
"""

import math
import re
from decimal import Decimal, InvalidOperation

_DECIMAL = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_SIZE_PREFIX = {"": 1} | {p[0]: scale for p, scale in _BINARY.items()} | _BINARY
_NUMBER = r"(?P<num>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)"
_SIZE = re.compile(rf"^{_NUMBER}\s*(?P<prefix>[KMGTPE]i|[KMGTPEk])?(?P<unit>B|bit)?$", re.A)
_RATE = re.compile(rf"^{_NUMBER}\s*(?P<prefix>Ki|Mi|Gi|Ti|K|M|G|T|k)?B/s$", re.A)
_FREQ = re.compile(rf"^{_NUMBER}\s*(?P<prefix>k|K|M|G)?Hz$", re.A)
_TIME = re.compile(rf"^{_NUMBER}\s*(?P<unit>s|ms|us|ns|ps)$", re.A)
_TIME_SCALE = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "ps": 1e-12}
_ENERGY = re.compile(rf"^{_NUMBER}\s*(?P<unit>J|mJ|uJ|nJ|pJ|fJ)$", re.A)
_ENERGY_SCALE = {"J": 1.0, "mJ": 1e-3, "uJ": 1e-6, "nJ": 1e-9, "pJ": 1e-12, "fJ": 1e-15}
MAX_BYTES = 2**63 - 1  # any size beyond is a typo, and would not fit a 64-bit count
MAX_QUANTITY = Decimal("1e30")  # rates, frequencies and times: far beyond any real device
_EXPONENT_LIMIT = 400  # digits of exponent read before the bound is checked


def _scale(prefix: str | None) -> int:
    prefix = (prefix or "").replace("k", "K")
    return _BINARY.get(prefix) or _DECIMAL[prefix]


def _text(value: object, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"expected {what}, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected {what}, got {value!r}")
    return str(value).strip()


def _amount(number: str, scale, value: object) -> Decimal:
    """`number` x `scale`, exactly; refuses an exponent too large to mean anything."""
    try:
        amount = Decimal(number)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if abs(amount.adjusted()) > _EXPONENT_LIMIT:
        raise ValueError(f"{value!r} is out of range")
    return amount * scale


def parse_bytes(value: object) -> int:
    """`32KiB`, `32KB`, `32K` or `32k` -> 32768, `64B` -> 64, `128bit` -> 16, a bare integer ->
    bytes. Every prefix binary (see the module). Never negative."""
    text = _text(value, "a size such as 32KiB")
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"expected a size such as 32KiB or 64B, got {value!r}")
    amount = _amount(match["num"], _SIZE_PREFIX[(match["prefix"] or "").replace("k", "K")], value)
    if match["unit"] == "bit":
        amount /= 8
    if amount > MAX_BYTES:
        raise ValueError(f"{value!r} is out of range (at most {MAX_BYTES:,} bytes)")
    if amount != amount.to_integral_value():
        raise ValueError(f"{value!r} is not a whole number of bytes")
    return int(amount)


def _quantity(value: object, pattern: re.Pattern, example: str, scale_of) -> float:
    """The number times its unit's scale, as a float, once the exact product is in range."""
    text = _text(value, f"a {example}")
    match = pattern.match(text)
    if not match:
        raise ValueError(f"expected a {example}, got {value!r}")
    scale = scale_of(match)
    if _amount(match["num"], Decimal(scale), value) > MAX_QUANTITY:
        raise ValueError(f"{value!r} is out of range")
    return float(match["num"]) * scale


def parse_bytes_per_s(value: object) -> float:
    """`3.6GB/s` -> 3.6e9 bytes per second."""
    return _quantity(value, _RATE, "bandwidth such as 3.6GB/s", lambda m: _scale(m["prefix"]))


def parse_hz(value: object) -> float:
    """`1.2GHz` -> 1.2e9."""
    return _quantity(value, _FREQ, "frequency such as 1.2GHz", lambda m: _scale(m["prefix"]))


def parse_seconds(value: object) -> float:
    """`175ns` -> 1.75e-7."""
    return _quantity(value, _TIME, "time such as 175ns", lambda m: _TIME_SCALE[m["unit"]])


def parse_joules(value: object) -> float:
    """`20pJ` -> 2e-11, `1.3nJ` -> 1.3e-9: an energy, never negative (hardware energy costs)."""
    return _quantity(value, _ENERGY, "energy such as 20pJ", lambda m: _ENERGY_SCALE[m["unit"]])


def format_bytes(n_bytes: float) -> str:
    """Decimal megabytes, as the talk writes them: 8.8 MB = 8.8e6 bytes."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if abs(n_bytes) >= scale:
            return f"{n_bytes / scale:.3g} {unit}"
    return f"{n_bytes:.0f} B"


def format_binary_bytes(n_bytes: int) -> str:
    """Cache and buffer sizes as hardware documents write them: 32 KiB, 6 MiB."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n_bytes >= scale and n_bytes % (scale // 1024 or 1) == 0:
            value = n_bytes / scale
            return f"{value:g} {unit}"
    return f"{n_bytes} B"
