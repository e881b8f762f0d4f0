"""Random and mutated documents thrown at the loaders: a SimError or a value, never a crash."""

import copy

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import SimError
from sim.graph.load import parse_workload
from sim.hw.load import parse_hardware
from tests.conftest import ROOT

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.sampled_from(["$x", "${1/0}", "${", "same", "$input", "a|b", "3KiB", "-1", "1e400"]),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


@st.composite
def mutated(draw, base):
    doc = copy.deepcopy(base)
    paths = list(_paths(doc))[1:]
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        parent = doc
        try:
            for key in path[:-1]:
                parent = parent[key]
            if draw(st.booleans()) and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = draw(documents)
        except (KeyError, IndexError, TypeError):
            continue
    return doc


def _accepts_or_refuses(loader, doc) -> None:
    try:
        loader(doc, "fuzz.yaml")
    except SimError as exc:
        assert str(exc).startswith("fuzz.yaml") or exc.file is None
        assert "\n" not in str(exc)


MOBILENET = yaml.safe_load((ROOT / "workloads" / "mobilenet.yaml").read_text())
PI3 = yaml.safe_load((ROOT / "hw_configs" / "pi3.yaml").read_text())
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(documents)
def test_random_documents_never_crash_the_workload_loader(doc):
    _accepts_or_refuses(parse_workload, doc)


@FUZZ
@given(mutated(MOBILENET))
def test_mutated_workloads_never_crash_the_loader(doc):
    _accepts_or_refuses(parse_workload, doc)


@FUZZ
@given(documents)
def test_random_documents_never_crash_the_hardware_loader(doc):
    _accepts_or_refuses(parse_hardware, doc)


@FUZZ
@given(mutated(PI3))
def test_mutated_hardware_never_crashes_the_loader(doc):
    _accepts_or_refuses(parse_hardware, doc)
