"""A real Dask cluster (two worker processes) runs a sweep to the very bytes local runs give."""

from dask.distributed import LocalCluster

from sim.cli import main
from sim.sweep.store import open_store

SPEC = """\
workloads: [matvec_1000]
hw: pi3
cores: [1, 2]
grid:
  L2.size: [256KiB, 1MiB]
  DRAM.bandwidth: [1.8GB/s, 7.2GB/s]
"""


def test_a_local_cluster_writes_the_rows_local_processes_write(write_file, tmp_path, capsys):
    spec = write_file("spec.yaml", SPEC)
    inline, processes, cluster_rows = (str(tmp_path / f"{n}.jsonl") for n in ("1", "2", "dask"))
    assert main(["sweep", spec, "-o", inline, "--workers", "1", "-q"]) == 0
    assert main(["sweep", spec, "-o", processes, "--workers", "2", "-q"]) == 0
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        assert (
            main(
                ["sweep", spec, "-o", cluster_rows, "--scheduler", cluster.scheduler_address, "-q"]
            )
            == 0
        )
    capsys.readouterr()
    rows = open_store(inline).rows()
    assert len(rows) == 8 and not any(row["error"] for row in rows)
    assert len({row["seconds"] for row in rows}) > 1  # the points differ
    with open(inline, "rb") as a, open(processes, "rb") as b, open(cluster_rows, "rb") as c:
        assert a.read() == b.read() == c.read()
