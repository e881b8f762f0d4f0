"""Weight sparsity of a weighted op (conv2d, fc, matmul): the spec, and which weights it keeps.

Specs (docs/workloads.md, "Sparsity"):

- `dense`: every weight (the default; an op opts out of `--sparsity` with it);
- `unstructured:F`: a fraction F of the weights is zero, anywhere;
- `N:M`: N nonzeros in every M consecutive weights along the reduction (input) axis;
- `blockRxC:F`: a fraction F of the R x C blocks (R outputs x C inputs) is zero;
- `channel:F`: a fraction F of the output channels is pruned away (sim/graph/pruning.py):
  the network shrinks and stays dense.

The weights of an op are a matrix of `rows` outputs (conv output channels, FC features, matmul
rows of A) by `cols` reductions (a conv group's C_in/g x kh x kw). Which weights survive is
deterministic: the kept count of each row (or row of blocks) is spread evenly, and the
columns come from a generator seeded by the op's name (`pattern`), so the analytic counts and
the trace of the sparse kernel see the same weights.
"""

import functools
import math
import re
import zlib
from fractions import Fraction

import numpy as np
from attrs import define

from sim.graph.model import Op, OpKind

SPARSE_KINDS = frozenset({OpKind.CONV2D, OpKind.FC, OpKind.MATMUL})
DENSE, UNSTRUCTURED, NM, BLOCK, CHANNEL = "dense", "unstructured", "nm", "block", "channel"
SPECS = "dense, unstructured:F, N:M, blockRxC:F or channel:F (F a fraction in [0, 1))"
_BLOCK = re.compile(r"block(\d+)x(\d+)")
MAX_BLOCK = 64


@define(frozen=True)
class Sparsity:
    """One spec: its kind, the zero fraction (of weights, blocks or channels), N:M and R x C."""

    kind: str = DENSE
    fraction: Fraction = Fraction(0)
    n: int = 0
    m: int = 0
    rows: int = 1
    cols: int = 1

    @property
    def is_dense(self) -> bool:
        return self.kind == DENSE

    @property
    def runs_sparse_kernel(self) -> bool:
        """Unstructured and block sparsity run a sparse kernel on every device; N:M needs
        hardware support that no modelled device has (it runs the dense kernel)."""
        return self.kind in (UNSTRUCTURED, BLOCK)

    def __str__(self) -> str:
        if self.kind == DENSE:
            return DENSE
        if self.kind == NM:
            return f"{self.n}:{self.m}"
        prefix = f"block{self.rows}x{self.cols}" if self.kind == BLOCK else self.kind
        return f"{prefix}:{_decimal(self.fraction)}"


def _decimal(value: Fraction) -> str:
    return f"{float(value):g}"


def parse_sparsity(text) -> Sparsity:
    """The spec `text`; ValueError with the reason and the accepted forms."""
    if isinstance(text, int) and not isinstance(text, bool):  # YAML reads 2:4 as base 60
        raise ValueError(
            f"got the number {text}: YAML reads an unquoted N:M as a base-60 number, "
            "so quote the spec ('2:4')"
        )
    if not isinstance(text, str):
        raise ValueError(f"expected a sparsity spec ({SPECS}), got {text!r}")
    spec = text.strip()
    if spec == DENSE:
        return Sparsity()
    head, sep, tail = spec.partition(":")
    if not sep:
        raise ValueError(f"unknown sparsity '{spec}' (expected {SPECS})")
    if head.isdigit() and tail.isdigit():
        n, m = int(head), int(tail)
        if not 1 <= n <= m or m > MAX_BLOCK:
            raise ValueError(f"N:M sparsity '{spec}' needs 1 <= N <= M <= {MAX_BLOCK} (e.g. 2:4)")
        return Sparsity(NM, Fraction(m - n, m), n, m)
    fraction = _fraction(tail, spec)
    if head in (UNSTRUCTURED, CHANNEL):
        return Sparsity(head, fraction)
    block = _BLOCK.fullmatch(head)
    if block is None:
        raise ValueError(f"unknown sparsity '{spec}' (expected {SPECS})")
    rows, cols = int(block.group(1)), int(block.group(2))
    if not (1 <= rows <= MAX_BLOCK and 1 <= cols <= MAX_BLOCK):
        raise ValueError(f"block size in '{spec}' must be 1 to {MAX_BLOCK} on each side")
    return Sparsity(BLOCK, fraction, rows=rows, cols=cols)


def _fraction(text: str, spec: str) -> Fraction:
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"'{spec}': expected a fraction such as 0.9, got '{text}'") from None
    if not 0 <= value < 1:
        what = "every weight" if not spec.startswith("channel") else "every output channel"
        reason = f"{_decimal(value)} would remove {what}" if value == 1 else "is outside [0, 1)"
        raise ValueError(f"'{spec}': the zero fraction {reason}")
    return value


def kept(total: int, fraction: Fraction) -> int:
    """How many of `total` items survive when a `fraction` of them is zeroed (exact)."""
    return total - math.floor(total * fraction)


def weight_matrix(op: Op) -> tuple[int, int]:
    """(rows, cols) of the op's weights as the sparse kernel sees them (module docstring)."""
    if op.kind is OpKind.CONV2D:
        a = op.attrs
        return a.out_channels, op.inputs[0].shape[1] // a.groups * a.kernel[0] * a.kernel[1]
    if op.kind is OpKind.FC:
        return op.attrs.out_features, op.inputs[0].shape[1]
    return op.inputs[0].shape  # matmul: A is M x K


