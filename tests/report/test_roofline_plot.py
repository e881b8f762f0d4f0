"""The roofline plot, checked by its artists: points, arrows, roofs, log axes, labels."""

import math

import attrs
from matplotlib.collections import PathCollection
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch
from matplotlib.text import Annotation, Text

from sim.hw.load import load_hardware
from sim.hw.model import Precision
from sim.outputs import commit, figure_bytes
from sim.report.roofline import kernel_points, roofline_data
from sim.report.roofline_plot import roofline_figure
from tests.report.conftest import run_of

FP32 = Precision.FP32


def _offsets(ax, gid: str) -> list[tuple[float, float]]:
    return [
        tuple(xy)
        for c in ax.collections
        if isinstance(c, PathCollection) and c.get_gid() == gid
        for xy in c.get_offsets()
    ]


def _roofs(ax, kind: str) -> list[Line2D]:
    return [line for line in ax.lines if (line.get_gid() or "").startswith(f"roof:{kind}:")]


def test_every_kernel_with_flops_is_a_pair_of_points_joined_by_an_arrow(shufflenet_xavier):
    data = roofline_data([shufflenet_xavier.hw], [shufflenet_xavier], FP32)
    (ax,) = roofline_figure(data).axes
    with_flops = [k for k in shufflenet_xavier.kernels if k.flops > 0]
    no_flops = len(shufflenet_xavier.kernels) - len(with_flops)
    assert no_flops > 1  # shuffles, concats and the write-back
    estimate, simulated = _offsets(ax, "points:estimate"), _offsets(ax, "points:simulated")
    assert len(estimate) == len(simulated) == len(with_flops)
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch) and p.get_gid() == "arrow"]
    assert len(arrows) == len(with_flops)
    # a point sits at the kernel's intensities: analytic, and FLOPs / simulated DRAM bytes
    conv1 = next(k for k in shufflenet_xavier.kernels if k.name == "conv1")
    seconds = conv1.cycles / shufflenet_xavier.hw.core.clock_hz
    sim_xy = (conv1.flops / conv1.dram_bytes, conv1.flops / seconds)
    assert any(math.isclose(x, sim_xy[0]) and math.isclose(y, sim_xy[1]) for x, y in simulated)
    assert any(math.isclose(x, conv1.analytic_flops / conv1.analytic_bytes) for x, _ in estimate)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert f"{no_flops} without FLOPs not plotted" in ax.get_title()


def test_roofs_are_the_peaks_per_precision_dram_and_each_cache_port(shufflenet_xavier):
    hw = shufflenet_xavier.hw
    data = roofline_data([hw], [shufflenet_xavier], FP32)
    (ax,) = roofline_figure(data).axes
    compute = _roofs(ax, "compute")
    assert len(compute) == 3  # xavier's fp32, fp16 and int8 peaks differ
    peaks = sorted(line.get_ydata()[0] for line in compute)
    assert peaks == sorted(hw.peak_flops_per_s(p) for p in Precision)
    memory = {line.get_gid().split(":")[-1]: line for line in _roofs(ax, "memory")}
    assert set(memory) == {"DRAM", *(level.name for level in hw.caches)}
    dram = memory["DRAM"]
    x, y = dram.get_xdata(), dram.get_ydata()
    assert math.isclose(y[0] / x[0], hw.dram.bandwidth_bytes_per_s)  # slope = bandwidth
    l1 = hw.caches[0]
    x, y = memory[l1.name].get_xdata(), memory[l1.name].get_ydata()
    assert math.isclose(y[0] / x[0], hw.units * l1.bytes_per_cycle * hw.core.clock_hz)  # every SM


def test_labels_name_the_slowest_kernels_and_do_not_overlap(shufflenet_xavier):
    data = roofline_data([shufflenet_xavier.hw], [shufflenet_xavier], FP32)
    figure = roofline_figure(data, label_top=8)
    (ax,) = figure.axes
    labels = [t for t in ax.texts if isinstance(t, Annotation) and t.get_gid() == "label"]
    assert 1 <= len(labels) <= 8
    slowest = max(shufflenet_xavier.kernels, key=lambda k: k.cycles)
    assert any(slowest.name in t.get_text() for t in labels)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    boxes = [Text.get_window_extent(t, renderer) for t in labels]  # the text, not its leader
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)


def test_kernels_without_dram_traffic_keep_only_their_estimate():
    result = run_of("shufflenet_v1_0.5x_g3", "v100")
    points = kernel_points(result)
    no_dram = [p for p in points if p.analytic_intensity and not p.simulated_intensity]
    assert [p.kernel for p in no_dram] == [
        "conv1_relu",
        "stage2_1.gconv1_relu",
        "stage2_1.relu",
        "stage2_2.gconv1_relu",
    ]
    (ax,) = roofline_figure(roofline_data([result.hw], [result], FP32)).axes
    assert len(_offsets(ax, "points:estimate")) == len(_offsets(ax, "points:simulated")) + 4
    assert "4 without simulated DRAM traffic" in ax.get_title()


def test_schedules_overlay_in_colour_with_one_panel_per_device(shufflenet_xavier, matvec_pi3):
    tiled = attrs.evolve(matvec_pi3, schedule="tiled")  # stands in for a second schedule's run
    runs = [matvec_pi3, tiled, shufflenet_xavier]
    figure = roofline_figure(roofline_data([matvec_pi3.hw, shufflenet_xavier.hw], runs, FP32))
    assert [ax.get_title().split(",")[0] for ax in figure.axes] == ["pi3", "xavier"]
    pi3 = figure.axes[0]
    colours = {
        tuple(c.get_facecolors()[0])
        for c in pi3.collections
        if isinstance(c, PathCollection) and c.get_gid() == "points:simulated"
    }
    assert len(colours) == 2  # naive and tiled
    assert len(_offsets(pi3, "points:simulated")) == 2  # matvec's one kernel, twice
    assert {t.get_text() for t in pi3.legend_.get_texts()} >= {"schedule naive", "schedule tiled"}


def test_roofs_alone_overlay_every_device():
    hws = [load_hardware(name) for name in ("pi3", "xavier", "v100")]
    (ax,) = roofline_figure(roofline_data(hws, [], FP32)).axes
    memory = _roofs(ax, "memory")
    assert len(memory) == sum(1 + len(hw.caches) for hw in hws)
    assert not ax.collections and not ax.patches


def test_the_plot_is_written_whole_as_png_and_svg(tmp_path, matvec_pi3):
    figure = roofline_figure(roofline_data([matvec_pi3.hw], [matvec_pi3], FP32))
    paths = [str(tmp_path / name) for name in ("plot.png", "plot.svg")]
    commit([(path, figure_bytes(path, figure)) for path in paths])
    assert (tmp_path / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (tmp_path / "plot.svg").read_text()
    assert svg.rstrip().endswith("</svg>") and "matvec_1000" in svg
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plot.png", "plot.svg"]
