"""Where standalone coordination data lives in ZooKeeper (Samza's layout, under the connect string's chroot).

    /app-<app.name>-<app.id>/<job.name>-<job.id>-2.0-coordinationData/
        processors/<seq>                                   ephemeral sequential, "<host> <processor id>"
        jobModelGeneration/jobModelVersion                 latest published version
        jobModelGeneration/activeJobModelVersion           version every processor runs
        jobModelGeneration/jobModels/<version>/<segment>   JobModel JSON + CRC32, in segments
        jobModelGeneration/jobModelUpgradeBarrier/versionBarriers/barrier_<version>/
            barrier_state                                  NEW | DONE | TIMED_OUT
            barrier_participants/<processor id>
"""

from __future__ import annotations

from dataclasses import dataclass

from samza_py.config.config import Config
from samza_py.config.job_config import JobConfig
from samza_py.config.zk_config import ZkConfig

COORDINATION_DATA_VERSION = "2.0"


@dataclass(frozen=True)
class ZkPaths:
    root: str

    @classmethod
    def of(cls, app_name: str, app_id: str, job_name: str, job_id: str) -> ZkPaths:
        return cls(f"/app-{app_name}-{app_id}/{job_name}-{job_id}-{COORDINATION_DATA_VERSION}-coordinationData")

    @classmethod
    def from_config(cls, config: Config) -> ZkPaths:
        zk, job = ZkConfig(config), JobConfig(config)
        return cls.of(zk.app_name, zk.app_id, job.name, job.id)

    @property
    def processors(self) -> str:
        return f"{self.root}/processors"

    @property
    def processor_prefix(self) -> str:
        """What a processor's sequential znode is created as; ZooKeeper appends the 10-digit sequence."""
        return f"{self.processors}/"

    @property
    def job_model_generation(self) -> str:
        return f"{self.root}/jobModelGeneration"

    @property
    def job_model_version(self) -> str:
        return f"{self.job_model_generation}/jobModelVersion"

    @property
    def active_job_model_version(self) -> str:
        return f"{self.job_model_generation}/activeJobModelVersion"

    @property
    def job_models(self) -> str:
        return f"{self.job_model_generation}/jobModels"

    def job_model(self, version: int) -> str:
        return f"{self.job_models}/{version}"

    @property
    def barriers(self) -> str:
        return f"{self.job_model_generation}/jobModelUpgradeBarrier/versionBarriers"

    def barrier(self, version: int) -> str:
        return f"{self.barriers}/barrier_{version}"

    def barrier_state(self, version: int) -> str:
        return f"{self.barrier(version)}/barrier_state"

    def barrier_participants(self, version: int) -> str:
        return f"{self.barrier(version)}/barrier_participants"


def sequence_of(znode_name: str) -> int:
    """The sequence number ZooKeeper appended to a sequential znode's name (its last 10 digits)."""
    return int(znode_name[-10:])


def processor_data(host: str, processor_id: str) -> bytes:
    return f"{host} {processor_id}".encode()


def parse_processor_data(data: bytes) -> tuple[str, str]:
    """(host, processor id) from a processor znode's data; the id is the last space-separated word."""
    text = data.decode("utf-8", "replace").strip()
    host, _, processor_id = text.rpartition(" ")
    return host, processor_id
