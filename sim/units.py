"""Parse quantities written with units (`32KiB`, `3.6GB/s`, `1.2GHz`, `175ns`) into SI numbers.

Sizes are exact integers of bytes; binary prefixes (KiB, MiB, GiB) are powers of 1024 and
decimal prefixes (KB, MB, GB) powers of 1000, as the talk writes MB = 10^6 bytes
(docs/talk.md).
"""

import re

_DECIMAL = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_NUMBER = r"(?P<num>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)"
_SIZE = re.compile(rf"^{_NUMBER}\s*(?P<prefix>[KMGTPE]i|[KMGTPEk])?(?P<unit>B|bit)?$")
_RATE = re.compile(rf"^{_NUMBER}\s*(?P<prefix>Ki|Mi|Gi|Ti|K|M|G|T|k)?B/s$")
_FREQ = re.compile(rf"^{_NUMBER}\s*(?P<prefix>k|K|M|G)?Hz$")
_TIME = re.compile(rf"^{_NUMBER}\s*(?P<unit>s|ms|us|ns|ps)$")
_TIME_SCALE = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "ps": 1e-12}


def _scale(prefix: str | None) -> int:
    prefix = (prefix or "").replace("k", "K")
    return _BINARY.get(prefix) or _DECIMAL[prefix]


def _text(value: object, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"expected {what}, got {value!r}")
    return str(value).strip()


def parse_bytes(value: object) -> int:
    """`32KiB` -> 32768, `64B` -> 64, `128bit` -> 16, a bare integer -> bytes. Never negative."""
    text = _text(value, "a size such as 32KiB")
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"expected a size such as 32KiB or 64B, got {value!r}")
    bits = match["unit"] == "bit"
    amount = float(match["num"]) * _scale(match["prefix"])
    if bits:
        amount /= 8
    if amount != int(amount):
        raise ValueError(f"{value!r} is not a whole number of bytes")
    return int(amount)


def parse_bytes_per_s(value: object) -> float:
    """`3.6GB/s` -> 3.6e9 bytes per second."""
    text = _text(value, "a bandwidth such as 3.6GB/s")
    match = _RATE.match(text)
    if not match:
        raise ValueError(f"expected a bandwidth such as 3.6GB/s, got {value!r}")
    return float(match["num"]) * _scale(match["prefix"])


def parse_hz(value: object) -> float:
    """`1.2GHz` -> 1.2e9."""
    text = _text(value, "a frequency such as 1.2GHz")
    match = _FREQ.match(text)
    if not match:
        raise ValueError(f"expected a frequency such as 1.2GHz, got {value!r}")
    return float(match["num"]) * _scale(match["prefix"])


def parse_seconds(value: object) -> float:
    """`175ns` -> 1.75e-7."""
    text = _text(value, "a time such as 175ns")
    match = _TIME.match(text)
    if not match:
        raise ValueError(f"expected a time such as 175ns, got {value!r}")
    return float(match["num"]) * _TIME_SCALE[match["unit"]]


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
