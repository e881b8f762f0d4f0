"""A row is run's JSON flattened: every total as it comes, and figures derived from the JSON."""

import copy

import pytest

from sim.sweep.drive import _task
from sim.sweep.points import sweep_points
from sim.sweep.rows import row_of
from sim.sweep.runner import point_json, run_task
from sim.sweep.spec import read_spec


@pytest.fixture(scope="module")
def point_and_json(tmp_path_factory):
    path = tmp_path_factory.mktemp("rows") / "spec.yaml"
    path.write_text("workloads: [matvec_1000]\nhw: pi3\ncores: [1]\n")
    spec = read_spec(str(path))
    (point,) = sweep_points(spec)
    task = _task(spec, point)
    return point, point_json(task), task


def test_every_total_becomes_a_column_even_one_added_later(point_and_json):
    point, data, _ = point_and_json
    data = copy.deepcopy(data)
    data["totals"]["energy_j"] = 0.125  # a total another part of sim may add
    row = row_of(point, data)
    assert row["energy_j"] == 0.125
    scalars = {k: v for k, v in data["totals"].items() if not isinstance(v, dict)}
    assert {k: row[k] for k in scalars} == scalars
    assert "engine" not in row and "kernels" not in row and row["error"] is None


def test_a_total_that_is_a_mapping_becomes_a_column_per_entry(point_and_json):
    point, data, _ = point_and_json
    by_level = data["totals"]["energy_by_level_j"]
    assert by_level and "DRAM" in by_level
    row = row_of(point, data)
    assert {name: row[f"energy_by_level_j.{name}"] for name in by_level} == by_level
    assert "energy_by_level_j" not in row


def test_derived_figures_follow_from_the_json(point_and_json):
    point, data, _ = point_and_json
    row = row_of(point, data)
    totals = data["totals"]
    dram = totals["dram_read_bytes"] + totals["dram_write_bytes"]
    assert row["dram_bytes"] == dram
    assert row["intensity_flops_per_byte"] == totals["flops"] / dram
    assert row["ridge_flops_per_byte"] == data["peak_flops_per_s"] / data["dram_bytes_per_s"]
    by_bound = {}
    for kernel in data["kernels"]:
        by_bound[kernel["bound"]] = by_bound.get(kernel["bound"], 0) + kernel["cycles"]
    assert row["bound"] == max(by_bound, key=by_bound.get)
    assert row["bound_share"] == by_bound[row["bound"]] / sum(by_bound.values())
    l2 = [k["levels"]["L2"] for k in data["kernels"] if "L2" in k["levels"]]
    assert row["L2_hit_rate"] == sum(x["hits"] for x in l2) / sum(x["accesses"] for x in l2)
    assert (row["workload"], row["hw"], row["cores"], row["schedule"]) == (
        "matvec_1000",
        "pi3",
        1,
        "naive",
    )


def test_a_worker_reuses_a_hardware_free_schedule(point_and_json, monkeypatch):
    point, data, task = point_and_json
    import sim.sweep.runner as runner

    monkeypatch.setattr(runner, "plan", lambda *a, **k: pytest.fail("planned again"))
    assert run_task(task) == row_of(point, data)  # naive: made once per workload
