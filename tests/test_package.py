"""bin/package's parts that need no network or grid: destinations, the upload command, the launch script."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from samza_py.config.config import Config
from samza_py.job.package import PackageError, build_package, local_destination, publish
from samza_py.job.yarn import launch_script


def test_local_paths_and_file_urls_are_local_any_other_scheme_is_not() -> None:
    assert local_destination("file:///apps/job.tar.gz") == Path("/apps/job.tar.gz")
    assert local_destination("out/job.tar.gz") == Path.cwd() / "out" / "job.tar.gz"
    assert local_destination("hdfs://nn:8020/apps/job.tar.gz") is None
    assert local_destination("hdfs:///apps/job.tar.gz") is None
    assert local_destination("viewfs://grid/user/job.tgz") is None


def test_a_local_destination_is_written_directly(tmp_path: Path) -> None:
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(b"archive")
    publish(archive, f"file://{tmp_path}/deep/er/job.tar.gz")
    assert (tmp_path / "deep" / "er" / "job.tar.gz").read_bytes() == b"archive"


def test_another_file_system_is_reached_through_hadoop_fs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = tmp_path / "calls"
    fake = tmp_path / "bin" / "hadoop"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(b"archive")
    publish(archive, "hdfs:///apps/wiki/job.tar.gz")
    assert calls.read_text().splitlines() == [
        "fs -mkdir -p hdfs:///apps/wiki",
        f"fs -put -f {archive} hdfs:///apps/wiki/job.tar.gz",
    ]


def test_a_failing_upload_names_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "hadoop"
    fake.write_text("#!/bin/sh\necho 'put: Permission denied' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    expected = "(?s)cannot run hadoop fs -mkdir -p hdfs:///apps: exit status 1.*Permission denied"
    with pytest.raises(PackageError, match=expected):
        publish(tmp_path / "missing.tar.gz", "hdfs:///apps/job.tar.gz")


def test_bad_arguments_are_refused_before_anything_is_built(tmp_path: Path) -> None:
    with pytest.raises(PackageError, match="does not exist"):
        build_package(tmp_path / "nope", str(tmp_path / "job.tar.gz"))
    with pytest.raises(PackageError, match="must end in one of"):
        build_package(tmp_path, str(tmp_path / "job.tar"))


def fake_python(path: Path, says: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\necho "{says} $* PYTHONPATH=${{PYTHONPATH:-}}"\n')
    path.chmod(0o755)


def test_the_launch_script_runs_a_packaged_environments_own_python(tmp_path: Path) -> None:
    config = Config({"yarn.package.path": "hdfs:///apps/job.tar.gz", "samza-py.python": str(tmp_path / "sys-py")})
    fake_python(tmp_path / "sys-py", "system")
    venv_package = tmp_path / "venv"
    fake_python(venv_package / "__package" / "bin" / "python", "packaged")
    out = subprocess.run(["bash", "-c", launch_script(config, "samza_py.appmaster")], cwd=venv_package,
                         capture_output=True, text=True, env={"PATH": os.environ["PATH"]}, check=True).stdout
    assert out == "packaged -m samza_py.appmaster PYTHONPATH=\n"
    # A tarball of code (no bin/python): samza-py.python runs it from PYTHONPATH.
    code_package = tmp_path / "code"
    (code_package / "__package").mkdir(parents=True)
    out = subprocess.run(["bash", "-c", launch_script(config, "samza_py.appmaster")], cwd=code_package,
                         capture_output=True, text=True, env={"PATH": os.environ["PATH"]}, check=True).stdout
    assert out == f"system -m samza_py.appmaster PYTHONPATH={code_package}/__package\n"
