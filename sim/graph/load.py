"""Turn a workload YAML file into a `Graph`: expand blocks, resolve names, infer shapes.

The format is documented in docs/workloads.md. Every error names the file, the place in it
(`graph[3].block[1]` style) and, once known, the op being built. Expansion is bounded: a block
that uses itself, blocks nested over 32 deep, or a file that expands to more than 50,000
entries (ops, block instances, entries left out) or 2,000,000 values is refused before it
can exhaust time or memory.
"""

from pathlib import Path
from typing import Any

from attrs import define, field

from sim.errors import WorkloadError
from sim.graph import attributes
from sim.graph.model import Graph, Op, OpKind, Tensor
from sim.graph.pruning import apply_sparsity
from sim.graph.shapes import check_elements, infer
from sim.graph.sparsity import SPARSE_KINDS, Sparsity, check_algorithm, parse_sparsity
from sim.graph.template import substitute
from sim.paths import closest, resolve, shipped
from sim.yamlio import Fields, as_int, as_str, check_tree, checked, join_path, read_yaml

SUPPORTED_VERSIONS = (1,)
_BLOCK_KEYS = ("block", "name", "in", "repeat", "first", "if")
MAX_ENTRIES = 50_000  # the largest shipped network has 300 ops
MAX_VALUES = 2_000_000
MAX_BLOCK_DEPTH = 32


def load_workload(
    spec: str, *, allow_unknown: bool = False, sparsity: Sparsity | None = None
) -> Graph:
    """Load `spec`: a workload YAML or ONNX file, or the name of a file in workloads/, with
    `sparsity` on every weighted op that has none and channel pruning applied
    (sim/graph/pruning.py).

    `allow_unknown` (ONNX only) models op types sim does not know as opaque, memory-only ops."""
    path = resolve(spec, "workloads", "workload", WorkloadError)
    if path.suffix.lower() == ".onnx":
        from sim.graph.onnx_import import load_onnx  # imports onnx only when needed

        graph = load_onnx(str(path), allow_unknown=allow_unknown)
    else:
        graph = parse_workload(read_yaml(path, WorkloadError), str(path))
    try:
        return apply_sparsity(graph, sparsity)
    except WorkloadError as exc:
        raise WorkloadError(exc.reason, file=str(path), place=exc.place) from None


def workload_names() -> dict[str, Path]:
    return shipped("workloads")


def parse_workload(data: Any, file: str | None = None) -> Graph:
    top = Fields(checked(data, WorkloadError, file), "", WorkloadError, file)
    version = top.get("version", lambda v: as_int(v, minimum=1), default=1)
    if version not in SUPPORTED_VERSIONS:
        raise top.fail(f"unsupported version {version} (this sim reads {SUPPORTED_VERSIONS})")
    name = top.get("name", as_str)
    description = top.get("description", as_str, default="")
    source = top.get("source", as_str, default="")
    builder = _Builder(file)
    inputs = top.sub("inputs")
    for tensor_name in list(inputs.data):
        shape = inputs.get(tensor_name, _shape)
        builder.add_input(Tensor(str(tensor_name), shape))
    inputs.done()
    blocks = top.sub("blocks", default={})
    if blocks is not None:
        for block_name in list(blocks.data):
            builder.blocks[str(block_name)] = _Block.parse(blocks.sub(block_name), str(block_name))
        blocks.done()
    graph = top.get("graph")
    if not isinstance(graph, list) or not graph:
        raise top.fail("graph must be a non-empty list of ops and blocks", "graph")
    first = builder.inputs[0].name if len(builder.inputs) == 1 else None
    builder.sequence(graph, "graph", _Scope(prefix="", input=first), {})
    outputs = builder.outputs(top.get("outputs", _names, default=None), top)
    top.done()
    return Graph(
        name=name,
        inputs=builder.inputs,
        ops=builder.ops,
        outputs=outputs,
        description=description,
        source=source,
    )


def _sparsity(kind: OpKind, op_attrs, fields: Fields) -> Sparsity | None:
    """The op's `sparsity:` field, on a weighted op only; a sparse kernel runs no other
    conv algorithm."""
    if not fields.has("sparsity"):
        return None
    if kind not in SPARSE_KINDS:
        kinds = ", ".join(sorted(k.value for k in SPARSE_KINDS))
        raise fields.fail(f"sparsity applies to weighted ops ({kinds}), not {kind.value}")
    spec = fields.get("sparsity", parse_sparsity)
    try:
        check_algorithm(op_attrs, spec)
    except ValueError as exc:
        raise fields.fail(str(exc), "sparsity") from None
    return spec


def _shape(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"expected a shape such as [1, 3, 224, 224], got {value!r}")
    return check_elements(tuple(as_int(v, minimum=1) for v in value))


