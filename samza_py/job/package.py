"""Build a job package for ``yarn.package.path``: a venv-pack'ed environment with samza-py and the job's code.

The archive unpacks (YARN localizes it as ``__package``) into a virtual environment whose ``bin/python``
the AM and containers run, so nodes need no samza-py of their own, only the same Python at the same path
(a venv links its interpreter; venv-pack records where). The job's directory is copied to
``samza-job/`` inside and put on the path by a ``.pth`` file relative to site-packages, so its modules
(``task.class``) import wherever the archive lands; a ``requirements.txt`` in it is installed as well.

The destination is a path or URL: a local path or ``file://`` URL is written directly; any other scheme
(``hdfs://``, ``viewfs://``, …) is uploaded with Hadoop's ``FsShell`` (``hadoop fs -put``) under the grid's
Hadoop configuration, so every file system Hadoop knows works alike.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent.parent  # the samza-py checkout (pyproject.toml)
JOB_DIR_IN_PACKAGE = "samza-job"
PTH_FILE = "samza-job.pth"
FORMATS = (".tar.gz", ".tgz", ".zip")
PIP_TIMEOUT_S = 1800
HADOOP_FS_TIMEOUT_S = 300


class PackageError(Exception):
    pass


def local_destination(dest: str) -> Path | None:
    """The local path ``dest`` names (a plain path or ``file://`` URL), or None for another file system."""
    url = urlparse(dest)
    if url.scheme == "":
        return Path(dest).absolute()
    if url.scheme == "file":
        return Path(url.path)
    return None


def build_environment(job_dir: Path, env_dir: Path, python: str, source: Path = ROOT) -> None:
    """A fresh virtual environment with samza-py (not editable: venv-pack refuses those) and the job."""
    run([python, "-m", "venv", str(env_dir)], "create the environment")
    pip = [str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    run([*pip, str(source)], f"install samza-py from {source}")
    requirements = job_dir / "requirements.txt"
    if requirements.is_file():
        run([*pip, "-r", str(requirements)], f"install {requirements}")
    shutil.copytree(job_dir, env_dir / JOB_DIR_IN_PACKAGE,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".venv", ".git"))
    site_packages = Path(subprocess.run(
        [str(env_dir / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True, timeout=60).stdout.strip())
    # .pth lines are relative to site-packages: the job's code is found wherever the archive is unpacked.
    (site_packages / PTH_FILE).write_text(os.path.relpath(env_dir / JOB_DIR_IN_PACKAGE, site_packages) + "\n")


def pack(env_dir: Path, archive: Path) -> None:
    import venv_pack

    venv_pack.pack(prefix=str(env_dir), output=str(archive), force=True)


def hadoop_fs(*args: str) -> None:
    """``hadoop fs <args>``: the hadoop command when installed, else Hadoop's FsShell on ``yarn classpath``."""
    if shutil.which("hadoop"):
        command = ["hadoop", "fs", *args]
    else:
        if not shutil.which("yarn"):
            raise PackageError("neither `hadoop` nor `yarn` is on PATH: cannot reach a Hadoop file system")
        classpath = subprocess.run(["yarn", "classpath"], check=True, capture_output=True, text=True,
                                   timeout=60).stdout.strip()
        java = str(Path(os.environ["JAVA_HOME"]) / "bin" / "java") if os.environ.get("JAVA_HOME") else "java"
        command = [java, "-cp", classpath, "org.apache.hadoop.fs.FsShell", *args]
    run(command, f"run hadoop fs {' '.join(args)}", timeout_s=HADOOP_FS_TIMEOUT_S)


def publish(archive: Path, dest: str) -> None:
    local = local_destination(dest)
    if local is not None:
        local.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(archive, local)
        return
    parent = dest.rstrip("/").rsplit("/", 1)[0]
    hadoop_fs("-mkdir", "-p", parent)
    hadoop_fs("-put", "-f", str(archive), dest)


def build_package(job_dir: Path, dest: str, python: str = sys.executable) -> None:
    if not job_dir.is_dir():
        raise PackageError(f"job directory {job_dir} does not exist")
    if not dest.endswith(FORMATS):
        raise PackageError(f"package {dest!r} must end in one of {', '.join(FORMATS)} (YARN unpacks it by its name)")
    with tempfile.TemporaryDirectory(prefix="samza-package-") as tmp:
        env_dir = Path(tmp) / "env"
        archive = Path(tmp) / ("package" + next(f for f in FORMATS if dest.endswith(f)))
        build_environment(job_dir, env_dir, python)
        pack(env_dir, archive)
        publish(archive, dest)
        log.info("packaged %s (%.1f MB) as %s", job_dir, archive.stat().st_size / 1e6, dest)


def run(command: list[str], what: str, timeout_s: float = PIP_TIMEOUT_S) -> None:
    try:
        subprocess.run(command, check=True, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.CalledProcessError as exc:
        raise PackageError(f"cannot {what}: exit status {exc.returncode}\n{exc.stderr[-3000:]}") from exc
    except subprocess.TimeoutExpired as exc:
        raise PackageError(f"cannot {what}: no answer within {timeout_s:.0f} s") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="package", description=__doc__.split("\n\n")[0])
    parser.add_argument("job_dir", type=Path, help="the job's code (and an optional requirements.txt)")
    parser.add_argument("dest", help="where the archive goes: a path, file://, hdfs://, viewfs://… ending .tar.gz")
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter the environment is made from (the same must exist on every node)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    try:
        build_package(args.job_dir, args.dest, args.python)
    except PackageError as exc:
        print(f"package: {exc}", file=sys.stderr)
        return 1
    print(f"packaged {args.job_dir} as {args.dest}; set yarn.package.path={args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
