"""The `compute:` section of a hardware file: shipped devices, and one located line per mistake."""

import pytest

from sim.cli import main
from sim.compute.classes import ComputeClass
from sim.compute.inorder import InOrderCore
from sim.compute.volta import StreamingMultiprocessor
from sim.errors import ConfigError
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from tests.conftest import ROOT
from tests.hw.test_load import PI3_LIKE

IN_ORDER = """\
compute:
  model: in_order
  peak_flops_per_cycle: {fp32: 8, fp16: 8, int8: 16}
  fma_per_bubble: 3
  fma_recurrence_cycles: 4
  fp16_convert_ops_per_access: 2
  kernels:
    gemm: {flops_per_op: 8, access_cycles: 1, fma_bubble: true, fills_bubbles: true}
    gemv: {flops_per_op: 8, access_cycles: 2, fma_bubble: true, accumulators: 4}
    winograd: {flops_per_op: 8, access_cycles: 1}
    direct: {flops_per_op: 8, access_cycles: 2}
    depthwise: {flops_per_op: 8, access_cycles: 2}
    elementwise: {flops_per_op: 4, access_cycles: 2}
    pool: {flops_per_op: 4, access_cycles: 2}
    data: {flops_per_op: 4, access_cycles: 2}
  int8_kernels:
    gemm: {flops_per_op: 8, access_cycles: 1, extra_ops_per_op: 0.104}
"""

VOLTA = """\
compute:
  model: volta
  schedulers: 4
  warp_threads: 32
  cuda_flops_per_cycle: {fp32: 128, fp16: 256, int8: 512}
  tensor_flops_per_cycle: {fp16: 1024}
  tensor_classes: [gemm]
  main_loop_fraction: {cuda: 1.0, tensor: 0.78}
  registers: 65536
  shared: 96KiB
  max_threads: 2048
  max_ctas: 32
  launch: 2us
"""


def test_shipped_devices_describe_their_units():
    pi3, v100, xavier = (load_hardware(n).compute for n in ("pi3", "v100", "xavier"))
    assert isinstance(pi3.unit, InOrderCore)
    assert pi3.unit.mix(ComputeClass.GEMM, Precision.INT8).extra_ops_per_op == 0.104
    assert isinstance(v100.unit, StreamingMultiprocessor)
    assert Precision.INT8 not in v100.unit.tensor_flops_per_cycle  # sm_70: fp16 tensor cores
    assert xavier.unit.tensor_flops_per_cycle[Precision.INT8] == 2048  # sm_72 adds int8


def test_a_file_without_a_compute_section_has_no_model(write_file):
    assert load_hardware(write_file("tiny.yaml", PI3_LIKE)).compute is None


@pytest.mark.parametrize("section", [IN_ORDER, VOLTA], ids=["in_order", "volta"])
def test_a_compute_section_loads_from_a_path(write_file, section):
    hw = load_hardware(write_file("tiny.yaml", PI3_LIKE + section))
    assert isinstance(hw.compute.unit, (InOrderCore, StreamingMultiprocessor))


@pytest.mark.parametrize(
    "section, change, place, reason",
    [
        (IN_ORDER, ("model: in_order", "model: ooo"), "compute.model", "in_order, volta"),
        (
            IN_ORDER,
            ("fma_per_bubble: 3", "fma_per_bubble: 0"),
            "compute.fma_per_bubble",
            "expected an integer >= 1",
        ),
        (
            IN_ORDER,
            ("    data: {flops_per_op: 4, access_cycles: 2}\n", ""),
            "compute.kernels",
            "missing required field 'data'",
        ),
        (
            IN_ORDER,
            ("pool: {flops_per_op: 4,", "pool: {flops_per_op: 32,"),
            "compute",
            "exceeds the peak",
        ),
        (
            IN_ORDER,
            ("fills_bubbles: true", "fills_bubbles: yes please"),
            "compute.kernels.gemm.fills_bubbles",
            "true or false",
        ),
        (
            IN_ORDER,
            ("access_cycles: 2}", "access_cycles: 2, colour: red}"),
            "compute.kernels.direct.colour",
            "unknown field",
        ),
        (IN_ORDER, ("int8: 16}", "int8: -1}"), "compute.peak_flops_per_cycle.int8", "positive"),
        (VOLTA, ("tensor: 0.78", "tensor: 1.5"), "compute", "main_loop_fraction of tensor"),
        (VOLTA, ("[gemm]", "[gemm, fft]"), "compute.tensor_classes", "expected one of gemm"),
        (VOLTA, ("launch: 2us", "launch: soon"), "compute.launch", ""),
        (VOLTA, ("  registers: 65536\n", ""), "compute", "missing required field 'registers'"),
    ],
)
def test_a_bad_compute_section_names_file_place_and_reason(
    write_file, section, change, place, reason
):
    assert change[0] in section
    path = write_file("bad.yaml", PI3_LIKE + section.replace(*change))
    with pytest.raises(ConfigError) as err:
        load_hardware(path)
    message = str(err.value)
    assert message.startswith(path)
    assert place in message and reason in message


def test_the_cli_reports_a_bad_compute_section_in_one_line(capsys, write_file):
    path = write_file("bad.yaml", PI3_LIKE + IN_ORDER.replace("model: in_order", "model: many"))
    code = main(["run", str(ROOT / "workloads" / "matvec_1000.yaml"), "--hw", path])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(f"error: {path}: compute.model")
