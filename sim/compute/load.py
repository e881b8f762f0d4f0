"""Turn a hardware file's `compute:` section into a `ComputeModel` (docs/compute.md).

`model: in_order` describes a Cortex-A53-like core by the instruction mix of each compute
class; `model: volta` a Volta SM by its pipe rates, issue and occupancy limits. Every bad
value is reported with the file and its place (`compute.kernels.gemm.flops_per_op`).
"""

from sim.compute.classes import ComputeClass
from sim.compute.inorder import InOrderCore, KernelMix
from sim.compute.model import ComputeModel
from sim.compute.volta import CUDA, TENSOR, StreamingMultiprocessor
from sim.hw.model import Precision
from sim.units import parse_bytes, parse_seconds
from sim.yamlio import Fields, as_int, as_positive_float

MODELS = ("in_order", "volta")


def parse_compute(fields: Fields) -> ComputeModel:
    model = fields.get("model", _one_of(MODELS))
    parse = _in_order if model == "in_order" else _volta
    try:
        unit = parse(fields)
    except ValueError as exc:
        raise fields.fail(str(exc)) from None
    fields.done()
    return ComputeModel(unit=unit)


def _in_order(fields: Fields) -> InOrderCore:
    return InOrderCore(
        peak_flops_per_cycle=_rates(fields.sub("peak_flops_per_cycle"), every=True),
        fma_per_bubble=fields.get("fma_per_bubble", lambda v: as_int(v, minimum=1)),
        fma_recurrence_cycles=fields.get("fma_recurrence_cycles", as_positive_float),
        fp16_convert_ops_per_access=fields.get("fp16_convert_ops_per_access", _not_negative),
        kernels=_mixes(fields.sub("kernels"), every=True),
        int8_kernels=_mixes(fields.sub("int8_kernels", default={}), every=False),
    )


def _volta(fields: Fields) -> StreamingMultiprocessor:
    classes = fields.get("tensor_classes", _classes)
    fractions = fields.sub("main_loop_fraction")
    main_loop = {pipe: fractions.get(pipe, as_positive_float) for pipe in (CUDA, TENSOR)}
    fractions.done()
    return StreamingMultiprocessor(
        cuda_flops_per_cycle=_rates(fields.sub("cuda_flops_per_cycle"), every=True),
        tensor_flops_per_cycle=_rates(fields.sub("tensor_flops_per_cycle"), every=False),
        tensor_classes=classes,
        main_loop_fraction=main_loop,
        schedulers=fields.get("schedulers", lambda v: as_int(v, minimum=1)),
        warp_threads=fields.get("warp_threads", lambda v: as_int(v, minimum=1)),
        registers=fields.get("registers", lambda v: as_int(v, minimum=1)),
        shared_bytes=fields.get("shared", parse_bytes),
        max_threads=fields.get("max_threads", lambda v: as_int(v, minimum=1)),
        max_ctas=fields.get("max_ctas", lambda v: as_int(v, minimum=1)),
        launch_s=fields.get("launch", parse_seconds),
    )


def _rates(fields: Fields, *, every: bool) -> dict[Precision, float]:
    """FLOPs per cycle by precision: every precision, or those given."""
    rates = {
        precision: fields.get(precision.value, as_positive_float)
        for precision in Precision
        if every or fields.has(precision.value)
    }
    fields.done()
    return rates


def _mixes(fields: Fields, *, every: bool) -> dict[ComputeClass, KernelMix]:
    mixes = {}
    for cls in ComputeClass:
        if not every and not fields.has(cls.value):
            continue
        mix = fields.sub(cls.value)
        try:
            mixes[cls] = KernelMix(
                flops_per_op=mix.get("flops_per_op", as_positive_float),
                access_cycles=mix.get("access_cycles", as_positive_float),
                fma_bubble=mix.get("fma_bubble", _bool, default=False),
                fills_bubbles=mix.get("fills_bubbles", _bool, default=False),
                extra_ops_per_op=mix.get("extra_ops_per_op", _not_negative, default=0.0),
                accumulators=mix.get("accumulators", lambda v: as_int(v, minimum=1), default=32),
                main_loop_fraction=mix.get("main_loop_fraction", as_positive_float, default=1.0),
            )
        except ValueError as exc:
            raise mix.fail(str(exc)) from None
        mix.done()
    fields.done()
    return mixes


def _classes(value) -> frozenset[ComputeClass]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list of compute classes, got {value!r}")
    return frozenset(_one_of(tuple(c.value for c in ComputeClass), ComputeClass)(v) for v in value)


def _one_of(names: tuple[str, ...], convert=str):
    def check(value):
        if value not in names:
            raise ValueError(f"expected one of {', '.join(names)}, got {value!r}")
        return convert(value)

    return check


def _not_negative(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(f"expected a number >= 0, got {value!r}")
    return float(value)


def _bool(value) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value
