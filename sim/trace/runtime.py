"""The algorithm a device's inference runtime runs a conv2d with: what `algorithm: auto` means.

Two runtimes, by device class (docs/traces.md, "Algorithm selection"):

- **ncnn** on CPU cores (Tencent/ncnn, src/layer/arm/convolution_arm.cpp at
  commit a4d2ea1, `create_pipeline` and `forward`; option.cpp turns every path on):
  - Winograd for 3x3, stride 1, undilated convs with C_in >= 8 or C_out >= 8:
    F(6x6,3x3) when C_in <= 128 and C_out <= 128, else F(4x4,3x3) when both are >= 8, else
    F(2x2,3x3). int8 (`create_pipeline_int8_arm`): F(4x4,3x3) when both are >= 8.
  - otherwise im2col + GEMM (`convolution_im2col_gemm`) when "prefer_sgemm":
    C_in x C_out x kh x kw x dh x dw x sh x sw x 2 exceeds the L2 in floats, or C_in > 16 or
    C_out > 16; always for 1x1 kernels and for int8;
  - except the packed direct kernels of the ARM build (NCNN_GNU_INLINE_ASM), chosen even
    when GEMM is preferred: with C_in and C_out multiples of 4 (NC4HW4 in and out), 3x3
    stride 2 with C_in < 4 or C_out < 32, 5x5 stride 1, 5x5 stride 2 with C_in < 8 or
    C_out < 44; with C_in not a multiple of 4 and C_out one (pack1to4: a first layer on
    RGB), 3x3 stride 1 or 2 and 7x7 stride 2;
  - everything else: the direct kernel.
  A grouped conv is one such conv per group (ncnn's `create_group_ops`); Winograd is not
  modelled per group here, so a grouped conv that would pick it runs im2col + GEMM.
- **cuDNN** on GPUs (units named `SM`): implicit GEMM for every conv2d
  (CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, the algorithm TensorRT's convolution
  tactics are built on); Winograd only when a workload asks for it.

Depthwise convs run direct on both (ncnn's convolutiondepthwise kernels, cuDNN's grouped
direct path).
"""

import enum

from sim.graph.model import Op
from sim.hw.model import Hardware, Precision
from sim.schedule.model import Algorithm

WINOGRADS = (Algorithm.WINOGRAD_2X2, Algorithm.WINOGRAD_4X4, Algorithm.WINOGRAD_6X6)


class Runtime(enum.Enum):
    NCNN = "ncnn"
    CUDNN = "cudnn"


GPU_UNIT_NAME = "SM"  # a hardware file's `unit_name` for a GPU's streaming multiprocessor


def runtime_of(hw: Hardware) -> Runtime:
    """cuDNN for a GPU (its units are SMs), ncnn for CPU cores: the device kind the hardware
    file declares, never guessed from a figure such as the register width."""
    return Runtime.CUDNN if hw.unit_name == GPU_UNIT_NAME else Runtime.NCNN


def l2_bytes(hw: Hardware) -> int:
    """The L2 size a runtime reads from the system (the whole cache, not a share)."""
    return hw.caches[-1].size_bytes if hw.caches else 0


def conv_algorithm(
    op: Op, hw: Hardware, precision: Precision, allowed: tuple[str, ...] = Algorithm.ALL
) -> str:
    """What the runtime of `hw` runs `op` (a conv2d) with, among `allowed` algorithms."""
    a = op.attrs
    c_in, c_out = op.inputs[0].shape[1] // a.groups, a.out_channels // a.groups
    if runtime_of(hw) is Runtime.CUDNN:
        return Algorithm.IM2COL
    winograd = _ncnn_winograd(op, c_in, c_out, precision)
    if winograd is not None and winograd in allowed and a.groups == 1:
        return winograd
    gemm = _ncnn_prefers_gemm(op, c_in, c_out, hw, precision)
    choice = Algorithm.IM2COL if gemm else Algorithm.DIRECT
    if choice not in allowed:
        return Algorithm.DIRECT if Algorithm.DIRECT in allowed else Algorithm.IM2COL
    return choice


def _ncnn_winograd(op: Op, c_in: int, c_out: int, precision: Precision) -> str | None:
    a = op.attrs
    if a.kernel != (3, 3) or a.stride != (1, 1) or a.dilation != (1, 1):
        return None
    if precision is Precision.INT8:
        return Algorithm.WINOGRAD_4X4 if c_in >= 8 and c_out >= 8 else None
    if c_in < 8 and c_out < 8:
        return None
    if c_in <= 128 and c_out <= 128:
        return Algorithm.WINOGRAD_6X6
    if c_in >= 8 and c_out >= 8:
        return Algorithm.WINOGRAD_4X4
    return Algorithm.WINOGRAD_2X2


def _ncnn_prefers_gemm(op: Op, c_in: int, c_out: int, hw: Hardware, precision) -> bool:
    a = op.attrs
    (kh, kw), (sh, sw), (dh, dw) = a.kernel, a.stride, a.dilation
    if a.kernel == (1, 1) or precision is Precision.INT8:
        return True
    l2_floats = l2_bytes(hw) // 4
    gemm = c_in * c_out * kh * kw * dh * dw * sh * sw * 2 > l2_floats or c_in > 16 or c_out > 16
    square = kh == kw and dh == dw == 1 and sh == sw
    if c_in % 4 == 0 and c_out % 4 == 0 and square:
        if kh == 3 and sh == 2 and (c_in < 4 or c_out < 32):
            return False
        if kh == 5 and sh == 1:
            return False
        if kh == 5 and sh == 2 and (c_in < 8 or c_out < 44):
            return False
    if c_in % 4 != 0 and c_out % 4 == 0 and square and (kh, sh) in ((3, 1), (3, 2), (7, 2)):
        return False
    return gemm
