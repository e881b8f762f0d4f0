"""The CLI's report flags and its help: --format, --csv, --quiet/--verbose, --plot, --timeline,
the roofline command, examples in every --help, and did-you-mean suggestions."""

import csv
import io
import json

import pytest

from sim.cli import main
from sim.commands import COMMANDS


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


WITH_EXAMPLES = ("run", "analyze", "roofline", "convert", "list", "replay")


@pytest.mark.parametrize("command", [c.name for c in COMMANDS])
def test_every_command_has_help_with_examples(capsys, command):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    if command in WITH_EXAMPLES:  # a command module's EXAMPLES is its --help epilog
        assert "examples:" in out and f"python -m sim {command}" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["analyze", "mobilenet", "--hw", "pi"], "unknown hardware 'pi' (did you mean pi3?)"),
        (["run", "mobilenett", "--hw", "pi3"], "(did you mean mobilenet?)"),
        (["roofline", "--hw", "pi3", "xavir"], "unknown hardware 'xavir' (did you mean xavier?)"),
        (["analyze", "workloads/mobilenett.yaml"], "(did you mean workloads/mobilenet.yaml?)"),
        (["analyze", "MobileNet_V2"], "(did you mean mobilenet_v2?)"),
        (["analyze", "mobilenet", "--hw", "tpu9"], "'tpu9' (known: pi3, v100, xavier)"),
    ],
)  # fmt: skip
def test_unknown_names_suggest_the_closest(capsys, argv, message):
    code, _, err = run_cli(capsys, *argv)
    assert code == 2 and err.count("\n") == 1 and message in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["rn", "mobilenet"], "invalid choice: 'rn'"),
        (["run", "matvec_1000", "--hw", "pi3", "--format", "markdwn"], "(did you mean markdown?)"),
        (["run", "matvec_1000", "--hw", "pi3", "--plot", "x.jpg"], "must end in .png, .svg, .pdf"),
        (["run", "matvec_1000", "--hw", "pi3", "--quiet", "--verbose"], "not allowed with"),
    ],
)
def test_bad_flags_are_one_line_and_exit_2(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.count("\n") == 1 and message in err


def test_a_mistyped_command_is_suggested(capsys):
    with pytest.raises(SystemExit):
        main(["rn", "mobilenet"])
    assert "(did you mean run?)" in capsys.readouterr().err


def test_quiet_writes_every_file_and_prints_nothing(capsys, tmp_path):
    files = {f: str(tmp_path / f) for f in ("run.json", "run.csv", "plot.png", "trace.json")}
    code, out, err = run_cli(
        capsys, "run", "matvec_1000", "--hw", "pi3", "--quiet", "--json", files["run.json"],
        "--csv", files["run.csv"], "--plot", files["plot.png"], "--timeline", files["trace.json"],
    )  # fmt: skip
    assert code == 0 and out == "" and err == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)  # no temporaries left
    assert json.loads((tmp_path / "trace.json").read_text())["traceEvents"]
    assert (tmp_path / "plot.png").read_bytes().startswith(b"\x89PNG")


def test_csv_carries_every_number_of_the_table_with_units_in_the_names(capsys):
    code, out, _ = run_cli(capsys, "run", "matvec_1000", "--hw", "pi3", "--csv", "-")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert set(rows[0]) >= {
        "row", "kernel", "kind", "cycles", "seconds", "achieved_flops_per_s", "analytic_bytes",
        "dram_read_bytes", "dram_write_bytes", "dram_to_analytic", "cache1_name",
        "cache1_hit_rate", "cache2_name", "cache2_hit_rate", "bound", "macs", "flops",
    }  # fmt: skip
    *kernels, total = rows
    assert [k["kernel"] for k in kernels] == ["c", "(write-back)"]
    assert [r["row"] for r in rows] == ["kernel", "kernel", "total"] and total["kernel"] == ""
    assert all(r["cycles"].isdigit() for r in rows)  # whole cycles
    assert int(total["cycles"]) == pytest.approx(sum(int(k["cycles"]) for k in kernels), abs=1)
    code, table, _ = run_cli(
        capsys, "run", "matvec_1000", "--hw", "pi3", "--all", "--format", "markdown"
    )
    (line,) = [line for line in table.splitlines() if line.startswith("| c |")]
    cells = [cell.strip() for cell in line.strip("|").split("|")]
    c = kernels[0]
    assert cells[2] == f"{int(c['cycles']):,}"
    assert cells[3] == f"{float(c['seconds']) * 1e3:,.2f} ms"
    assert cells[6] == f"{int(c['dram_read_bytes']) / 1e6:,.2f} MB"
    assert cells[9] == f"{100 * float(c['cache1_hit_rate']):.1f}%" and c["cache1_name"] == "L1D"


