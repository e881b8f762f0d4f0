"""Hostile inputs: files and flags built to crash, hang or exhaust `python -m sim`.

A case is (id, files, argv, words): the files to write into a temporary directory (text,
bytes, or a function of the file's path that writes it), the command line with `{dir}` for
that directory, and words the one error line must contain. ISSUE_CASES are the inputs the
reliability trial of issue 14 found failing; OWN_CASES are ours, beyond it.
"""

import gzip
import io
from pathlib import Path

import numpy as np

from tests.conftest import ROOT

PI3 = (ROOT / "hw_configs" / "pi3.yaml").read_text()
HEAD = "version: 1\nname: h\ninputs:\n  x: [1, 8, 16, 16]\n"


def wl(*ops: str, blocks: str = "", head: str = HEAD) -> str:
    """A workload: optional `blocks:` text, then the graph's entries, one per line."""
    return head + blocks + "graph:\n" + "".join(f"  - {op}\n" for op in ops)


def block(name: str, *ops: str, args: str = "{}") -> str:
    return f"  {name}:\n    args: {args}\n    ops:\n" + "".join(f"      - {op}\n" for op in ops)


def blocks(*defs: str) -> str:
    return "blocks:\n" + "".join(defs)


SECOND_REGISTERS = "  - {kind: registers, name: R2, count: 8, width: 16B}\n#"


def pi3(old: str, new: str) -> str:
    """pi3.yaml with the first `old` replaced (the text must be there)."""
    assert old in PI3, old
    return PI3.replace(old, new, 1)


def expr(text: str) -> str:
    """A workload whose conv channels come from a block argument expression."""
    return wl(
        "{block: b, c: 8}",
        blocks=blocks(block("b", f'{{op: conv2d, channels: "{text}", kernel: 1}}', args="{c: 8}")),
    )