def _names(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [as_str(v) for v in values]


@define
class _Block:
    name: str
    args: dict[str, Any]
    ops: list[Any]
    out: str | None
    place: str

    @classmethod
    def parse(cls, fields: Fields, name: str) -> "_Block":
        args = fields.get("args", default={})
        if not isinstance(args, dict):
            raise fields.fail("expected a mapping of argument names to defaults", "args")
        ops = fields.get("ops")
        if not isinstance(ops, list) or not ops:
            raise fields.fail("a block needs a non-empty list of ops", "ops")
        out = fields.get("out", as_str, default=None)
        fields.done()
        return cls(name, {str(k): v for k, v in args.items()}, ops, out, fields.path)


@define
class _Scope:
    """Names visible inside one block instance (or the top level), innermost first."""

    prefix: str
    input: str | None
    parent: "_Scope | None" = None
    names: dict[str, str] = field(factory=dict)
    skipped: set[str] = field(factory=set)  # names of entries left out by `if: false`

    def full(self, local: str) -> str:
        return f"{self.prefix}{local}"

    def lookup(self, local: str) -> str | None:
        scope: _Scope | None = self
        while scope is not None:
            if local in scope.names:
                return scope.names[local]
            scope = scope.parent
        return None

    def is_skipped(self, local: str) -> bool:
        """True if the nearest scope that mentions `local` left it out with `if: false`."""
        scope: _Scope | None = self
        while scope is not None:
            if local in scope.names:
                return False
            if local in scope.skipped:
                return True
            scope = scope.parent
        return False


class _Builder:
    def __init__(self, file: str | None):
        self.file = file
        self.blocks: dict[str, _Block] = {}
        self.inputs: list[Tensor] = []
        self.ops: list[Op] = []
        self.tensors: dict[str, Tensor] = {}
        self.op_names: set[str] = set()
        self.active: list[str] = []  # the blocks being expanded, outermost first
        self.entries = 0
        self.values = 0
        self.sizes: dict[int, int] = {}  # id of a raw entry -> its number of values

    def charge(self, raw: dict, place: str) -> None:
        """Count one expanded entry and its values against the file's budget."""
        if id(raw) not in self.sizes:
            self.sizes[id(raw)] = check_tree(raw)
        self.entries += 1
        self.values += self.sizes[id(raw)]
        if self.entries > MAX_ENTRIES or self.values > MAX_VALUES:
            raise self.fail(
                f"the workload expands to more than {MAX_ENTRIES:,} entries or "
                f"{MAX_VALUES:,} values (check 'repeat' and nested blocks)",
                place,
            )

    def fail(self, reason: str, place: str) -> WorkloadError:
        return WorkloadError(reason, file=self.file, place=place)

    def add_input(self, tensor: Tensor) -> None:
        self.inputs.append(tensor)
        self.tensors[tensor.name] = tensor

    def sequence(self, entries: list, place: str, scope: _Scope, args: dict) -> str | None:
        """Build entries in order, each fed by the previous one's output; the last output."""
        previous = scope.input
        for index, raw in enumerate(entries):
            where = join_path(place, index)
            if not isinstance(raw, dict):
                raise self.fail("expected a mapping with 'op' or 'block'", where)
            self.charge(raw, where)
            try:
                entry = substitute(raw, args)
            except ValueError as exc:
                raise self.fail(str(exc), where) from None
            condition = entry.get("if", True)
            if not isinstance(condition, bool):
                raise self.fail(f"'if' must be true or false, got {condition!r}", where)
            if not condition:
                if isinstance(entry.get("name"), str):
                    scope.skipped.add(entry["name"])
                continue
            if "block" in entry:
                previous = self.block(entry, where, scope, previous)
            elif "op" in entry:
                previous = self.op(entry, where, scope, previous, index)
            else:
                raise self.fail("expected a mapping with 'op' or 'block'", where)
        return previous

    def block(self, entry: dict, place: str, scope: _Scope, previous: str | None) -> str:
        fields = Fields(entry, place, WorkloadError, self.file)
        block_name = fields.get("block", as_str)
        if block_name not in self.blocks:
            known = ", ".join(self.blocks) or "none defined"
            typo = closest(block_name, self.blocks)
            hint = f"did you mean {typo}?" if typo else f"blocks: {known}"
            raise fields.fail(f"unknown block '{block_name}' ({hint})", "block")
        if block_name in self.active:
            cycle = " -> ".join([*self.active[self.active.index(block_name) :], block_name])
            raise fields.fail(f"block '{block_name}' uses itself ({cycle})", "block")
        if len(self.active) >= MAX_BLOCK_DEPTH:
            raise fields.fail(f"blocks nested deeper than {MAX_BLOCK_DEPTH}", "block")
        block = self.blocks[block_name]
        name = fields.get("name", as_str, default=block_name)
        repeat = fields.get(
            "repeat", lambda v: as_int(v, minimum=1, maximum=MAX_ENTRIES), default=1
        )
        first = fields.get("first", default={})
        fields.get("if", default=True)
        if not isinstance(first, dict):
            raise fields.fail("expected a mapping of argument overrides", "first")
        source = self.resolve(fields.get("in", as_str, default=previous), scope, place)
        given = {k: v for k, v in entry.items() if k not in _BLOCK_KEYS}
        for key in [*given, *first]:
            if key not in block.args:
                known = ", ".join(block.args) or "none"
                raise self.fail(
                    f"block '{block_name}' has no argument '{key}' (arguments: {known})",
                    join_path(place, key),
                )
        output = source
        self.active.append(block_name)
        for rep in range(repeat):
            values = {**block.args, **given, **(first if rep == 0 else {})}
            missing = [k for k, v in values.items() if v is None]
            if missing:
                raise self.fail(f"block '{block_name}' needs argument '{missing[0]}'", place)
            instance = name if repeat == 1 else f"{name}_{rep + 1}"
            inner = _Scope(prefix=scope.full(instance) + ".", input=output, parent=scope)
            output = self.sequence(
                block.ops,
                join_path(place, f"{block_name}[{rep}]")
                if repeat > 1
                else join_path(place, block_name),
                inner,
                values,
            )
            if block.out is not None:
                output = self.resolve(block.out, inner, place)
            scope.names[instance] = output
        self.active.pop()
        return output

    def op(self, entry: dict, place: str, scope: _Scope, previous: str | None, index: int) -> str:
        fields = Fields(entry, place, WorkloadError, self.file)
        kind_name = fields.get("op", as_str)
        try:
            kind = OpKind(kind_name)
        except ValueError:
            known = ", ".join(k.value for k in OpKind)
            typo = closest(kind_name, (k.value for k in OpKind))
            hint = f"did you mean {typo}?" if typo else f"known ops: {known}"
            raise fields.fail(f"unknown op '{kind_name}' ({hint})", "op") from None
        local = fields.get("name", as_str, default=f"{kind.value}_{index}")
        name = scope.full(local)
        fields.get("if", default=True)
        in_names = fields.get("in", _names, default=None)
        if in_names is None:
            if previous is None:
                raise fields.fail("no input: name one with 'in'")
            in_names = [previous]
        inputs = [self.tensors[self.resolve(n, scope, join_path(place, "in"))] for n in in_names]
        op_place = f"{place} ({name})"
        try:
            op_attrs = attributes.parse(kind, fields, [t.shape for t in inputs])
            out_shapes, param_shapes = infer(kind, op_attrs, [t.shape for t in inputs])
        except ValueError as exc:
            raise self.fail(str(exc), op_place) from None
        sparsity = _sparsity(kind, op_attrs, fields)
        out_names = fields.get("out", _names, default=None)
        if out_names is None:
            out_names = (
                [name] if len(out_shapes) == 1 else [f"{name}.{i}" for i in range(len(out_shapes))]
            )
        else:
            out_names = [scope.full(n) for n in out_names]
        if len(out_names) != len(out_shapes):
            raise self.fail(
                f"'out' names {len(out_names)} tensors, the op makes {len(out_shapes)}", op_place
            )
        fields.done()
        outputs = [Tensor(n, s) for n, s in zip(out_names, out_shapes)]
        params = [Tensor(f"{name}.{suffix}", shape) for suffix, shape in param_shapes]
        for tensor in outputs:
            if tensor.name in self.tensors:
                raise self.fail(f"tensor '{tensor.name}' is defined twice", op_place)
            self.tensors[tensor.name] = tensor
        if name in self.op_names:
            raise self.fail(f"op name '{name}' is used twice", op_place)
        self.op_names.add(name)
        self.ops.append(Op(name, kind, inputs, outputs, params, op_attrs, sparsity))
        scope.names[local] = out_names[0]
        if len(out_names) > 1:
            scope.names.update({f"{local}.{i}": out for i, out in enumerate(out_names)})
        return out_names[0]

    def resolve(self, name: str | None, scope: _Scope, place: str) -> str:
        """A tensor name as written (`$input`, a local op or block name, `a|b`) -> full name."""
        if name is None:
            raise self.fail("no input: name one with 'in'", place)
        for alternative in name.split("|"):
            alternative = alternative.strip()
            if alternative == "$input":
                if scope.input is not None:
                    return scope.input
                continue
            if scope.is_skipped(alternative):
                continue  # never an outer tensor of the same name
            found = scope.lookup(alternative)
            if found is None and alternative in self.tensors:
                found = alternative
            if found is not None:
                return found
        raise self.fail(
            f"unknown tensor '{name}' (not an input, op or block defined before it)", place
        )

    def outputs(self, names: list[str] | None, top: Fields) -> list[Tensor]:
        if names is None:
            return list(self.ops[-1].outputs) if self.ops else []
        missing = [n for n in names if n not in self.tensors]
        if missing:
            raise top.fail(f"unknown output tensor '{missing[0]}'", "outputs")
        return [self.tensors[n] for n in names]
