"""A Python host for the postgres-plugin worker (standard library only, Python 3.9+)."""

from .client import PROTOCOL_VERSION, PluginClient, default_command
from .errors import QUERY_TIMEOUT, WORKER_CRASHED, PluginError, WorkerCrashed
from .framing import CONTENT_LENGTH, NDJSON

__all__ = [
    "CONTENT_LENGTH",
    "NDJSON",
    "PROTOCOL_VERSION",
    "QUERY_TIMEOUT",
    "WORKER_CRASHED",
    "PluginClient",
    "PluginError",
    "WorkerCrashed",
    "default_command",
]
