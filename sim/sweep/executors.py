"""Where a sweep's points run: this process, local worker processes, or a Dask cluster.

Each executor takes the tasks and yields (task, row) as points finish, in whatever order
they finish. Local processes use the standard library's `concurrent.futures` (so the base
install needs no Dask); `--scheduler ADDRESS` uses dask.distributed's client API, futures and
`as_completed`, on a cluster started with `dask scheduler` and `dask worker`. A point whose
worker died is a failed row, as any other failure.
"""

import contextlib
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from sim.errors import ConfigError
from sim.sweep.rows import failure_row
from sim.sweep.runner import Task, run_task

CLUSTER_EXTRA = "pip install -e '.[cluster]'"
CONNECT_TIMEOUT_S = 10

Finished = Iterator[tuple[Task, dict[str, Any]]]


def execute(tasks: list[Task], workers: int, scheduler: str | None = None) -> Finished:
    """Run `tasks` on `workers` local processes (1: in this one) or on the Dask cluster whose
    scheduler is at `scheduler`; yield each with its row as it finishes."""
    if scheduler is not None:
        return _on_dask(tasks, scheduler)
    if workers == 1 or len(tasks) <= 1:
        return ((task, run_task(task)) for task in tasks)
    return _on_processes(tasks, workers)


def _on_processes(tasks: list[Task], workers: int) -> Finished:
    # forkserver, not fork: a fork of a process with threads (a Dask client's, a test
    # runner's) may inherit a lock held by one of them
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context)
    finished = False
    try:
        futures = {pool.submit(run_task, task): task for task in tasks}
        for future in as_completed(futures):
            yield futures[future], _row(futures[future], future)
        finished = True
    finally:
        pool.shutdown(wait=finished, cancel_futures=True)
        if not finished:  # interrupted: stop the points still running, our own processes
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()


def _on_dask(tasks: list[Task], address: str) -> Finished:
    try:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_completed
    except ImportError:
        raise ConfigError(f"--scheduler needs Dask: {CLUSTER_EXTRA}") from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"--scheduler {address}: cannot connect ({exc})") from None
    with contextlib.closing(client):
        futures = {
            client.submit(run_task, task, pure=False, key=f"sim-point-{task.point.key}"): task
            for task in tasks
        }
        try:
            for future in dask_completed(futures, loop=client.loop):
                yield futures[future], _row(futures[future], future)
        finally:
            client.cancel(list(futures))


def _row(task: Task, future) -> dict[str, Any]:
    """The future's row, or a failed row if its worker died or it was cancelled."""
    try:
        return future.result()
    except Exception as exc:
        text = f"worker failed: {type(exc).__name__}: {exc}".replace("\n", " ")
        return failure_row(task.point, text)


def default_workers() -> int:
    """Every core this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
