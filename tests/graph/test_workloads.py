"""The shipped workloads: each loads, and its key layers have the shapes the papers' tables give."""

import pytest
import yaml

from sim.graph.load import load_workload, parse_workload
from sim.graph.model import OpKind
from tests.conftest import ROOT

WORKLOAD_FILES = sorted((ROOT / "workloads").glob("*.yaml"))


def block_output(graph, instance: str) -> tuple[int, ...]:
    """The output shape of a block instance: that of its last op (blocks here have no `out:`)."""
    ops = [op for op in graph.ops if op.name.startswith(instance + ".")]
    assert ops, f"no ops in block instance {instance}"
    return ops[-1].outputs[0].shape


def output(graph, op_name: str) -> tuple[int, ...]:
    return graph.op(op_name).outputs[0].shape


def count(graph, kind: OpKind) -> int:
    return sum(op.kind is kind for op in graph.ops)


@pytest.mark.parametrize("path", WORKLOAD_FILES, ids=lambda p: p.stem)
def test_every_shipped_workload_loads_by_path_and_by_name(path):
    graph = load_workload(str(path))
    assert graph.ops and graph.outputs
    assert graph.description and graph.source  # every file says what it is and where from
    assert load_workload(path.stem) == graph  # a name with a dot (0.5x) still means the file
    assert path.read_text().startswith("#")  # header comment citing the paper and counts


def test_the_issue_list_of_workloads_is_shipped():
    expected = {
        "mobilenet",
        "mobilenet_v2",
        "shufflenet_v1_1x_g3",
        "shufflenet_v1_0.5x_g3",
        "shufflenet_v1_0.5x_g8",
        "resnet18",
        "resnet50",
        "vgg16",
        "conv3x3_256",
        "bottleneck_256",
        "matmul_1000",
        "matvec_1000",
    }
    assert expected <= {p.stem for p in WORKLOAD_FILES}


def test_mobilenet_v2_follows_table_2():
    # MobileNetV2 paper (Sandler et al. 2018), Table 2: output of each row, NCHW.
    g = load_workload("mobilenet_v2")
    assert block_output(g, "conv1") == (1, 32, 112, 112)
    assert block_output(g, "bottleneck1") == (1, 16, 112, 112)
    assert block_output(g, "bottleneck2_2") == (1, 24, 56, 56)
    assert block_output(g, "bottleneck3_3") == (1, 32, 28, 28)
    assert block_output(g, "bottleneck4_4") == (1, 64, 14, 14)
    assert block_output(g, "bottleneck5_3") == (1, 96, 14, 14)
    assert block_output(g, "bottleneck6_3") == (1, 160, 7, 7)
    assert block_output(g, "bottleneck7") == (1, 320, 7, 7)  # 7x7x320 before the last 1x1
    assert block_output(g, "conv2") == (1, 1280, 7, 7)
    assert output(g, "pool") == (1, 1280, 1, 1)
    assert g.outputs[0].shape == (1, 1000)
    # Expansion factor 6 (Table 2): the 3x3 depthwise of row 4 works on 6 x 32 channels.
    assert g.op("bottleneck4_1.dw").inputs[0].shape == (1, 192, 28, 28)
    # The first row has t = 1: no expansion conv.
    assert not any(op.name.startswith("bottleneck1.expand") for op in g.ops)
    # Residuals where stride 1 and widths agree: n - 1 per row of n > 1 -> 1 + 2 + 3 + 2 + 2.
    assert count(g, OpKind.ADD) == 10
    # 52 conv layers: first conv, 17 bottlenecks x 3 (first one x 2), last 1x1.
    assert count(g, OpKind.CONV2D) + count(g, OpKind.DEPTHWISE_CONV2D) == 1 + 16 * 3 + 2 + 1


