"""The energy breakdown plot, checked by its bars: one stack per kind of kernel, one colour per
level, heights that add up to the kernels' joules."""

import pytest
from matplotlib.patches import Rectangle

from sim.energy.account import kernel_energy
from sim.hw.model import Precision
from sim.report.energy_plot import energy_by_kind, energy_figure
from tests.test_cli import run_cli


def _bars(ax, level: str) -> list[Rectangle]:
    return [p for p in ax.patches if p.get_gid() == f"energy:{level}"]


def test_each_kind_is_a_stack_of_its_kernels_joules_per_level(matvec_pi3):
    result = matvec_pi3
    (ax,) = energy_figure(result).axes
    groups = energy_by_kind(result)
    levels = result.hw.energy.level_names
    assert [t.get_text() for t in ax.get_xticklabels()] == [kind for kind, _ in groups]
    for level in levels:
        bars = _bars(ax, level)
        assert len(bars) == len(groups)
        for bar, (kind, _) in zip(bars, groups):
            joules = sum(
                kernel_energy(k, result.hw, Precision.FP32)[level]
                for k in result.kernels
                if k.kind == kind
            )
            assert bar.get_height() == pytest.approx(joules)
    tops = [
        max(b.get_y() + b.get_height() for b in ax.patches if b.get_x() == bar.get_x())
        for bar in _bars(ax, levels[0])
    ]
    assert tops == sorted(tops, reverse=True)  # the most costly kind first
    assert "dynamic" in ax.get_title() and "DRAM" in ax.get_title()


def test_the_run_flag_writes_the_plot_and_refuses_a_device_without_energy(
    capsys, tmp_path, write_file
):
    from tests.energy.test_load import TINY

    path = tmp_path / "energy.svg"
    code, _, err = run_cli(capsys, "run", "pool_dw", "--hw", "pi3", "--energy-plot", str(path))
    assert code == 0 and f"wrote {path}" in err and path.read_text().startswith("<?xml")
    hw = write_file("tiny.yaml", TINY)
    code, out, err = run_cli(capsys, "run", "pool_dw", "--hw", hw, "--energy-plot", str(path))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "--energy-plot" in err and "no energy" in err
