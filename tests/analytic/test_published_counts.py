"""The analytic counts of the shipped workloads against published figures and the talk's vectors.

Expected values come from the papers, third-party counts and the talk, as listed in
docs/references.md and docs/talk.md; never from this tool's own output. Papers say
"FLOPs" for multiply-adds: we compare MACs. Our parameter count includes batch-norm's scale and
shift (2 per channel), as torchvision's does.
"""

import math

import pytest

from sim.analytic.estimate import estimate
from sim.graph.load import load_workload
from sim.graph.model import OpKind
from sim.hw.model import Precision

M = 10**6
G = 10**9
MB = 10**6  # the talk's MB: 10^6 bytes

# (workload, published multiply-adds, relative tolerance)
PUBLISHED_MACS = [
    ("mobilenet", 569 * M, 0.015),  # MobileNet paper, Table 8; TF-slim mobilenet_v1.md: 569 M
    ("mobilenet_v2", 300 * M, 0.015),  # MobileNetV2 paper, Table 4; torchvision: 0.30 G
    ("shufflenet_v1_1x_g3", 137 * M, 0.015),  # ShuffleNet paper, Table 1
    ("shufflenet_v1_1x_g3", 138 * M, 0.015),  # Megvii ShuffleNet-Series ShuffleNetV1 README
    ("shufflenet_v1_0.5x_g3", 38 * M, 0.05),  # ShuffleNet paper, Table 8; Megvii README: 38 M
    ("shufflenet_v1_0.5x_g8", 40 * M, 0.05),  # Megvii ShuffleNet-Series ShuffleNetV1 README
    ("resnet18", 1.8 * G, 0.015),  # ResNet paper, Table 1; torchvision: 1.81 G
    ("resnet18", 1.81 * G, 0.015),  # torchvision resnet18
    ("vgg16", 15.47 * G, 0.015),  # torchvision vgg16 (conv 15.347 G + FC 0.124 G)
]

# (workload, published parameters, relative tolerance)
PUBLISHED_PARAMS = [
    ("mobilenet", 4.2 * M, 0.015),  # MobileNet paper, Table 8; TF-slim: 4.24 M
    ("mobilenet_v2", 3_504_872, 0.015),  # torchvision mobilenet_v2
    ("shufflenet_v1_0.5x_g3", 0.7 * M, 0.05),  # Megvii ShuffleNet-Series ShuffleNetV1 README
    ("shufflenet_v1_0.5x_g8", 1.0 * M, 0.05),  # Megvii ShuffleNet-Series ShuffleNetV1 README
    ("resnet18", 11_689_512, 0.015),  # torchvision resnet18
    ("resnet50", 25_557_032, 0.015),  # torchvision resnet50 (the stride's place adds none)
    ("vgg16", 138_357_544, 0.015),  # torchvision vgg16
    ("vgg16", 138 * M, 0.015),  # VGG paper, Table 2
]

# Figures published to one decimal of a million: the count must round to them.
# (workload, published parameters in units of 0.1 M)
PUBLISHED_PARAMS_TO_0_1_M = [
    ("shufflenet_v1_1x_g3", 19),  # Megvii ShuffleNet-Series ShuffleNetV1 README: 1.9 M
    ("shufflenet_v1_0.5x_g3", 7),  # Megvii README: 0.7 M
    ("shufflenet_v1_0.5x_g8", 10),  # Megvii README: 1.0 M
    ("mobilenet_v2", 35),  # torchvision 3.5 M (the paper's Table 4 says 3.4 M)
]


def fp32(name: str):
    return estimate(load_workload(name), Precision.FP32)


@pytest.mark.parametrize("name, published, tolerance", PUBLISHED_MACS)
def test_macs_match_published_figures(name, published, tolerance):
    assert fp32(name).macs == pytest.approx(published, rel=tolerance)


@pytest.mark.parametrize("name, published, tolerance", PUBLISHED_PARAMS)
def test_params_match_published_figures(name, published, tolerance):
    assert fp32(name).params == pytest.approx(published, rel=tolerance)


@pytest.mark.parametrize("name, tenths_of_a_million", PUBLISHED_PARAMS_TO_0_1_M)
def test_params_round_to_the_published_figure(name, tenths_of_a_million):
    assert round(fp32(name).params / (M / 10)) == tenths_of_a_million


def test_resnet50_has_the_paper_layout_count():
    # ResNet paper, Table 1: 3.8 G ("3.8 x 10^9 FLOPs") with the stride on the first 1x1;
    # torchvision's v1.5 (stride on the 3x3) counts 4.09 G (docs/references.md).
    macs = fp32("resnet50").macs
    assert 3.8 * G <= macs <= 3.9 * G
    assert macs < 4.09 * G * 0.95


