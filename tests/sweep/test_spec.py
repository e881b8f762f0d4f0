"""A sweep spec: every point it means, and every mistake found before any point runs."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import ConfigError
from sim.sweep.points import sweep_points
from sim.sweep.spec import read_spec

BASE = "workloads: [matvec_1000]\nhw: pi3\n"


def spec_of(write_file, text: str):
    return read_spec(write_file("spec.yaml", BASE + text))


def test_the_issues_spec_is_the_product_of_its_grid(write_file):
    spec = spec_of(
        write_file,
        "schedules: [fused]\ngrid:\n  L2.size: [256KiB, 1MiB]\n"
        "  DRAM.bandwidth: [1.8GB/s, 7.2GB/s]\n",
    )
    points = sweep_points(spec)
    assert [dict(p.coordinates) for p in points] == [
        {"L2.size": "256KiB", "DRAM.bandwidth": "1.8GB/s"},
        {"L2.size": "256KiB", "DRAM.bandwidth": "7.2GB/s"},
        {"L2.size": "1MiB", "DRAM.bandwidth": "1.8GB/s"},
        {"L2.size": "1MiB", "DRAM.bandwidth": "7.2GB/s"},
    ]
    assert {(p.workload, p.hw, p.schedule, p.cores, p.precision) for p in points} == {
        ("matvec_1000", "pi3", "fused", None, "fp32")
    }
    assert spec.keys == ("L2.size", "DRAM.bandwidth")
    assert len({p.key for p in points}) == 4


def test_zip_steps_together_and_points_add_explicit_sets(write_file):
    spec = spec_of(
        write_file,
        "cores: [1, 2]\nzip:\n  DRAM.bandwidth: [1.8GB/s, 3.6GB/s]\n"
        "  DRAM.latency: [200ns, 100ns]\n"
        "points:\n  - {L2.size: 256KiB}\n  - {L2.size: 1MiB, L2.ways: 8}\n",
    )
    points = sweep_points(spec)
    assert len(points) == 2 * 2 * 2
    assert [dict(p.coordinates) for p in points[:4]] == [
        {"DRAM.bandwidth": "1.8GB/s", "DRAM.latency": "200ns", "L2.size": "256KiB"},
        {"DRAM.bandwidth": "1.8GB/s", "DRAM.latency": "200ns", "L2.size": "1MiB", "L2.ways": 8},
        {"DRAM.bandwidth": "3.6GB/s", "DRAM.latency": "100ns", "L2.size": "256KiB"},
        {"DRAM.bandwidth": "3.6GB/s", "DRAM.latency": "100ns", "L2.size": "1MiB", "L2.ways": 8},
    ]
    assert [p.cores for p in points] == [1] * 4 + [2] * 4


@settings(max_examples=25, deadline=None)
@given(
    sizes=st.lists(st.sampled_from(["64KiB", "128KiB", "256KiB", "1MiB"]), min_size=1, max_size=4),
    ways=st.lists(st.sampled_from([4, 8, 16]), min_size=1, max_size=3),
    cores=st.lists(st.integers(1, 4), min_size=1, max_size=3),
)
def test_the_points_are_the_product_of_the_distinct_values(tmp_path_factory, sizes, ways, cores):
    path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    path.write_text(BASE + f"cores: {cores}\ngrid:\n  L2.size: {sizes}\n  L2.ways: {ways}\n")
    points = sweep_points(read_spec(str(path)))
    assert len(points) == math.prod(len(set(v)) for v in (sizes, ways, cores))
    assert len({p.key for p in points}) == len(points)


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "grid:\n  L2.sise: [1MiB]\n",
            r"spec\.yaml: grid\.L2\.sise\[0\]: unknown key 'L2\.sise' "
            r"for pi3 \(did you mean L2\.size\?\); known keys: ",
        ),
        ("grid:\n  L2.size: [1MiB, 0]\n", r"grid\.L2\.size\[1\]: expected a positive size, got 0$"),
        ("grid:\n  DRAM.bandwidth: [fast]\n", r"grid\.DRAM\.bandwidth\[0\]: expected a bandwidth"),
        ("grid:\n  L2.size: 1MiB\n", r"grid\.L2\.size: expected a list of values"),
        ("grid:\n  L2.size: [[1MiB]]\n", r"grid\.L2\.size\[0\]: expected a value such as"),
        (
            "zip:\n  L2.size: [1MiB]\n  L2.ways: [4, 8]\n",
            r"zip: zipped lists must have one "
            r"length, got L2\.size: 1, L2\.ways: 2",
        ),
        (
            "grid:\n  L2.size: [1MiB]\nzip:\n  L2.size: [2MiB]\n",
            r"zip: 'L2\.size' is swept by "
            r"both grid and zip",
        ),
        (
            "grid:\n  cores: [1, 2]\n",
            r"grid: 'cores' is a column of every row, not a hardware key "
            r"\(sweep the cores a run uses with `cores:`\)",
        ),
        ("points:\n  - 1MiB\n", r"points\[0\]: expected a mapping"),
        (
            "points:\n  - {L2.size: 48.5KiB}\n",
            r"points\[0\]\.L2\.size: size 49664 B is not a whole",
        ),
        ("schedules: [fusd]\n", r"schedules\[0\]: unknown schedule 'fusd'"),
        ("schedules: [nope.yaml]\n", r"schedules\[0\]: no such schedule file 'nope\.yaml'"),
        ("precisions: [fp64]\n", r"precisions\[0\]: unknown precision 'fp64'"),
        ("cores: [0]\n", r"cores\[0\]: expected an integer >= 1, got 0"),
        ("objective: speed\n", r"objective: unknown objective 'speed'"),
        ("grids: {}\n", r"unknown field 'grids'"),
    ],
)
def test_a_malformed_spec_names_the_file_and_the_place(write_file, text, message):
    with pytest.raises(ConfigError, match=message) as caught:
        spec_of(write_file, text)
    assert str(caught.value).startswith(write_file("spec.yaml", BASE + text) + ": ")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "text, message",
    [
        ("hw: pi3\n", r"missing required field 'workloads'"),
        (
            "workloads: [mobilenett]\nhw: pi3\n",
            r"workloads\[0\]: unknown workload 'mobilenett' "
            r"\(did you mean mobilenet\?\)",
        ),
        ("workloads: [matvec_1000]\nhw: [pi3, pi]\n", r"hw\[1\]: unknown hardware 'pi'"),
        ("workloads: []\nhw: pi3\n", r"workloads: expected at least one value"),
        ("- 1\n", r"expected a mapping"),
    ],
)
def test_missing_or_unknown_inputs_are_named_in_the_spec(write_file, text, message):
    with pytest.raises(ConfigError, match=message):
        read_spec(write_file("spec.yaml", text))


def test_a_missing_spec_file_is_one_line(tmp_path):
    with pytest.raises(ConfigError, match="nope.yaml: cannot read file"):
        read_spec(str(tmp_path / "nope.yaml"))
