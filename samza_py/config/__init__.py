"""Loading job configuration (properties, YAML), typed views with Samza's keys and defaults, validation."""

from samza_py.config.cluster_manager_config import ClusterManagerConfig
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException, ConfigFileError, ConfigValidationError
from samza_py.config.job_config import JobConfig
from samza_py.config.loader import load_config, load_properties, load_yaml
from samza_py.config.metrics_config import MetricsConfig
from samza_py.config.serializer_config import PREDEFINED_SERDES, SerializerConfig
from samza_py.config.storage_config import StorageConfig
from samza_py.config.stream_config import StreamConfig
from samza_py.config.system_config import SystemConfig
from samza_py.config.task_config import TaskConfig, parse_broadcast_inputs
from samza_py.config.validation import validate, validate_or_raise

__all__ = [
    "PREDEFINED_SERDES",
    "ClusterManagerConfig",
    "Config",
    "ConfigException",
    "ConfigFileError",
    "ConfigValidationError",
    "JobConfig",
    "MetricsConfig",
    "SerializerConfig",
    "StorageConfig",
    "StreamConfig",
    "SystemConfig",
    "TaskConfig",
    "load_config",
    "load_properties",
    "load_yaml",
    "parse_broadcast_inputs",
    "validate",
    "validate_or_raise",
]
