"""JobModel JSON in Samza's shape."""

from __future__ import annotations

import json

import pytest

from samza_py.api.streams import SystemStreamPartition
from samza_py.job.model import (
    ContainerModel,
    JobModel,
    JobModelFormatError,
    TaskModel,
    build_task_models,
)

SSP = SystemStreamPartition.of


def _model() -> JobModel:
    t0 = TaskModel("Partition 0", frozenset({SSP("kafka", "b", 0), SSP("kafka", "a", 0)}), 0)
    t1 = TaskModel("Partition 1", frozenset({SSP("kafka", "a", 1)}), 1)
    return JobModel(
        {"job.name": "wikipedia-stats", "job.id": "1"},
        {"0": ContainerModel("0", {"Partition 0": t0}), "1": ContainerModel("1", {"Partition 1": t1})},
    )


def test_json_shape_is_samzas() -> None:
    assert json.loads(_model().to_json()) == {
        "config": {"job.id": "1", "job.name": "wikipedia-stats"},
        "containers": {
            "0": {
                "processor-id": "0",
                "tasks": {
                    "Partition 0": {
                        "task-name": "Partition 0",
                        "system-stream-partitions": [
                            {"system": "kafka", "stream": "a", "partition": 0},
                            {"system": "kafka", "stream": "b", "partition": 0},
                        ],
                        "changelog-partition": 0,
                    }
                },
            },
            "1": {
                "processor-id": "1",
                "tasks": {
                    "Partition 1": {
                        "task-name": "Partition 1",
                        "system-stream-partitions": [{"system": "kafka", "stream": "a", "partition": 1}],
                        "changelog-partition": 1,
                    }
                },
            },
        },
    }


def test_json_is_compact_and_deterministic() -> None:
    text = _model().to_json()
    assert text.startswith('{"config":{"job.id":"1","job.name":"wikipedia-stats"},"containers":{"0":{"processor-id"')
    assert text == _model().to_json()


def test_round_trip() -> None:
    model = _model()
    again = JobModel.from_json(model.to_json())
    assert again == model
    assert again.to_json() == model.to_json()


def test_containers_written_in_numeric_order() -> None:
    containers = {str(i): ContainerModel(str(i), {}) for i in (10, 2, 0)}
    assert list(json.loads(JobModel({}, containers).to_json())["containers"]) == ["0", "2", "10"]


def test_reads_samza_1x_json_with_unknown_fields() -> None:
    text = json.dumps(
        {
            "config": {"job.name": "x", "task.window.ms": 1000, "flag": True},
            "max-change-log-stream-partitions": 1,
            "containers": {
                "0": {
                    "processor-id": "0",
                    "host": "h",
                    "tasks": {
                        "Partition 0": {
                            "task-name": "Partition 0",
                            "task-mode": "Active",
                            "system-stream-partitions": [
                                {"system": "kafka", "stream": "x", "partition": 0, "keyBucket": -1}
                            ],
                            "changelog-partition": 0,
                        }
                    },
                }
            },
        }
    )
    model = JobModel.from_json(text)
    assert model.config == {"job.name": "x", "task.window.ms": "1000", "flag": "true"}
    task = model.containers["0"].tasks["Partition 0"]
    assert task == TaskModel("Partition 0", frozenset({SSP("kafka", "x", 0)}), 0)


def test_reads_pre_0_13_container_id() -> None:
    text = (
        '{"config":{},"containers":{"0":{"container-id":0,"tasks":{"Partition 0":{"task-name":"Partition 0",'
        '"system-stream-partitions":[{"system":"kafka","stream":"x","partition":0}],"changelog-partition":0}}}}}'
    )
    assert JobModel.from_json(text).containers["0"].processor_id == "0"


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"containers":{"0":{"tasks":{}}}}',
        '{"containers":{"0":{"processor-id":"0","tasks":{"t":{"task-name":"t","changelog-partition":0}}}}}',
        '{"containers":{"0":{"processor-id":"0","tasks":{"t":{"task-name":"t","changelog-partition":"x",'
        '"system-stream-partitions":[]}}}}}',
    ],
)
def test_bad_json_is_rejected(text: str) -> None:
    with pytest.raises(JobModelFormatError):
        JobModel.from_json(text)


def test_task_models_and_builder() -> None:
    groups = {"Partition 1": {SSP("kafka", "a", 1)}, "Partition 0": {SSP("kafka", "a", 0)}}
    tasks = build_task_models(groups, {"Partition 0": 0, "Partition 1": 1})
    assert list(tasks) == ["Partition 0", "Partition 1"]
    assert tasks["Partition 1"].changelog_partition == 1
    assert set(_model().task_models()) == {"Partition 0", "Partition 1"}
