"""`python -m sim compare` and `run --schedule`: the headline, the JSON, the per-group sums."""

import json

import pytest

from sim.cli import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_compare_json_groups_sum_to_the_totals_and_name_what_stays_on_chip(capsys):
    code, out, err = run_cli(capsys, "compare", "se_block", "--hw", "pi3", "--json", "-")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["schedules"] == ["naive", "fused"]
    for name in data["schedules"]:
        total = data["totals"][name]
        grouped = sum(g["schedules"][name]["dram_bytes"] for g in data["groups"])
        assert grouped + data["write_back_bytes"][name] == total["dram_bytes"]
    assert data["totals"]["fused"]["dram_bytes"] < data["totals"]["naive"]["dram_bytes"]
    kept = {k["tensor"]: k for g in data["groups"] for k in g["kept_on_chip"]["fused"]}
    assert {"expand", "expand_bn", "dw_bn", "se", "project_bn"} <= kept.keys()
    assert kept["expand"]["how"] == "expand_bn folded into expand"
    assert kept["se"]["round_trip_bytes"] == 2 * 96 * 56 * 56 * 4
    assert data["headline"][0].startswith("Biggest avoidable traffic: ")


def test_compare_prints_the_headline_first(capsys):
    code, out, _ = run_cli(capsys, "compare", "se_block", "--hw", "pi3")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("Biggest avoidable traffic:") and lines[1].startswith("naive: ")
    assert lines[2].startswith("fused: ") and "% traffic" in lines[2]


def test_an_unknown_schedule_is_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", "se_block", "--hw", "pi3", "--schedules", "naive", "fuse"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.count("\n") == 1
    assert "invalid choice: 'fuse' (choose from 'naive', 'fused', 'tiled', 'auto')" in err
    assert err.endswith("(did you mean fused?)\n")


def test_run_takes_a_schedule(capsys):
    code, out, _ = run_cli(
        capsys, "run", "se_block", "--hw", "pi3", "--schedule", "fused", "--json", "-"
    )
    data = json.loads(out)
    assert code == 0 and data["schedule"] == "fused"
    assert [k["name"] for k in data["kernels"]][:3] == ["expand", "dw", "se"]


def test_compare_prints_markdown_with_a_total_row(capsys):
    code, out, _ = run_cli(capsys, "compare", "se_block", "--hw", "pi3", "--format", "markdown")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("Biggest avoidable traffic:")
    header = "| ops | estimate | naive DRAM | naive time | fused DRAM | fused time |"
    assert any(line.startswith(header) for line in lines)
    assert any(line.startswith("| **total** | **19.01 MB** |") for line in lines)
    assert "┃" not in out


def test_compare_quiet_prints_nothing_and_still_writes_json(capsys, tmp_path):
    path = tmp_path / "c.json"
    code, out, err = run_cli(
        capsys, "compare", "se_block", "--hw", "pi3", "-q", "--json", str(path)
    )
    assert (code, out, err) == (0, "", "")
    assert json.loads(path.read_text())["schedules"] == ["naive", "fused"]


def test_compare_verbose_adds_a_unit_table_per_schedule(capsys):
    code, out, _ = run_cli(
        capsys, "compare", "se_block", "--hw", "pi3", "-v", "--format", "markdown"
    )
    assert code == 0
    assert "**naive: per unit: busy time" in out and "**fused: per unit: busy time" in out


def test_compare_help_has_examples(capsys):
    with pytest.raises(SystemExit):
        main(["compare", "--help"])
    out = capsys.readouterr().out
    assert "examples:\n  python -m sim compare mobilenet --hw pi3" in out
    assert "--format {table,markdown}" in out and "--quiet" in out and "--verbose" in out


def test_the_headline_names_only_what_the_baseline_did_not_keep_on_chip(capsys):
    argv = ("compare", "conv_chain_16x16", "--hw", "pi3", "--schedules", "fused,tiled")
    code, out, _ = run_cli(capsys, *argv)
    assert code == 0
    first = out.splitlines()[0]
    # fused already keeps conv1 in registers (its relu is an epilogue): tiling adds relu1,
    # 192 x 16 x 16 fp32 = 196,608 B stored and loaded once each
    assert first.endswith("avoided by keeping on chip relu1 (0.39 MB).")
