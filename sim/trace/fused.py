"""Fused kernels: the main op's loop nest, with its prologue read maps and its epilogue.

- Addresses: a prologue op's output is read from its input's bytes (the shuffle and the
  gate are applied on the read); the main op's output and every epilogue intermediate are
  stored to the kernel's output, after the epilogue has run on them in registers.
- Epilogue: each store of the output is preceded by loads of the same elements of the
  epilogue's other operands (a residual), and adds the epilogue's operations per element.
  GEMMs do this at their last K block (gemm.py); every other generator stores each output
  element once, so `with_epilogue` inserts the loads before those stores. Per-channel
  parameters of an epilogue op (a batch-norm that could not be folded) are read once, first.
- Prologue: `channel_order` is the permutation a fused shuffle applies to the planes a
  depthwise conv reads; `gate` the address of the SE gate a conv scales its input by.
"""

from collections.abc import Iterator

import numpy as np
from attrs import define

from sim.analytic.counts import flops
from sim.graph.model import Op, OpKind
from sim.schedule.model import Kernel
from sim.trace.stream import Ranges


@define(frozen=True)
class Epilogue:
    """Where the kernel stores its output, and what runs just before each store."""

    output_address: int
    output_bytes: int
    operands: tuple[int, ...]  # addresses of tensors laid out like the output
    params: tuple[tuple[int, int], ...]  # (address, bytes) read once at the kernel's start
    flops_per_element: int

    def operand_reads(self, store_starts: np.ndarray, store_lengths) -> list[tuple]:
        """Parts reading each operand where the output is stored (see stream.join)."""
        return [
            (base - self.output_address + store_starts, store_lengths, False)
            for base in self.operands
        ]


def aliases(kernel: Kernel) -> dict[str, str]:
    """Tensor name -> the name of the tensor whose bytes stand for it inside `kernel`."""
    alias: dict[str, str] = {}
    for op in kernel.prologue:
        source = op.inputs[0].name
        alias[op.outputs[0].name] = alias.get(source, source)
    if kernel.epilogue:
        final = kernel.outputs[0].name
        for op in kernel.ops[kernel.main : -1]:
            for t in op.outputs:
                alias[t.name] = final
    return alias


def epilogue_of(kernel: Kernel, buffer) -> Epilogue | None:
    """The kernel's epilogue; `buffer(tensor)` is the Buffer of a tensor in memory."""
    if not kernel.epilogue:
        return None
    output = kernel.outputs[0]
    chain = kernel.main_op.outputs[0].name
    operands, params, per_element = [], [], 0
    for op in kernel.epilogue:
        operands += [buffer(t).address for t in op.inputs if t.name != chain]
        params += [(buffer(t).address, buffer(t).size_bytes) for t in op.params]
        per_element += flops(op) // op.outputs[0].elements
        chain = op.outputs[0].name
    out = buffer(output)
    return Epilogue(out.address, out.size_bytes, tuple(operands), tuple(params), per_element)


def channel_order(kernel: Kernel, channels: int) -> np.ndarray:
    """Input plane read for each channel of the main op's input (a fused shuffle's map)."""
    order = np.arange(channels)
    for op in kernel.prologue:
        if op.kind is OpKind.CHANNEL_SHUFFLE:
            groups = op.attrs.groups
            order = order % groups * (channels // groups) + order // groups
    return order


def gate(kernel: Kernel) -> Op | None:
    """The fused SE scale (a mul by an (N, C, 1, 1) gate) applied on the main op's read."""
    return next((op for op in kernel.prologue if op.kind is OpKind.MUL), None)


def with_epilogue(
    ranges: Iterator[Ranges], epilogue: Epilogue, element_bytes: int
) -> Iterator[Ranges]:
    """Insert the epilogue's operand loads before every store into the output."""
    lo = epilogue.output_address
    hi = lo + epilogue.output_bytes
    k = len(epilogue.operands)
    for piece in ranges:
        mask = piece.writes & (piece.starts >= lo) & (piece.starts < hi) & (piece.lengths > 0)
        stored = int(piece.lengths[mask].sum()) // element_bytes
        extra = epilogue.flops_per_element * stored
        if not k or not mask.any():
            yield Ranges(
                piece.flops + extra, piece.starts, piece.lengths, piece.writes, piece.spill_accesses
            )
            continue
        count = 1 + k * mask.astype(np.int64)
        group = np.repeat(np.arange(piece.starts.size), count)
        position = np.arange(group.size) - np.repeat(np.cumsum(count) - count, count)
        original = position == count[group] - 1
        bases = np.asarray(epilogue.operands, dtype=np.int64)
        read_start = bases[np.minimum(position, k - 1)] - lo + piece.starts[group]
        yield Ranges(
            piece.flops + extra,
            np.where(original, piece.starts[group], read_start),
            piece.lengths[group],
            np.where(original, piece.writes[group], False),
            piece.spill_accesses,
        )
