"""The sweep plot, read from its artists: lines, DRAM-bound overdraw, ridge marks, heatmap."""

import math

import pytest
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle

from sim.errors import ConfigError
from sim.sweep.plot import sweep_figure
from sim.sweep.rows import DRAM_BOUND
from sim.sweep.view import pivot_report

SIZES = ["128KiB", "512KiB", "2MiB"]
BANDWIDTHS = ["1.8GB/s", "3.6GB/s"]
KEYS = ("L2.size", "DRAM.bandwidth")


def synthetic_rows() -> list[dict]:
    """Intensity grows with the L2, the ridge falls with bandwidth: a crossing per line."""
    rows = []
    for size, intensity in zip(SIZES, (6.0, 12.0, 24.0)):
        for bandwidth, ridge in zip(BANDWIDTHS, (20.0, 10.0)):
            rows.append(
                {
                    "L2.size": size,
                    "DRAM.bandwidth": bandwidth,
                    "workload": "mobilenet_v1",
                    "hw": "pi3",
                    "schedule": "fused",
                    "cores": 4,
                    "precision": "fp32",
                    "seconds": 1.0 / intensity + 1.0 / ridge,
                    "intensity_flops_per_byte": intensity,
                    "ridge_flops_per_byte": ridge,
                    "bound": DRAM_BOUND if intensity < ridge else "compute",
                    "error": None,
                }
            )
    return rows


def test_one_line_per_other_coordinate_against_the_chosen_key():
    rows = synthetic_rows()
    (ax, *_) = sweep_figure(rows, KEYS, x="L2.size").axes
    lines = [line for line in ax.lines if line.get_gid() == "metric"]
    assert [line.get_label() for line in lines] == [f"DRAM.bandwidth={b}" for b in BANDWIDTHS]
    assert ax.get_xscale() == "log"  # 128 KiB to 2 MiB spans 16x
    assert [t.get_text() for t in ax.get_xticklabels()] == SIZES
    for line, bandwidth in zip(lines, BANDWIDTHS):
        expected = [r["seconds"] for r in rows if r["DRAM.bandwidth"] == bandwidth]
        assert list(line.get_ydata()) == expected
        assert list(line.get_xdata()) == [2**17, 2**19, 2**21]


def test_dram_bound_points_are_overdrawn_and_ridge_crossings_marked():
    rows = synthetic_rows()
    (ax, *_) = sweep_figure(rows, KEYS, x="L2.size").axes
    bound = [line for line in ax.lines if line.get_gid() == "dram-bound"]
    assert len(bound) == 2
    for line, bandwidth in zip(bound, BANDWIDTHS):
        flags = [r["bound"] == DRAM_BOUND for r in rows if r["DRAM.bandwidth"] == bandwidth]
        assert [not math.isnan(y) for y in line.get_ydata()] == flags
    ridges = [line for line in ax.lines if line.get_gid() == "ridge"]
    # 1.8 GB/s: intensity 12 -> 24 crosses the ridge at 20; 3.6 GB/s: 6 -> 12 crosses 10
    crossings = sorted(line.get_xdata()[0] for line in ridges)
    assert len(crossings) == 2
    assert 2**17 < crossings[0] < 2**19 < crossings[1] < 2**21
    # on a log axis the crossing is interpolated in log(intensity / ridge) and log(x)
    share = math.log(6 / 10) / (math.log(6 / 10) - math.log(12 / 10))
    assert crossings[0] == pytest.approx(2 ** (17 + 2 * share))


def test_two_keys_make_a_heatmap_with_hatched_dram_bound_cells_and_a_ridge_contour():
    rows = synthetic_rows()
    fig = sweep_figure(rows, KEYS)
    ax = fig.axes[0]
    (image,) = [i for i in ax.get_images() if isinstance(i, AxesImage)]
    data = image.get_array()
    assert data.shape == (3, 2)
    assert data[0, 0] == rows[0]["seconds"] and data[2, 1] == rows[5]["seconds"]
    hatched = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_gid() == "dram-bound"]
    corners = sorted((round(p.get_y() + 0.5), round(p.get_x() + 0.5)) for p in hatched)
    expected = sorted(
        (SIZES.index(r["L2.size"]), BANDWIDTHS.index(r["DRAM.bandwidth"]))
        for r in rows
        if r["bound"] == DRAM_BOUND
    )
    assert corners == expected
    assert [c for c in ax.collections if c.get_gid() == "ridge"]
    assert [t.get_text() for t in ax.get_yticklabels()] == SIZES


def test_failed_rows_are_left_out_and_a_bad_metric_is_refused():
    rows = synthetic_rows()
    rows[0] = {**rows[0], "seconds": None, "error": "boom"}
    (ax, *_) = sweep_figure(rows, KEYS, x="L2.size").axes
    lines = {line.get_label(): line for line in ax.lines if line.get_gid() == "metric"}
    assert len(lines["DRAM.bandwidth=1.8GB/s"].get_xdata()) == 2
    assert len(lines["DRAM.bandwidth=3.6GB/s"].get_xdata()) == 3
    with pytest.raises(ConfigError, match="--metric secs: not a number of every row"):
        sweep_figure(rows, KEYS, metric="secs")
    with pytest.raises(ConfigError, match="--x L3.size: not a swept key"):
        sweep_figure(rows, KEYS, x="L3.size")


def test_the_table_pivots_the_last_key_and_marks_dram_bound_points():
    report = pivot_report(synthetic_rows(), KEYS, "seconds")
    assert [c.header for c in report.columns] == [
        "L2.size",
        "DRAM.bandwidth=1.8GB/s",
        "DRAM.bandwidth=3.6GB/s",
    ]
    assert [row["L2.size"] for row in report.rows] == SIZES
    assert report.rows[0]["v0"].endswith("*") and not report.rows[2]["v0"].endswith("*")