def test_vgg16_conv_layers_alone_match_the_paper():
    # docs/references.md: VGG-16 conv layers 15.3 G (15.347 G derived), FC layers 0.124 G.
    est = fp32("vgg16")
    conv = sum(o.macs for o in est.ops if o.kind == OpKind.CONV2D.value)
    fc = sum(o.macs for o in est.ops if o.kind == OpKind.FC.value)
    assert conv == pytest.approx(15.347 * G, rel=0.015)
    assert fc == pytest.approx(0.124 * G, rel=0.015)


def test_matmul_1000_is_the_talks_compute_bound_example():
    # docs/talk.md, section 1: 2 GFLOPs (10^9 multiply-adds), 12 MB = three 4 MB matrices.
    est = fp32("matmul_1000")
    assert round(est.flops / G) == 2 and est.macs == 1000**3
    assert round(est.analytic_bytes / MB) == 12
    assert round(est.intensity) == 167  # the talk: ~167, "about 200"


def test_matvec_1000_is_the_talks_memory_bound_example():
    # docs/talk.md, section 1: 2 MFLOPs, ~4 MB (the matrix dominates), intensity ~0.5.
    est = fp32("matvec_1000")
    assert round(est.flops / M) == 2
    assert round(est.analytic_bytes / MB) == 4
    assert round(est.intensity, 1) == 0.5


def test_conv3x3_256_is_the_talks_plain_block():
    # docs/talk.md, section 4: ~3.7 GFLOPs, ~8.8 MB (3.2 MB in + 3.2 MB out + 2.36 MB weights).
    est = fp32("conv3x3_256")
    assert round(est.flops / G, 1) == 3.7
    assert round(est.analytic_bytes / MB, 1) == 8.8
    (conv,) = est.ops
    assert round(conv.param_bytes / MB, 2) == 2.36
    assert round(conv.input_bytes / MB, 1) == round(conv.output_bytes / MB, 1) == 3.2


def test_bottleneck_256_is_the_talks_bottleneck_block():
    # docs/talk.md, section 4: ~0.43 GFLOPs, ~9.9 MB. 56*56*(256*64 + 64*64*9 + 64*256)
    # multiply-adds are 0.437 GFLOPs: the talk cut it to 0.43 rather than rounding, so we check
    # that window.
    est = fp32("bottleneck_256")
    assert math.floor(est.flops / (G / 100)) == 43
    assert round(est.analytic_bytes / MB, 1) == 9.9


def test_bottleneck_trades_compute_for_traffic():
    # docs/talk.md, section 4: ten times less compute, slightly more traffic, intensity collapses.
    plain, bottleneck = fp32("conv3x3_256"), fp32("bottleneck_256")
    assert plain.flops / bottleneck.flops > 8
    assert bottleneck.analytic_bytes > plain.analytic_bytes
    assert plain.intensity / bottleneck.intensity > 8


def test_depthwise_separable_trades_compute_for_traffic():
    # docs/talk.md, section 4: splitting the 3x3 conv into depthwise + pointwise cuts compute a lot,
    # raises traffic, drops intensity; the depthwise part falls below the Pi's ridge (2.67).
    plain, separable = fp32("conv3x3_256"), fp32("separable_256")
    assert round(separable.macs / M, 1) == 212.7  # 56*56*256*(9 + 256)
    assert round(separable.analytic_bytes / MB, 1) == 13.1
    assert plain.flops / separable.flops > 8
    assert separable.analytic_bytes > plain.analytic_bytes
    dw, _ = separable.ops
    assert dw.intensity < 2.67 < separable.intensity


@pytest.mark.parametrize(
    "name",
    ["conv3x3_256", "bottleneck_256", "matmul_1000", "matvec_1000", "shufflenet_v1_0.5x_g3"],
)
@pytest.mark.parametrize("precision, divisor", [(Precision.FP16, 2), (Precision.INT8, 4)])
def test_fp16_halves_and_int8_quarters_the_bytes(name, precision, divisor):
    # docs/talk.md, section 4: fp16 halves the bits, int8 quarters them; arithmetic unchanged.
    graph = load_workload(name)
    base, low = estimate(graph, Precision.FP32), estimate(graph, precision)
    assert low.analytic_bytes * divisor == base.analytic_bytes
    assert (low.flops, low.macs, low.params) == (base.flops, base.macs, base.params)