@pytest.mark.parametrize("hw", ["pi3", "xavier", "v100"])
def test_csv_columns_are_the_same_on_every_device(capsys, hw):
    code, out, _ = run_cli(capsys, "run", "matvec_1000", "--hw", hw, "--csv", "-")
    _, pi3, _ = run_cli(capsys, "run", "matvec_1000", "--hw", "pi3", "--csv", "-")
    assert code == 0 and out.splitlines()[0] == pi3.splitlines()[0]


def test_json_cycles_are_whole_and_the_keys_of_old_are_kept(capsys):
    code, out, _ = run_cli(capsys, "run", "matvec_1000", "--hw", "pi3", "--json", "-")
    data = json.loads(out)
    assert isinstance(data["totals"]["cycles"], int)
    assert all(isinstance(k["cycles"], int) for k in data["kernels"])
    assert {"workload", "hw", "schedule", "precision", "totals", "kernels"} <= data.keys()
    assert {"busy_cycles", "levels", "dram_to_analytic", "bound"} <= data["kernels"][0].keys()


def test_markdown_is_a_github_table(capsys):
    code, out, _ = run_cli(
        capsys, "analyze", "bottleneck_256", "--hw", "pi3", "--format", "markdown"
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == (
        "**bottleneck_256: cache-ignoring estimate, fp32, "
        "roofline on pi3 (Raspberry Pi 3 Model B)**"
    )
    table = [line for line in lines if line.startswith("|")]
    assert table[1] == "|---|---|---:|---:|---:|---:|---:|---:|---|"
    assert len(table) == 2 + 3 + 1  # header, rule, three ops, total
    assert all(line.count("|") == table[0].count("|") for line in table)
    assert table[-1].startswith("| **total** |")


def test_verbose_adds_per_unit_totals_and_quiet_drops_the_table(capsys):
    _, verbose, _ = run_cli(capsys, "run", "matvec_1000", "--hw", "pi3", "--verbose")
    assert "per unit: busy time and counts" in verbose and "cache L1D" in verbose
    _, plain, _ = run_cli(capsys, "run", "matvec_1000", "--hw", "pi3")
    assert "per unit" not in plain and "slowest of 2 kernels" in plain
    _, verbose, _ = run_cli(capsys, "analyze", "matvec_1000", "--hw", "pi3", "--verbose")
    assert "ridge 10.67 FLOP/B: 1 ops memory-bound" in verbose  # 4 cores: 38.4 / 3.6
    assert run_cli(capsys, "analyze", "matvec_1000", "--quiet") == (0, "", "")


def test_roofline_command_prints_roofs_and_writes_plot_and_json(capsys, tmp_path):
    plot = tmp_path / "roofs.svg"
    code, out, _ = run_cli(capsys, "roofline", "--hw", "pi3", "xavier", "--plot", str(plot))
    assert code == 0 and plot.read_text().rstrip().endswith("</svg>")
    assert "fp32/fp16 peak" in out and "xavier" in out
    code, out, _ = run_cli(
        capsys, "roofline", "--hw", "pi3", "--workloads", "matvec_1000", "--json", "-"
    )
    data = json.loads(out)
    assert [d["device"] for d in data["devices"]] == ["pi3"]
    (point,) = [p for p in data["points"] if p["kernel"] == "c"]
    assert point["analytic_intensity"] == pytest.approx(0.5, rel=0.01)
    assert point["simulated_intensity"] > 0
    code, out, _ = run_cli(
        capsys, "roofline", "--hw", "pi3", "--workloads", "matvec_1000",
        "--schedules", "naive", "fused", "--json", "-",
    )  # fmt: skip
    assert {p["schedule"] for p in json.loads(out)["points"]} == {"naive", "fused"}