@pytest.mark.parametrize(
    "name, groups, widths",
    [
        # ShuffleNet paper (Zhang et al. 2018), Table 1: conv1 24, stage outputs for g = 3.
        ("shufflenet_v1_1x_g3", 3, (24, 240, 480, 960)),
        # "ShuffleNet s x": Table 1 widths x s (g = 3: 240/480/960, g = 8: 384/768/1536);
        # conv1 widths 12 and 16 from Megvii ShuffleNet-Series ShuffleNetV1/network.py.
        ("shufflenet_v1_0.5x_g3", 3, (12, 120, 240, 480)),
        ("shufflenet_v1_0.5x_g8", 8, (16, 192, 384, 768)),
    ],
)
def test_shufflenet_stages_follow_table_1(name, groups, widths):
    c1, s2, s3, s4 = widths
    g = load_workload(name)
    assert output(g, "conv1") == (1, c1, 112, 112)
    assert output(g, "maxpool") == (1, c1, 56, 56)
    assert block_output(g, "stage2_4") == (1, s2, 28, 28)
    assert block_output(g, "stage3_8") == (1, s3, 14, 14)
    assert block_output(g, "stage4_4") == (1, s4, 7, 7)
    assert g.outputs[0].shape == (1, 1000)
    # Repeats 1 + 3, 1 + 7, 1 + 3 (Table 1); each stage opens with a stride-2 concat unit.
    assert count(g, OpKind.CONCAT) == 3 and count(g, OpKind.ADD) == 13
    # Stage 2's first pointwise conv is not grouped; every other GConv has `groups` groups.
    grouped = [op for op in g.ops if op.kind is OpKind.CONV2D and op.attrs.kernel == (1, 1)]
    assert [op.attrs.groups for op in grouped].count(1) == 1
    assert g.op("stage2_1.gconv1").attrs.groups == 1
    assert all(op.attrs.groups == groups for op in grouped if op.name != "stage2_1.gconv1")
    # Bottleneck width is a quarter of the unit's output; the stride-2 branch adds the input.
    assert output(g, "stage3_2.gconv1") == (1, s3 // 4, 14, 14)
    assert output(g, "stage3_1.gconv2") == (1, s3 - s2, 14, 14)
    assert output(g, "stage3_1.shortcut") == (1, s2, 14, 14)


@pytest.mark.parametrize(
    "name, widths",
    [
        # ResNet paper (He et al. 2016), Table 1: conv2_x..conv5_x outputs 56, 28, 14, 7.
        ("resnet18", (64, 128, 256, 512)),
        ("resnet50", (256, 512, 1024, 2048)),
    ],
)
def test_resnet_stages_follow_table_1(name, widths):
    g = load_workload(name)
    assert output(g, "conv1") == (1, 64, 112, 112)
    assert output(g, "maxpool") == (1, 64, 56, 56)
    last = {"resnet18": (2, 2, 2, 2), "resnet50": (3, 4, 6, 3)}[name]
    for stage, (width, size, n) in enumerate(zip(widths, (56, 28, 14, 7), last), start=1):
        assert block_output(g, f"layer{stage}_{n}") == (1, width, size, size)
    assert output(g, "avgpool") == (1, widths[-1], 1, 1)
    assert g.outputs[0].shape == (1, 1000)
    assert count(g, OpKind.ADD) == sum(last)
    assert sum(op.name.endswith(".downsample") for op in g.ops) == (3 if name == "resnet18" else 4)


def test_resnet50_puts_the_stride_on_the_first_1x1():
    # The paper's layout (docs/references.md): the downsampling bottleneck strides in its first 1x1.
    g = load_workload("resnet50")
    for stage in (2, 3, 4):
        block = f"layer{stage}_1"
        assert g.op(f"{block}.conv1").attrs.stride == (2, 2)
        assert g.op(f"{block}.conv2").attrs.stride == (1, 1)
        assert g.op(f"{block}.downsample").attrs.stride == (2, 2)
    assert output(g, "layer2_1.conv1") == (1, 128, 28, 28)


def test_vgg16_follows_configuration_d():
    # VGG paper (Simonyan & Zisserman 2015), Table 1, column D: 13 convs, 3 FCs, 5 max pools.
    g = load_workload("vgg16")
    assert count(g, OpKind.CONV2D) == 13 and count(g, OpKind.FC) == 3
    assert count(g, OpKind.MAX_POOL) == 5
    assert all(op.attrs.bias for op in g.ops if op.kind in (OpKind.CONV2D, OpKind.FC))
    assert output(g, "pool5") == (1, 512, 7, 7)
    assert g.op("fc6.fc").inputs[0].shape == (1, 7 * 7 * 512)
    assert output(g, "fc7.fc") == (1, 4096)
    assert g.outputs[0].shape == (1, 1000)


def test_the_talks_examples_have_the_talks_shapes():
    # docs/talk.md, sections 1 and 4.
    conv = load_workload("conv3x3_256").op("conv")
    assert conv.inputs[0].shape == conv.outputs[0].shape == (1, 256, 56, 56)
    assert conv.params[0].shape == (256, 256, 3, 3) and not conv.attrs.bias
    bottleneck = load_workload("bottleneck_256")
    assert [op.kind for op in bottleneck.ops] == [OpKind.CONV2D] * 3
    assert [op.params[0].shape for op in bottleneck.ops] == [
        (64, 256, 1, 1),
        (64, 64, 3, 3),
        (256, 64, 1, 1),
    ]
    assert bottleneck.outputs[0].shape == (1, 256, 56, 56)
    matmul = load_workload("matmul_1000").ops
    assert [(op.kind, op.outputs[0].shape) for op in matmul] == [(OpKind.MATMUL, (1000, 1000))]
    matvec = load_workload("matvec_1000").ops
    assert [(op.kind, op.outputs[0].shape) for op in matvec] == [(OpKind.MATMUL, (1000, 1))]


def test_a_skipped_shortcut_falls_back_to_the_block_input_not_an_outer_tensor():
    # Regression (found writing ResNet): `in: [r, proj|$input]` in an instance whose `proj` is
    # skipped took a top-level tensor also named `proj` instead of the block's input.
    graph = parse_workload(
        yaml.safe_load(
            """
name: shadow
inputs: {x: [1, 4, 8, 8]}
blocks:
  b:
    args: {p: false}
    ops:
      - {op: relu, name: r}
      - {op: relu, name: proj, if: $p}
      - {op: add, name: add, in: [r, proj|$input]}
graph:
  - {op: relu, name: proj}
  - {op: relu, name: other}
  - {block: b, name: blk}
  - {block: b, name: blk2, p: true}
"""
        )
    )
    assert [t.name for t in graph.op("blk.add").inputs] == ["blk.r", "other"]
    assert [t.name for t in graph.op("blk2.add").inputs] == ["blk2.r", "blk2.proj"]
