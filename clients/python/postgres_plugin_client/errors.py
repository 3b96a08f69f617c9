"""Errors of the client: a failed request carries the worker's ``data.code``
(``POSTGRES_…``), ``details`` and ``retryable``; conditions of the host side
(the worker died, a request timed out here) use the same class and codes as the
TypeScript host library."""

from __future__ import annotations

from typing import Any, Dict, Optional

WORKER_CRASHED = "POSTGRES_WORKER_CRASHED"
QUERY_TIMEOUT = "POSTGRES_QUERY_TIMEOUT"


class PluginError(Exception):
    """A request that failed.

    ``code`` is the stable identifier to branch on (``POSTGRES_QUERY_FAILED``,
    ``POSTGRES_INVALID_PARAMS``, …), ``rpc_code`` the JSON-RPC error code,
    ``details`` the worker's details (``sqlState``, ``issues``, …), and
    ``retryable`` whether repeating the same request as-is is safe.
    """

    def __init__(
        self,
        code: str,
        message: str,
        details: Optional[Dict[str, Any]] = None,
        retryable: bool = False,
        rpc_code: Optional[int] = None,
        timestamp: Optional[str] = None,
    ) -> None:
        super().__init__("%s: %s" % (code, message))
        self.code = code
        self.message = message
        self.details = details or {}
        self.retryable = retryable
        self.rpc_code = rpc_code
        self.timestamp = timestamp

    @classmethod
    def from_response(cls, error: Dict[str, Any]) -> "PluginError":
        """The error of a JSON-RPC error response (`data` as the worker sends it, or none)."""
        data = error.get("data") if isinstance(error.get("data"), dict) else {}
        return cls(
            code=str(data.get("code") or "JSONRPC_%s" % error.get("code")),
            message=str(data.get("message") or error.get("message") or "request failed"),
            details=data.get("details") if isinstance(data.get("details"), dict) else {},
            retryable=bool(data.get("retryable", False)),
            rpc_code=error.get("code"),
            timestamp=data.get("timestamp"),
        )


class WorkerCrashed(PluginError):
    """The worker died while the request was in flight; its outcome is unknown, so it is never replayed."""

    def __init__(self, message: str, details: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(WORKER_CRASHED, message, details, retryable=False)
