"""How a name finds its file: the working directory's copy, then the shipped one (checkout or
wheel), a shadowing local file announced; paths as given."""

import warnings

import pytest

from sim import paths
from sim.cli import main
from sim.errors import ConfigError
from tests.conftest import ROOT

PI3 = (ROOT / "hw_configs" / "pi3.yaml").read_text()


def _local_pi3(tmp_path, monkeypatch, text: str):
    (tmp_path / "hw_configs").mkdir()
    (tmp_path / "hw_configs" / "pi3.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)


def test_a_name_finds_the_shipped_file_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    found = paths.resolve("pi3", "hw_configs", "hardware", ConfigError)
    assert found == ROOT / "hw_configs" / "pi3.yaml"
    assert paths.resolve("shufflenet_v1_0.5x_g3", "workloads", "workload", ConfigError).is_file()


def test_the_working_directory_wins_and_a_different_copy_is_announced(tmp_path, monkeypatch):
    _local_pi3(tmp_path, monkeypatch, PI3.replace("clock: 1.2GHz", "clock: 1.4GHz"))
    with pytest.warns(paths.ShadowWarning, match="hardware 'pi3' is hw_configs/pi3.yaml"):
        found = paths.resolve("pi3", "hw_configs", "hardware", ConfigError)
    assert found == tmp_path / "hw_configs" / "pi3.yaml"
    assert paths.shipped("hw_configs")["pi3"] == found


def test_an_identical_local_copy_is_used_silently(tmp_path, monkeypatch):
    _local_pi3(tmp_path, monkeypatch, PI3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert paths.resolve("pi3", "hw_configs", "hardware", ConfigError).parent == (
            tmp_path / "hw_configs"
        )


def test_the_cli_says_which_file_shadows_once_on_stderr(tmp_path, monkeypatch, capsys):
    _local_pi3(tmp_path, monkeypatch, PI3.replace("clock: 1.2GHz", "clock: 1.4GHz"))
    assert main(["roofline", "--hw", "pi3", "pi3", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "note: hardware 'pi3' is hw_configs/pi3.yaml of the working directory, "
        f"not the shipped {ROOT / 'hw_configs' / 'pi3.yaml'}"
    ]


def test_a_wheel_finds_its_files_under_the_package(tmp_path, monkeypatch):
    shipped = tmp_path / "sim" / paths.SHIPPED_PACKAGE / "workloads"
    shipped.mkdir(parents=True)
    (shipped / "tiny.yaml").write_text("name: tiny\n")
    monkeypatch.setattr(paths, "PROJECT_ROOT", tmp_path / "site-packages")
    monkeypatch.setattr(paths, "PACKAGE_DIR", tmp_path / "sim")
    monkeypatch.chdir(tmp_path)
    assert paths.shipped("workloads") == {"tiny": shipped / "tiny.yaml"}
    assert paths.shipped("hw_configs") == {}
    with pytest.raises(ConfigError, match=r"unknown hardware 'pi3' \(known: none found\)"):
        paths.resolve("pi3", "hw_configs", "hardware", ConfigError)


@pytest.mark.parametrize("spec", ["pi3.yaml", "./pi3", "configs/pi3.yaml"])
def test_a_path_is_read_as_given_never_as_a_name(tmp_path, monkeypatch, spec):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="no such hardware file"):
        paths.resolve(spec, "hw_configs", "hardware", ConfigError)