def npy(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def npy_claiming(shape: tuple[int, ...]) -> bytes:
    """An .npy header that declares `shape` (int64) in front of 64 bytes of data."""
    buffer = io.BytesIO()
    header = {"descr": "<i8", "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue() + bytes(64)


def gzip_members(path: Path, block: bytes, count: int) -> None:
    """`block` compressed once and written `count` times: a gzip file of `count` members,
    which gzip reads as one stream of `count` x len(block) bytes."""
    member = gzip.compress(block, compresslevel=9)
    with open(path, "wb") as handle:
        for _ in range(count):
            handle.write(member)


def gzip_bomb(path: Path) -> None:
    """2 GB of valid din lines in about 2 MB of gzip."""
    gzip_members(path, b"0 0\n" * 2**22, 128)


def gzip_no_newline(path: Path) -> None:
    """1 GB of zero bytes without a line break, gzipped."""
    gzip_members(path, bytes(2**24), 64)


def laughs(levels: int = 12) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
    return HEAD + "\n".join(lines) + "\ngraph:\n  - {op: relu}\n"


def onnx_negative_weight_dim(path: Path) -> None:
    from onnx import TensorProto, helper

    from tests.onnx_models import model, save, zeros

    proto = model(
        [helper.make_node("Conv", ["x", "w"], ["y"], kernel_shape=[1, 1])],
        {"x": [1, 4, 8, 8]},
        ["y"],
        {"w": zeros(8, 4, 1, 1)},
    )
    weight = proto.graph.initializer[0]
    weight.ClearField("raw_data")
    weight.dims[:] = [-8, 4, 1, 1]
    weight.data_type = TensorProto.FLOAT
    save(proto, path)


RUN = ["run", "{dir}/w.yaml", "--hw", "pi3"]
ANALYZE = ["analyze", "{dir}/w.yaml"]
HW = ["analyze", "matvec_1000", "--hw", "{dir}/hw.yaml"]
REPLAY_DIN = ["replay", "{dir}/t.din", "--hw", "pi3"]
REPLAY_NPY = ["replay", "{dir}/t.npy", "--hw", "pi3"]
RECURSIVE = blocks(block("a", "{block: a}"))
B_USES_A = block("b", "{block: a}")
RELU_DEF = block("r", "{op: relu}")
RELU = blocks(RELU_DEF)

ISSUE_CASES = [
    ("a block that uses itself", {"w.yaml": wl("{block: a}", blocks=RECURSIVE)}, ANALYZE,
     ["w.yaml", "block 'a' uses itself (a -> a)"]),
    ("mutually recursive blocks",
     {"w.yaml": wl("{block: a}", blocks=blocks(block("a", "{block: b}"), B_USES_A))},
     ANALYZE, ["uses itself (a -> b -> a)"]),
    ("a template adding text to a number", {"w.yaml": expr("${c + 'a'}")}, ANALYZE,
     ["+ takes two numbers"]),
    ("a template memory bomb", {"w.yaml": expr("${'a' * 3000000000}")}, ANALYZE,
     ["* takes two numbers"]),
    ("repeat of 100,000,000", {"w.yaml": wl("{block: r, repeat: 100000000}",
                                             blocks=RELU)},
     ANALYZE, ["repeat", "<= 50,000"]),
    ("nested YAML aliases", {"w.yaml": laughs()}, ANALYZE, ["1,000,000 values"]),
    ("a cache size of 1e400 B", {"hw.yaml": pi3("size: 32KiB", "size: 1e400B")}, HW,
     ["memory[2].size", "out of range"]),
    ("channels of 10^400", {"w.yaml": wl("{op: conv2d, channels: 1" + "0" * 400 + ", kernel: 1}")},
     ANALYZE, ["channels", "out of range"]),
    ("--level of 1e400 B", {"t.din": "0 0\n"},
     ["replay", "{dir}/t.din", "--level", "L1:1e400:4:64"], ["--level", "out of range"]),
    ("a clock of 0 Hz", {"hw.yaml": pi3("clock: 1.2GHz", "clock: 0Hz")}, HW,
     ["clock", "above zero"]),
    ("an infinite bandwidth", {"hw.yaml": pi3("bandwidth: 3.6GB/s", "bandwidth: 1e400GB/s")}, HW,
     ["bandwidth", "out of range"]),
    ("an infinite clock", {"hw.yaml": pi3("clock: 1.2GHz", "clock: 1e400GHz")}, HW,
     ["clock", "out of range"]),
    ("an infinite latency", {"hw.yaml": pi3("latency: 175ns", "latency: 1e400ns")}, HW,
     ["latency", "out of range"]),
    ("an infinite latency in cycles",
     {"hw.yaml": pi3("latency_cycles: 14", "latency_cycles: .inf")}, HW, ["finite"]),
    ("a duplicate YAML key",
     {"w.yaml": wl("{op: relu}").replace("name: h\n", "name: h\nname: g\n")}, ANALYZE,
     ["key 'name' is given twice", "line 3"]),
    ("two DRAM levels",
     {"hw.yaml": pi3("  - kind: dram", "  - {kind: dram, name: D2, bandwidth: 1GB/s, "
                                       "latency: 1ns, max_outstanding: 1}\n  - kind: dram")},
     HW, ["a second level of kind 'dram'"]),
    ("two caches with one name", {"hw.yaml": pi3("name: L1D", "name: L2")}, HW,
     ["name 'L2' is already used by memory[1]"]),
    ("a negative ONNX weight dimension", {"m.onnx": onnx_negative_weight_dim},
     ["analyze", "{dir}/m.onnx"], ["m.onnx"]),
    ("analyze with channels of 10^40",
     {"w.yaml": wl("{op: conv2d, channels: 10000000000000000000000000000000000000000, kernel: 1}")},
     ANALYZE, ["out of range"]),
    ("a din address of 2^64", {"t.din": "0 10000000000000000\n"}, REPLAY_DIN,
     ["line 1", "does not fit in 64 bits"]),
    ("a din address with an underscore", {"t.din": "0 1_000\n"}, REPLAY_DIN, ["not hexadecimal"]),
    ("a din address in full-width digits", {"t.din": "0 １２\n"}, REPLAY_DIN, ["not hexadecimal"]),
    ("a din access of 2^40 bytes", {"t.din": "0 1000 1099511627776\n"}, REPLAY_DIN,
     ["size must be a decimal number of bytes from 1 to 4096"]),
    ("an npy access of 2^40 bytes", {"t.npy": npy(np.array([[0, 0, 2**40]], np.int64))},
     REPLAY_NPY, ["row 0", "size is more than 4096 bytes"]),
    ("a corrupted din.gz", {"t.din.gz": gzip.compress(b"0 0\n" * 1000)[:-30] + b"\xff" * 30},
     ["replay", "{dir}/t.din.gz", "--hw", "pi3"], ["t.din.gz"]),
    ("a gzip bomb", {"t.din.gz": gzip_bomb}, ["replay", "{dir}/t.din.gz", "--hw", "pi3"],
     ["gzip bomb"]),
    ("an npz named npy", {"t.npy": lambda p: np.savez(p.with_suffix(".npz"), a=np.zeros(2))
                          or p.with_suffix(".npz").rename(p)},
     REPLAY_NPY, ["not a readable .npy file"]),
    ("an npy header claiming 10^12 rows", {"t.npy": npy_claiming((10**12, 2))}, REPLAY_NPY,
     ["header declares shape (1000000000000, 2)"]),
    ("a saved schedule past 2^64",
     {"s.yaml": "version: 1\nschedule: x\nworkload: matvec_1000\nworkload_digest: x\n"
                "precision: fp32\nkernels: []\nbuffers: {A: [36893488147419103232, 4]}\n"
                "workspace_address: 0\n"},
     ["run", "matvec_1000", "--hw", "pi3", "--schedule", "{dir}/s.yaml"],
     ["buffers.A[0]", "out of range"]),
]  # fmt: skip


def deep_blocks(depth: int) -> str:
    """Blocks b0 -> b1 -> ... each using the next: nesting without recursion."""
    defs = [block(f"b{i}", f"{{block: b{i + 1}}}") for i in range(depth)]
    return blocks(*defs, block(f"b{depth}", "{op: relu}"))


OWN_CASES = [
    # YAML itself
    ("a recursive alias", {"w.yaml": HEAD + "z: &z [*z]\ngraph: [{op: relu}]\n"}, ANALYZE,
     ["contains itself"]),
    ("a recursive alias in hardware", {"hw.yaml": PI3 + "extra: &e {a: *e}\n"}, HW,
     ["contains itself"]),
    ("flow nesting 200 deep", {"w.yaml": wl("{op: relu}") + "q: " + "[" * 200 + "]" * 200 + "\n"},
     ANALYZE, ["nested deeper than 64 levels"]),
    ("flow nesting 100,000 deep",
     {"w.yaml": wl("{op: relu}") + "q: " + "[" * 100_000 + "]" * 100_000 + "\n"},
     ANALYZE, ["nested deeper"]),
    ("a 17 MiB workload", {"w.yaml": wl("{op: relu}") + "# " + "x" * (17 * 2**20) + "\n"},
     ANALYZE, ["larger than 16 MiB"]),
    ("an unhashable key", {"w.yaml": wl("{op: relu}") + "? [a, b]\n: c\n"}, ANALYZE,
     ["malformed YAML"]),
    ("a Python object tag", {"w.yaml": "!!python/object/apply:os.system [echo hi]\n"}, ANALYZE,
     ["malformed YAML"]),
    ("binary data as a name",
     {"w.yaml": wl("{op: relu}").replace("name: h", "name: !!binary aGk=")}, ANALYZE, ["name"]),
    ("a timestamp as the version",
     {"w.yaml": wl("{op: relu}").replace("version: 1", "version: 2001-12-14")}, ANALYZE,
     ["version"]),
    ("a duplicate key in hardware", {"hw.yaml": pi3("clock: 1.2GHz", "clock: 1.2GHz\nclock: 2GHz")},
     HW, ["key 'clock' is given twice"]),
    ("a duplicate key inside an op", {"w.yaml": wl("{op: relu, op: conv2d}")}, ANALYZE,
     ["key 'op' is given twice"]),
    ("a duplicate block name",
     {"w.yaml": wl("{block: a}", blocks=blocks(block("a", "{op: relu}"), block("a", "{op: add}")))},
     ANALYZE, ["key 'a' is given twice"]),
    ("a NaN peak", {"hw.yaml": pi3("fp32: 8 ", "fp32: .nan ")}, HW, ["finite"]),
    ("a negative infinite latency", {"hw.yaml": pi3("latency_cycles: 3", "latency_cycles: -.inf")},
     HW, ["finite"]),
    ("an input dimension of 2^64",
     {"w.yaml": wl("{op: relu}", head=HEAD.replace("[1, 8, 16, 16]", "[1, 18446744073709551616]"))},
     ANALYZE, ["out of range"]),
    ("a huge negative integer", {"w.yaml": wl("{op: relu}") + "junk: -" + "9" * 30 + "\n"},
     ANALYZE, ["out of range"]),
    ("an empty document", {"w.yaml": "~\n"}, ANALYZE, ["mapping"]),
    ("two YAML documents", {"w.yaml": wl("{op: relu}") + "---\n" + wl("{op: relu}")}, ANALYZE,
     ["malformed YAML"]),
    ("Latin-1 bytes",
     {"w.yaml": wl("{op: relu}").replace("name: h", "name: h\xe9").encode("latin-1")}, ANALYZE,
     ["not a UTF-8 text file"]),
    ("NUL bytes", {"w.yaml": b"version: 1\x00\x00\nname: h\n"}, ANALYZE, ["malformed YAML"]),
    ("a device as a workload", {}, ["analyze", "/dev/zero"], ["not a regular file"]),
    ("a device as hardware", {}, ["analyze", "matvec_1000", "--hw", "/dev/zero"],
     ["not a regular file"]),
    ("a device as a saved schedule", {},
     ["run", "matvec_1000", "--hw", "pi3", "--schedule", "/dev/zero.yaml"], ["/dev/zero.yaml"]),
    # template expressions
    ("a power in a template", {"w.yaml": expr("${c ** 99999}")}, ANALYZE, ["unsupported"]),
    ("a call in a template", {"w.yaml": expr("${__import__('os')}")}, ANALYZE, ["unsupported"]),
    ("an attribute in a template", {"w.yaml": expr("${c.real}")}, ANALYZE, ["unsupported"]),
    ("a list product in a template", {"w.yaml": expr("${[1] * 1000000000}")}, ANALYZE,
     ["unsupported"]),
    ("joining text in a template", {"w.yaml": expr("${'a' + 'b'}")}, ANALYZE,
     ["+ takes two numbers"]),
    ("text times a number", {"w.yaml": expr("${c * 'x'}")}, ANALYZE, ["* takes two numbers"]),
    ("minus text", {"w.yaml": expr("${-'a'}")}, ANALYZE, ["- takes a number"]),
    ("a division by zero", {"w.yaml": expr("${c / 0}")}, ANALYZE, ["division by zero"]),
    ("a floor division by zero", {"w.yaml": expr("${c // 0}")}, ANALYZE, ["division by zero"]),
    ("a modulo by zero", {"w.yaml": expr("${c % 0}")}, ANALYZE, ["division by zero"]),
    ("an integer overflow", {"w.yaml": expr("${9223372036854775807 * 2}")}, ANALYZE,
     ["out of range"]),
    ("a float overflow", {"w.yaml": expr("${1e308 * 10}")}, ANALYZE, ["out of range"]),
    ("an infinite literal", {"w.yaml": expr("${1e999}")}, ANALYZE, ["out of range"]),
    ("a number compared with text", {"w.yaml": expr("${8 if c < 'a' else 4}")}, ANALYZE,
     ["compares"]),
    ("a 600-character expression", {"w.yaml": expr("${" + "+".join(["c"] * 300) + "}")}, ANALYZE,
     ["longer than 500 characters"]),
    ("an expression nested 400 deep", {"w.yaml": expr("${" + "(" * 240 + "c" + ")" * 240 + "}")},
     ANALYZE, ["cannot parse expression"]),
    ("a lambda in a template", {"w.yaml": expr("${lambda: 1}")}, ANALYZE, ["unsupported"]),
    ("a template syntax error", {"w.yaml": expr("${c if}")}, ANALYZE, ["cannot parse"]),
    ("an unknown template name", {"w.yaml": expr("${nope + 1}")}, ANALYZE,
     ["unknown block argument 'nope'"]),
    ("an unknown block argument", {"w.yaml": expr("$nope")}, ANALYZE,
     ["unknown block argument 'nope'"]),
    ("a template yielding text", {"w.yaml": expr("${'many'}")}, ANALYZE, ["channels"]),
    ("a template yielding a float", {"w.yaml": expr("${c / 3}")}, ANALYZE, ["channels"]),
    ("a template yielding a bool", {"w.yaml": expr("${c > 1}")}, ANALYZE, ["channels"]),
    # blocks
    ("a three-block cycle",
     {"w.yaml": wl("{block: a}", blocks=blocks(block("a", "{block: b}"), block("b", "{block: c}"),
                                                 block("c", "{block: a}")))},
     ANALYZE, ["a -> b -> c -> a"]),
    ("a recursive block behind a false if",
     {"w.yaml": wl("{block: a}", blocks=blocks(block("a", "{op: relu}", "{block: a, if: true}")))},
     ANALYZE, ["uses itself"]),
    ("blocks nested 40 deep", {"w.yaml": wl("{block: b0}", blocks=deep_blocks(40))}, ANALYZE,
     ["nested deeper than 32"]),
    ("repeat 0", {"w.yaml": wl("{block: r, repeat: 0}", blocks=RELU)},
     ANALYZE, ["repeat"]),
    ("repeat -5", {"w.yaml": wl("{block: r, repeat: -5}", blocks=RELU)},
     ANALYZE, ["repeat"]),
    ("repeat as a float",
     {"w.yaml": wl("{block: r, repeat: 1.0e9}", blocks=RELU)},
     ANALYZE, ["repeat", "integer"]),
    ("repeat 50,001", {"w.yaml": wl("{block: r, repeat: 50001}", blocks=RELU)},
     ANALYZE, ["repeat", "<= 50,000"]),
    ("nested repeats of 10,000 x 10,000",
     {"w.yaml": wl("{block: o, repeat: 10000}",
                   blocks=blocks(block("o", "{block: r, repeat: 10000}"), RELU_DEF))},
     ANALYZE, ["50,000 entries"]),
    ("a repeated block of skipped entries",
     {"w.yaml": wl("{block: r, repeat: 40000}",
                   blocks=blocks(block("r", "{op: relu, if: false}", "{op: relu, if: false}")))},
     ANALYZE, ["50,000 entries"]),
    ("a block argument not declared",
     {"w.yaml": wl("{block: r, k: 3}", blocks=RELU)}, ANALYZE,
     ["has no argument 'k'"]),
    ("a block argument left unset",
     {"w.yaml": wl("{block: r}", blocks=blocks(block("r", "{op: relu}", args="{k: null}")))},
     ANALYZE, ["needs argument 'k'"]),
    ("first that is not a mapping",
     {"w.yaml": wl("{block: r, first: 3}", blocks=RELU)}, ANALYZE,
     ["first"]),
    ("if that is not a bool", {"w.yaml": wl("{op: relu, if: maybe}")}, ANALYZE, ["'if'"]),
    ("an unknown block", {"w.yaml": wl("{block: nope}")}, ANALYZE, ["unknown block 'nope'"]),
    # shapes and sizes
    ("an input of 2^40 elements",
     {"w.yaml": wl("{op: relu}", head=HEAD.replace("[1, 8, 16, 16]", "[1, 1099511627776]"))},
     ANALYZE, ["more than sim's limit"]),
    ("an empty input shape",
     {"w.yaml": wl("{op: relu}", head=HEAD.replace("[1, 8, 16, 16]", "[]"))}, ANALYZE, ["shape"]),
    ("an input shape in words",
     {"w.yaml": wl("{op: relu}", head=HEAD.replace("[1, 8, 16, 16]", "big"))}, ANALYZE, ["shape"]),
    ("conv weights of 2^41 elements",
     {"w.yaml": wl("{op: conv2d, channels: 268435456, kernel: 32, pad: 16}")}, ANALYZE,
     ["more than sim's limit"]),
    ("an fc of 2^33 features", {"w.yaml": wl("{op: flatten}", "{op: fc, features: 8589934592}")},
     ANALYZE, ["more than sim's limit"]),
    ("a kernel of 2^62", {"w.yaml": wl("{op: conv2d, channels: 1, kernel: 4611686018427387904, "
                                       "pad: 4611686018427387904}")}, ANALYZE, ["w.yaml"]),
    ("a stride of 0", {"w.yaml": wl("{op: conv2d, channels: 8, kernel: 3, stride: 0}")}, ANALYZE,
     ["stride"]),
    ("groups of 0", {"w.yaml": wl("{op: conv2d, channels: 8, kernel: 1, groups: 0}")}, ANALYZE,
     ["groups"]),
    ("a concat of one input", {"w.yaml": wl("{op: concat, in: [x]}")}, ANALYZE, ["at least 2"]),
    # hardware
    ("a negative clock", {"hw.yaml": pi3("clock: 1.2GHz", "clock: -1.2GHz")}, HW, ["clock"]),
    ("a bandwidth of 0", {"hw.yaml": pi3("bandwidth: 3.6GB/s", "bandwidth: 0GB/s")}, HW,
     ["bandwidth", "above zero"]),
    ("a latency of 0", {"hw.yaml": pi3("latency: 175ns", "latency: 0ns")}, HW,
     ["latency", "above zero"]),
    ("no misses in flight", {"hw.yaml": pi3("max_outstanding: 6", "max_outstanding: 0")}, HW,
     ["max_outstanding"]),
    ("2^70 misses in flight",
     {"hw.yaml": pi3("max_outstanding: 6", "max_outstanding: 1180591620717411303424")}, HW,
     ["out of range"]),
    ("an infinite peak", {"hw.yaml": pi3("fp32: 8 ", "fp32: .inf ")}, HW, ["finite"]),
    ("a peak of 0", {"hw.yaml": pi3("fp32: 8 ", "fp32: 0 ")}, HW, ["fp32"]),
    ("an efficiency of 1.5", {"hw.yaml": pi3("default: 1.0", "default: 1.5")}, HW, ["fraction"]),
    ("two register files",
     {"hw.yaml": pi3("    width: 16B ", "    width: 16B\n" + SECOND_REGISTERS)}, HW,
     ["a second level of kind 'registers'"]),
    ("a cache named like the DRAM", {"hw.yaml": pi3("name: L1D", "name: DRAM")}, HW,
     ["name 'DRAM' is already used"]),
    ("a line of 0 B", {"hw.yaml": pi3("line: 64B  ", "line: 0B  ")}, HW, ["line"]),
    ("2^40 ways", {"hw.yaml": pi3("ways: 4 ", "ways: 1099511627776 ")}, HW, ["memory[2]"]),
    ("a share of 0", {"hw.yaml": pi3("size: 512KiB ", "size: 512KiB\n    share: 0B ")}, HW,
     ["share"]),
    ("a negative latency in cycles", {"hw.yaml": pi3("latency_cycles: 3", "latency_cycles: -3")},
     HW, ["latency_cycles"]),
    ("a NaN port width", {"hw.yaml": pi3("bytes_per_cycle: 8 ", "bytes_per_cycle: .nan ")}, HW,
     ["finite"]),
    ("a seed of 2^64", {"hw.yaml": pi3("replacement: random", "replacement: random\n    seed: "
                                       "18446744073709551616")}, HW, ["out of range"]),
    ("a negative prefetch", {"hw.yaml": pi3("prefetch_tiles: 0", "prefetch_tiles: -1")}, HW,
     ["prefetch_tiles"]),
    ("a register width of 0", {"hw.yaml": pi3("width: 16B", "width: 0B")}, HW, ["width"]),
    ("an unknown replacement", {"hw.yaml": pi3("replacement: lru", "replacement: mru")}, HW,
     ["replacement"]),
    ("a clock in words", {"hw.yaml": pi3("clock: 1.2GHz", "clock: fast")}, HW, ["clock"]),
    ("a size in full-width digits", {"hw.yaml": pi3("size: 32KiB", "size: ３２KiB")}, HW, ["size"]),
    # traces
    ("a din label of 9", {"t.din": "9 1000\n"}, REPLAY_DIN, ["label must be 0"]),
    ("a din line of 4 fields", {"t.din": "0 1000 4 4\n"}, REPLAY_DIN, ["4 fields"]),
    ("a din address of 0x", {"t.din": "0 0x\n"}, REPLAY_DIN, ["not hexadecimal"]),
    ("a din size of 0", {"t.din": "0 1000 0\n"}, REPLAY_DIN, ["from 1 to 4096"]),
    ("a din size of 4097", {"t.din": "0 1000 4097\n"}, REPLAY_DIN, ["from 1 to 4096"]),
    ("a din access past 2^64", {"t.din": "0 ffffffffffffffff 8\n"}, REPLAY_DIN,
     ["ends beyond 2**64"]),
    ("a din line of 2,000 characters", {"t.din": "0 " + "0" * 2000 + "\n"}, REPLAY_DIN,
     ["longer than 1024 characters"]),
    ("a din in Latin-1", {"t.din": "0 1000 # caf\xe9\n".encode("latin-1")}, REPLAY_DIN,
     ["not UTF-8"]),
    ("a din with NUL bytes", {"t.din": b"0 10\x0000\n"}, REPLAY_DIN, ["line 1"]),
    ("plain text named .gz", {"t.din.gz": "0 1000\n"}, ["replay", "{dir}/t.din.gz", "--hw", "pi3"],
     ["cannot read file"]),
    ("a truncated din.gz", {"t.din.gz": gzip.compress(b"0 1000\n" * 100)[:20]},
     ["replay", "{dir}/t.din.gz", "--hw", "pi3"], ["cannot read file"]),
    ("1 GB without a line break, gzipped", {"t.din.gz": gzip_no_newline},
     ["replay", "{dir}/t.din.gz", "--hw", "pi3"], ["line 1"]),
    ("an npy of Python objects", {"t.npy": npy(np.array([[0, 1]], dtype=object), True)},
     REPLAY_NPY, ["not a readable .npy file"]),
    ("an npy of complex numbers", {"t.npy": npy(np.zeros((2, 2), complex))}, REPLAY_NPY,
     ["must be integers"]),
    ("an npy of 4 columns", {"t.npy": npy(np.zeros((2, 4), np.int64))}, REPLAY_NPY,
     ["2 or 3 columns"]),
    ("an npy without is_write", {"t.npy": npy(np.zeros(2, dtype=[("address", np.uint64)]))},
     REPLAY_NPY, ["fields"]),
    ("an npy is_write of 2", {"t.npy": npy(np.array([[0, 2]], np.int64))}, REPLAY_NPY,
     ["is_write must be 0 or 1"]),
    ("an npy size of 0", {"t.npy": npy(np.array([[0, 0, 0]], np.int64))}, REPLAY_NPY,
     ["at least 1 byte"]),
    ("an npy of magic only", {"t.npy": b"\x93NUMPY\x01\x00"}, REPLAY_NPY, ["not a readable"]),
    ("an empty npy", {"t.npy": b""}, REPLAY_NPY, ["not a readable"]),
    ("an npy header of 2^40 rows", {"t.npy": npy_claiming((2**40, 3))}, REPLAY_NPY,
     ["header declares"]),
    ("an npy of 2^26 rows declared and present",
     {"t.npy": lambda p: np.lib.format.open_memmap(p, "w+", np.uint8, (2**26, 2))},
     REPLAY_NPY, ["more than 33,554,432 accesses"]),
    ("--level ways in words", {"t.din": "0 0\n"},
     ["replay", "{dir}/t.din", "--level", "L1:32k:x:64"], ["ways"]),
    ("--level of a negative size", {"t.din": "0 0\n"},
     ["replay", "{dir}/t.din", "--level", "L1:-1:4:64"], ["size"]),
    ("--level line of 3 B", {"t.din": "0 0\n"}, ["replay", "{dir}/t.din", "--level", "L1:96:1:3"],
     ["--level"]),
    ("--level replacement mru", {"t.din": "0 0\n"},
     ["replay", "{dir}/t.din", "--level", "L1:32KiB:4:64:mru"], ["replacement"]),
    ("--level write policy wx", {"t.din": "0 0\n"},
     ["replay", "{dir}/t.din", "--level", "L1:32KiB:4:64:lru:wx"], ["write policy"]),
    ("--level without a name", {"t.din": "0 0\n"},
     ["replay", "{dir}/t.din", "--level", ":32KiB:4:64"], ["name"]),
    ("--level of 7 fields", {"t.din": "0 0\n"},
     ["replay", "{dir}/t.din", "--level", "L1:32KiB:4:64:lru:wb:x"], ["fields"]),
    ("--level ways in full-width digits", {"t.din": "0 0\n"},
     ["replay", "{dir}/t.din", "--level", "L1:32KiB:４:64"], ["ways"]),
    ("a trace that is a device", {}, ["replay", "/dev/zero", "--hw", "pi3"],
     ["not a regular file"]),
    # flags and files of the wrong kind
    ("hardware given as a workload", {}, ["analyze", str(ROOT / "hw_configs" / "pi3.yaml")],
     ["pi3.yaml"]),
    ("a workload given as hardware", {},
     ["analyze", "matvec_1000", "--hw", str(ROOT / "workloads" / "matvec_1000.yaml")],
     ["matvec_1000.yaml"]),
    ("--format xml", {}, ["analyze", "matvec_1000", "--format", "xml"], ["--format"]),
    ("--objective speed", {}, ["run", "matvec_1000", "--hw", "pi3", "--objective", "speed"],
     ["--objective"]),
    ("--schedules with an unknown name", {},
     ["compare", "matvec_1000", "--hw", "pi3", "--schedules", "naive,bogus"], ["bogus"]),
    ("--save-schedule into a missing directory", {},
     ["run", "matvec_1000", "--hw", "pi3", "--save-schedule", "{dir}/no/plan.yaml"],
     ["does not exist"]),
    ("--timeline onto a directory", {},
     ["run", "matvec_1000", "--hw", "pi3", "--timeline", "{dir}"], ["{dir}"]),
]  # fmt: skip

# Run as processes under a 4 GB address-space limit: the bombs, and one of each kind.
PROCESS_CASES = [
    "a gzip bomb",
    "nested YAML aliases",
    "a template memory bomb",
    "repeat of 100,000,000",
    "an npy header claiming 10^12 rows",
    "1 GB without a line break, gzipped",
    "flow nesting 100,000 deep",
    "a recursive alias",
]
