"""The seeded generator behind random replacement, in plain Python.

The fast kernel carries a numba copy of `next_victim`; the laws test that both choose the same
victims. xorshift64* (Vigna, 2016) is tiny, fast, and good enough to pick a way.
"""

MASK_64 = 2**64 - 1
MULTIPLIER = 0x2545F4914F6CDD1D
_ZERO_SEED_STATE = 0x9E3779B97F4A7C15  # xorshift must never hold 0


def seed_state(seed: int) -> int:
    """A nonzero 64-bit state from any integer seed, by one round of splitmix64."""
    z = (seed + 0x9E3779B97F4A7C15) & MASK_64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK_64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK_64
    z ^= z >> 31
    return z or _ZERO_SEED_STATE


def next_victim(state: int, ways: int) -> tuple[int, int]:
    """Advance the state once; return the new state and a way in [0, ways)."""
    state ^= state >> 12
    state ^= (state << 25) & MASK_64
    state ^= state >> 27
    value = (state * MULTIPLIER) & MASK_64
    return state, (value >> 32) % ways
