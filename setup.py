"""Packaging beyond pyproject.toml: the shipped hardware and workloads go into the wheel.

`hw_configs/` and `workloads/` stay at the top of the repository; a wheel carries them as
`sim/_shipped/hw_configs/` and `sim/_shipped/workloads/`, where sim/paths.py finds them when
sim is not run from a checkout.
"""

from setuptools import find_packages, setup

SHIPPED = {f"sim._shipped.{folder}": folder for folder in ("hw_configs", "workloads")}

setup(
    packages=[*find_packages(include=["sim", "sim.*"]), *SHIPPED],
    package_dir=SHIPPED,
    package_data={package: ["*.yaml"] for package in SHIPPED},
)
