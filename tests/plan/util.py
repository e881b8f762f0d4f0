"""A small network for the search's tests: a MobileNet-v1 shape at 32x32, with a 3x3 conv
that runs Winograd on pi3 (pre-transformed weights in the workspace)."""

from sim.graph.load import parse_workload
from sim.graph.model import Graph
from sim.hw.load import load_hardware
from sim.hw.model import Hardware

SEPARABLE = {
    "args": {"c": None, "stride": 1},
    "ops": [
        {"op": "depthwise_conv2d", "name": "dw", "kernel": 3, "stride": "$stride", "pad": 1},
        {"op": "batch_norm", "name": "dw_bn"},
        {"op": "relu", "name": "dw_relu"},
        {"op": "conv2d", "name": "pw", "channels": "$c", "kernel": 1},
        {"op": "batch_norm", "name": "pw_bn"},
        {"op": "relu", "name": "pw_relu"},
    ],
}


def mini_mobilenet() -> Graph:
    return parse_workload(
        {
            "name": "mini_mobilenet",
            "inputs": {"image": [1, 3, 32, 32]},
            "blocks": {"separable": SEPARABLE},
            "graph": [
                {"op": "conv2d", "name": "conv1", "channels": 16, "kernel": 3, "pad": 1},
                {"op": "relu", "name": "relu1"},
                {"op": "conv2d", "name": "conv2", "channels": 32, "kernel": 3, "pad": 1},
                {"op": "relu", "name": "relu2"},
                {"block": "separable", "name": "sep2", "c": 32},
                {"block": "separable", "name": "sep3", "c": 64, "stride": 2},
                {"block": "separable", "name": "sep4", "c": 64},
                {"block": "separable", "name": "sep5", "c": 128, "stride": 2},
                {"block": "separable", "name": "sep6", "c": 128},
            ],
        }
    )


def talks_core() -> Hardware:
    """One Cortex-A53 core of a busy Pi, with its 128 KiB of the L2 (docs/talk.md)."""
    return load_hardware("pi3").with_units(1).with_share(128 * 1024)
