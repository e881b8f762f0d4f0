"""Design-space sweeps: many runs of one spec, resumable, on local processes or a Dask cluster.

    SPEC.yaml --spec--> SweepSpec --points--> Points (keyed) --runner--> rows --store--> file

`spec` reads and checks the whole spec before any point runs; `points` expands it and keys
every point by what determines its result; `runner` runs them (sim/sweep/executors.py picks
where) and turns each run's JSON into a row; `store` appends rows as they finish and resumes;
`plot` draws a metric against the swept keys. docs/sweeps.md is the user's guide.
"""
