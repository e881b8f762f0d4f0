"""Hypothesis strategies shared by the test suite, one section per package. The cache
strategies are public, in `sim.testing` (levels, hierarchies, traces), and the cache tests
use them from there."""

from hypothesis import strategies as st

# ---------------------------------------------------------------------------------------------
# sim.schedule: chains of convolutions to tile
# ---------------------------------------------------------------------------------------------


@st.composite
def conv_chains(draw, max_convs: int = 3):
    """(graph inputs, ops, tile) of a chain of 2 to `max_convs` small convs c1, c2, ... (some
    depthwise, some with a ReLU after them, 1x1 or 3x3, stride 1 or 2) and a tile of the
    last conv's output."""
    channels = draw(st.integers(1, 6))
    size = draw(st.integers(6, 18))
    inputs = {"x": [1, channels, size, size]}
    ops = []
    for index in range(1, draw(st.integers(2, max_convs)) + 1):
        kernel = draw(st.sampled_from([1, 3])) if size >= 3 else 1
        stride = draw(st.sampled_from([1, 1, 2])) if size >= 4 else 1
        pad = draw(st.integers(0, kernel // 2))
        op = {"name": f"c{index}", "kernel": kernel, "stride": stride, "pad": pad}
        if kernel == 3 and draw(st.booleans()):
            op["op"] = "depthwise_conv2d"
        else:
            channels = draw(st.integers(1, 6))
            op.update(op="conv2d", channels=channels)
        ops.append(op)
        size = (size + 2 * pad - kernel) // stride + 1
        if draw(st.booleans()):
            ops.append({"op": "relu", "name": f"r{index}"})
    tile = (draw(st.integers(1, size)), draw(st.integers(1, size)))
    return inputs, ops, tile
