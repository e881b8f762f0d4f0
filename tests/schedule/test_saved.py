"""Saved schedules: save then load gives the same schedule and the same run, bit for bit;
a file that does not fit its workload is one line and exit 2."""

import json

import pytest

from sim.graph.load import load_workload, workload_names
from sim.hw.load import load_hardware
from sim.hw.model import Precision
from sim.schedule.presets import PRESETS, preset_schedule
from sim.schedule.saved import load_schedule, schedule_data
from sim.yamlio import dump_yaml, read_yaml
from tests.test_cli import run_cli


@pytest.mark.parametrize("workload", sorted(workload_names()))
@pytest.mark.parametrize("preset", PRESETS)  # auto: test_auto.py
def test_save_then_load_gives_an_equal_schedule(tmp_path, workload, preset):
    graph = load_workload(workload)
    schedule = preset_schedule(preset, graph, Precision.FP32, load_hardware("pi3"))
    path = tmp_path / "s.yaml"
    path.write_text(dump_yaml(schedule_data(schedule)))
    assert load_schedule(path, graph, Precision.FP32) == schedule


@pytest.mark.parametrize("workload", ["conv_chain_16x16", "shufflenet_v1_0.5x_g3"])
def test_a_replayed_schedule_gives_the_same_run_json(capsys, tmp_path, workload):
    plan = tmp_path / "plan.yaml"
    argv = ("run", workload, "--hw", "pi3", "--quiet", "--json")
    code, _, _ = run_cli(
        capsys, *argv, str(tmp_path / "a.json"), "--schedule", "tiled", "--save-schedule", str(plan)
    )
    assert code == 0
    code, _, _ = run_cli(capsys, *argv, str(tmp_path / "b.json"), "--schedule", str(plan))
    assert code == 0
    a, b = (json.loads((tmp_path / f).read_text()) for f in ("a.json", "b.json"))
    assert a == b and a["schedule"] == "tiled"


def test_a_replayed_auto_schedule_gives_the_run_json_without_the_search_note(capsys, tmp_path):
    plan = tmp_path / "plan.yaml"
    argv = ("run", "conv_chain_16x16", "--hw", "pi3", "--quiet", "--json")
    run_cli(
        capsys, *argv, str(tmp_path / "a.json"), "--schedule", "auto", "--save-schedule", str(plan)
    )
    code, _, _ = run_cli(capsys, *argv, str(tmp_path / "b.json"), "--schedule", str(plan))
    assert code == 0
    a, b = (json.loads((tmp_path / f).read_text()) for f in ("a.json", "b.json"))
    assert a.pop("notes")[0].startswith("auto (least time): ") and "notes" not in b
    assert a == b and a["schedule"] == "auto"


def _edited(tmp_path, edit) -> str:
    graph = load_workload("se_block")
    data = schedule_data(preset_schedule("fused", graph, Precision.FP32))
    edit(data)
    path = tmp_path / "bad.yaml"
    path.write_text(dump_yaml(data))
    return str(path)


def _rename_first(data):
    data["kernels"][0]["main"] = "nope"


def _drop_last(data):
    data["kernels"].pop()


def _twice(data):
    data["kernels"].append(dict(data["kernels"][0], name="again"))


def _other_workload(data):
    data["workload"] = "resnet18"


def _relu_absorbed_without_a_concat(data):
    kernel = data["kernels"][0]
    kernel["absorbed"] = [*kernel["absorbed"], *kernel.pop("epilogue")]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_rename_first, "unknown op 'nope' (not in workload"),
        (_drop_last, "is in no kernel"),
        (_twice, "is in two kernels"),
        (_other_workload, "saved for workload 'resnet18', not"),
        (_relu_absorbed_without_a_concat, "can only be absorbed with the concat it reads"),
    ],
)
def test_a_schedule_that_does_not_fit_its_workload_is_one_line(capsys, tmp_path, edit, message):
    path = _edited(tmp_path, edit)
    code, _, err = run_cli(capsys, "run", "se_block", "--hw", "pi3", "--schedule", path)
    assert code == 2 and message in err and err.count("\n") == 1


def test_the_saved_file_names_ops_and_buffers(tmp_path):
    graph = load_workload("se_block")
    path = tmp_path / "s.yaml"
    path.write_text(dump_yaml(schedule_data(preset_schedule("fused", graph, Precision.FP32))))
    data = read_yaml(path, ValueError)
    assert data["schedule"] == "fused" and data["workload"] == graph.name
    assert {"name", "main", "algorithm"} <= set(data["kernels"][0])
    assert all(len(v) == 2 for v in data["buffers"].values())


def test_a_tiled_chain_saves_the_first_op_of_each_stage(tmp_path):
    graph = load_workload("shufflenet_v1_0.5x_g3")
    schedule = preset_schedule("tiled", graph, Precision.FP32, load_hardware("pi3"))
    chains = [k for k in schedule.kernels if k.tile is not None]
    assert max(len(k.stages) for k in chains) == 3  # gconv1 -> shuffle + dwconv -> gconv2
    entries = [e for e in schedule_data(schedule)["kernels"] if "tile" in e]
    assert entries[0]["stages"] == ["stage2_1.gconv1", "stage2_1.shuffle", "stage2_1.gconv2"]


def _tiled_chain_edited(tmp_path, stages) -> str:
    graph = load_workload("conv_chain_16x16")
    data = schedule_data(preset_schedule("tiled", graph, Precision.FP32, load_hardware("pi3")))
    if stages is None:
        del data["kernels"][0]["stages"]
    else:
        data["kernels"][0]["stages"] = stages
    path = tmp_path / "bad.yaml"
    path.write_text(dump_yaml(data))
    return str(path)


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        (None, "a tiled chain has both a tile and its stages"),
        (["conv1"], "expected the first op of each of 2 or more stages"),
        (["relu1", "conv2"], "expected the first op of each of 2 or more stages"),
        (["conv1", "nope"], "'nope' is not an op of this kernel"),
        (["conv1", "relu1", "conv2"], "runs 0 convs, not one"),
        (["conv1", "relu1"], "runs relu relu1 before its conv (read maps only)"),
    ],
)
def test_a_tiled_chain_with_wrong_stages_is_one_line(capsys, tmp_path, stages, message):
    path = _tiled_chain_edited(tmp_path, stages)
    code, _, err = run_cli(capsys, "run", "conv_chain_16x16", "--hw", "pi3", "--schedule", path)
    assert code == 2 and message in err and err.count("\n") == 1