def columns(op: Op) -> int:
    """The dense operand's columns each weight multiplies: pixels, images, or N of B."""
    if op.kind is OpKind.CONV2D:
        n, _, ho, wo = op.outputs[0].shape
        return n * ho * wo
    if op.kind is OpKind.FC:
        return op.inputs[0].shape[0]
    return op.inputs[1].shape[1]


@define(frozen=True)
class Pattern:
    """The kept weights of a sparse op, by block row: the blocks are `rows` x `cols` (1 x 1
    for unstructured); block row i keeps the blocks at block columns
    `block_cols[starts[i]:starts[i + 1]]`, ascending."""

    rows: int
    cols: int
    starts: np.ndarray
    block_cols: np.ndarray
    sizes: np.ndarray  # weights in each kept block (edge blocks are cut by the matrix)

    @property
    def kept_weights(self) -> int:
        return int(self.sizes.sum())

    @property
    def kept_blocks(self) -> int:
        return int(self.block_cols.size)


@functools.lru_cache(maxsize=64)
def pattern(op: Op) -> Pattern:
    """The weights the sparse kernel of `op` stores and multiplies (unstructured or block)."""
    spec = op.sparsity
    height, width = weight_matrix(op)
    r, c = (spec.rows, spec.cols) if spec.kind == BLOCK else (1, 1)
    block_rows, block_cols = -(-height // r), -(-width // c)
    total = kept(block_rows * block_cols, spec.fraction)
    per_row = np.full(block_rows, total // block_rows, dtype=np.int64)
    per_row[: total % block_rows] += 1
    rng = np.random.default_rng(zlib.crc32(op.name.encode()))
    chosen = [np.sort(rng.permutation(block_cols)[:count]) for count in per_row]
    flat = np.concatenate(chosen) if chosen else np.empty(0, np.int64)
    starts = np.concatenate([[0], np.cumsum(per_row)])
    row_of = np.repeat(np.arange(block_rows), per_row)
    heights = np.minimum(r, height - row_of * r)
    widths = np.minimum(c, width - flat * c)
    return Pattern(r, c, starts, flat.astype(np.int64), heights * widths)


def effective_macs(op: Op, dense_macs: int) -> int:
    """Multiply-accumulates the op's kernel executes: its kept weights times the columns
    of the dense operand for a sparse kernel; `dense_macs` otherwise (N:M runs dense)."""
    spec = op.sparsity
    if op.kind not in SPARSE_KINDS or spec is None or not spec.runs_sparse_kernel:
        return dense_macs
    return pattern(op).kept_weights * columns(op)


def check_algorithm(attrs, spec: Sparsity) -> None:
    """ValueError if a conv asks for a dense algorithm its sparse weights cannot run."""
    algorithm = getattr(attrs, "algorithm", "auto")
    if spec.runs_sparse_kernel and algorithm != "auto":
        raise ValueError(
            f"{spec} weights run the sparse kernel, not algorithm {algorithm} (drop one of the two)"
        )


INDEX_BYTES = 4  # XNNPACK's sparse weights: an int32 input offset per nonzero (block), "dmap"
COUNT_BYTES = 4  # and a uint32 count of nonzeros per output row (block row), "nnzmap"


@define(frozen=True)
class Storage:
    """The bytes of a sparse op's stored weights: values, then indices, then row counts."""

    value_bytes: int
    index_bytes: int
    count_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.value_bytes + self.index_bytes + self.count_bytes


def storage(op: Op, element_bytes: int) -> Storage | None:
    """How the runtime stores the op's weights if it runs a sparse kernel (None: dense): the
    kept values, one index per kept block and one count per block row (XNNPACK's format;
    docs/workloads.md)."""
    spec = op.sparsity
    if op.kind not in SPARSE_KINDS or spec is None or not spec.runs_sparse_kernel:
        return None
    found = pattern(op)
    block_rows = found.starts.size - 1
    return Storage(
        found.kept_weights * element_bytes,
        found.kept_blocks * INDEX_BYTES,
        block_rows * COUNT_BYTES,
    )


def sparse_tensor(op: Op):
    """The tensor the sparse weights stand for: the weights, or a matmul's A."""
    return op.inputs[0] if op.kind is OpKind.MATMUL else op.params[0]


SPARSE_ALGORITHM = "sparse"  # a kernel's algorithm name: `sparse` + its block, e.g. sparse4x1


def sparse_algorithm(op: Op) -> str | None:
    """The algorithm name of the op's sparse kernel (its block in it), None if it runs dense."""
    spec = op.sparsity
    if op.kind not in SPARSE_KINDS or spec is None or not spec.runs_sparse_kernel:
        return None
    return f"{SPARSE_ALGORITHM}{spec.rows}x{spec.cols}"


def block_of(algorithm: str) -> tuple[int, int] | None:
    """(rows, cols) of the block a sparse kernel's algorithm name carries; None if dense."""
    match = re.fullmatch(SPARSE_ALGORITHM + r"(\d+)x(\d+)", algorithm)
    return None if match is None else (int(match.group(1)), int(match.group(2)))
