"""An asyncio host for the postgres-plugin worker: spawns it, speaks JSON-RPC
2.0 over its stdio in either framing, matches answers to ids so any number of
requests can be in flight, and restarts a worker that died on the next call.

    async with PluginClient(["node", "dist/worker/main.js"]) as client:
        result = await client.execute("app:main", config, "query", {"sql": "SELECT 1 AS one"})
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import os
import shutil
from typing import Any, Callable, Deque, Dict, Optional, Sequence

from . import framing as framings
from .errors import QUERY_TIMEOUT, PluginError, WorkerCrashed

PROTOCOL_VERSION = 1

ProgressCallback = Callable[[int, int], None]
NotificationCallback = Callable[[str, Any], None]


def default_command() -> Sequence[str]:
    """The worker command: ``$POSTGRES_PLUGIN_WORKER`` (split on spaces), else ``postgres-plugin-worker`` on PATH."""
    configured = os.environ.get("POSTGRES_PLUGIN_WORKER")
    if configured:
        return configured.split()
    found = shutil.which("postgres-plugin-worker")
    if found:
        return [found]
    raise FileNotFoundError("no worker command: pass one, set POSTGRES_PLUGIN_WORKER, or put postgres-plugin-worker on PATH")


class _Worker:
    """One worker process and what is in flight on it."""

    def __init__(self, process: asyncio.subprocess.Process, framing: str, on_notification: Optional[NotificationCallback]) -> None:
        self.process = process
        self.framing = framing
        self.pending: Dict[int, "asyncio.Future[Any]"] = {}
        self.progress: Dict[str, ProgressCallback] = {}
        self.configs: Dict[str, str] = {}
        self.stderr_tail: Deque[str] = collections.deque(maxlen=20)
        self.dead = False
        self._on_notification = on_notification
        self._write_lock = asyncio.Lock()
        self._tasks = [asyncio.ensure_future(self._read()), asyncio.ensure_future(self._read_stderr())]

    async def send(self, message: Dict[str, Any]) -> None:
        if self.dead:
            raise WorkerCrashed("the worker is not running")
        frame = framings.encode(message, self.framing)
        try:
            async with self._write_lock:
                self.process.stdin.write(frame)
                await self.process.stdin.drain()
        except (BrokenPipeError, ConnectionResetError) as error:
            raise WorkerCrashed("the worker's stdin is closed: %s" % error) from None

    def send_nowait(self, message: Dict[str, Any]) -> None:
        """Best effort, without waiting (from a cancelled task): a cancel notification."""
        if self.dead or self.process.stdin.is_closing():
            return
        self.process.stdin.write(framings.encode(message, self.framing))

    async def _read(self) -> None:
        decoder = framings.Decoder(self.framing)
        try:
            while True:
                data = await self.process.stdout.read(65536)
                if not data:
                    break
                for message in decoder.feed(data):
                    self._dispatch(message)
        except framings.FrameError as error:
            self.stderr_tail.append("client: %s" % error)
            self.process.kill()
        code = await self.process.wait()
        self.dead = True
        crash = WorkerCrashed("the worker exited (code %s) with the request in flight" % code, {"exitCode": code})
        for future in self.pending.values():
            if not future.done():
                future.set_exception(crash)
        self.pending.clear()

    async def _read_stderr(self) -> None:
        while True:
            line = await self.process.stderr.readline()
            if not line:
                return
            self.stderr_tail.append(line.decode("utf-8", "replace").rstrip())

    def _dispatch(self, message: Any) -> None:
        if not isinstance(message, dict):
            return
        if "id" in message and ("result" in message or "error" in message):
            future = self.pending.get(message["id"])
            if future is None or future.done():
                return
            if "error" in message:
                future.set_exception(PluginError.from_response(message["error"] or {}))
            else:
                future.set_result(message.get("result"))
            return
        method, params = message.get("method"), message.get("params")
        if method == "$/progress" and isinstance(params, dict):
            callback = self.progress.get(str(params.get("token")))
            value = params.get("value") or {}
            if callback is not None:
                callback(value.get("done", 0), value.get("total", 0))
        elif method is not None and self._on_notification is not None:
            self._on_notification(method, params)

    async def stop(self, grace: float) -> None:
        if not self.dead:
            try:
                self.process.stdin.close()
                await asyncio.wait_for(self.process.wait(), grace)
            except (asyncio.TimeoutError, BrokenPipeError, ConnectionResetError):
                pass
            if self.process.returncode is None:
                self.process.kill()
                await self.process.wait()
        for task in self._tasks:
            await asyncio.gather(task, return_exceptions=True)


class PluginClient:
    """A host for one worker process (started on first use, restarted after it dies).

    ``command`` runs the worker (default: see :func:`default_command`);
    ``framing`` is ``"content-length"`` or ``"ndjson"``; ``request_timeout``
    (seconds) bounds every call unless the call gives its own ``timeout``;
    ``on_notification(method, params)`` gets the worker's other notifications
    (``instance/state``, ``transaction/ended``).
    """

    def __init__(
        self,
        command: Optional[Sequence[str]] = None,
        *,
        framing: str = framings.CONTENT_LENGTH,
        request_timeout: Optional[float] = None,
        host_name: str = "python",
        env: Optional[Dict[str, str]] = None,
        on_notification: Optional[NotificationCallback] = None,
        stop_grace: float = 2.0,
    ) -> None:
        if framing not in framings.FRAMINGS:
            raise ValueError("framing must be one of %s, not %r" % (", ".join(framings.FRAMINGS), framing))
        self._command = list(command) if command is not None else list(default_command())
        self._framing = framing
        self._request_timeout = request_timeout
        self._host_name = host_name
        self._env = env
        self._on_notification = on_notification
        self._stop_grace = stop_grace
        self._ids = itertools.count(1)
        self._worker: Optional[_Worker] = None
        self._start_lock = asyncio.Lock()
        self._closed = False
        #: How many times a dead worker was replaced.
        self.restarts = 0
        #: The worker's `initialize` answer (name, version, operations, capabilities).
        self.server_info: Dict[str, Any] = {}

    async def __aenter__(self) -> "PluginClient":
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    @property
    def pid(self) -> Optional[int]:
        """The running worker's process id (None before the first call or after it died)."""
        worker = self._worker
        return None if worker is None or worker.dead else worker.process.pid

    async def start(self) -> None:
        """Starts the worker and initialises it, unless one is running."""
        await self._running()

    async def execute(
        self,
        instance_id: str,
        config: Optional[Dict[str, Any]],
        operation: str,
        params: Optional[Dict[str, Any]] = None,
        *,
        timeout: Optional[float] = None,
        on_progress: Optional[ProgressCallback] = None,
    ) -> Any:
        """Runs `operation` on `instance_id` and returns its result, or raises :class:`PluginError`.

        `config` travels only while the worker has not yet accepted it for this
        instance (a new worker, or a changed config). `on_progress(done, total)`
        receives `$/progress` reports (batchInsert). Cancelling the awaiting task
        sends `$/cancelRequest`, so the statement stops on the server.
        """
        worker = await self._running()
        body: Dict[str, Any] = {"instanceId": instance_id, "operation": operation}
        if params is not None:
            body["params"] = params
        config_text = None if config is None else json.dumps(config, sort_keys=True)
        if config_text is not None and worker.configs.get(instance_id) != config_text:
            body["config"] = config
        result = await self._call(worker, "execute", body, timeout, on_progress)
        if config_text is not None:
            worker.configs[instance_id] = config_text
        return result

    async def request(self, method: str, params: Optional[Dict[str, Any]] = None, *, timeout: Optional[float] = None) -> Any:
        """Any other request of the protocol (`rpc.discover`, `$/heartbeat`, …)."""
        return await self._call(await self._running(), method, params, timeout, None)

    async def close(self) -> None:
        """Shuts the worker down (`shutdown`, `exit`, then it is stopped), rolling back its open transactions."""
        self._closed = True
        worker, self._worker = self._worker, None
        if worker is None:
            return
        if not worker.dead:
            try:
                await self._call(worker, "shutdown", None, self._stop_grace, None)
                await worker.send({"jsonrpc": "2.0", "method": "exit"})
            except (PluginError, asyncio.TimeoutError):
                pass
        await worker.stop(self._stop_grace)

    async def _running(self) -> _Worker:
        if self._closed:
            raise PluginError("POSTGRES_WORKER_UNAVAILABLE", "the client is closed")
        worker = self._worker
        if worker is not None and not worker.dead:
            return worker
        async with self._start_lock:
            if self._worker is not None and not self._worker.dead:
                return self._worker
            if self._worker is not None:
                await self._worker.stop(0)
                self.restarts += 1
            args = self._command + (["--framing", framings.NDJSON] if self._framing == framings.NDJSON else [])
            process = await asyncio.create_subprocess_exec(
                *args,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=self._env,
            )
            worker = _Worker(process, self._framing, self._on_notification)
            self.server_info = await self._call(worker, "initialize", {"protocolVersion": PROTOCOL_VERSION, "hostName": self._host_name}, 10.0, None)
            self._worker = worker
            return worker

    async def _call(
        self,
        worker: _Worker,
        method: str,
        params: Optional[Dict[str, Any]],
        timeout: Optional[float],
        on_progress: Optional[ProgressCallback],
    ) -> Any:
        request_id = next(self._ids)
        message: Dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if on_progress is not None and params is not None:
            params = dict(params, progressToken="p%d" % request_id)
            worker.progress[params["progressToken"]] = on_progress
        if params is not None:
            message["params"] = params
        future: "asyncio.Future[Any]" = asyncio.get_running_loop().create_future()
        worker.pending[request_id] = future
        limit = timeout if timeout is not None else self._request_timeout
        try:
            await worker.send(message)
            if limit is None:
                return await asyncio.shield(future)
            return await asyncio.wait_for(asyncio.shield(future), limit)
        except asyncio.TimeoutError:
            worker.send_nowait({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": request_id}})
            raise PluginError(QUERY_TIMEOUT, "%s got no answer within %s s; it was cancelled" % (method, limit), {"timeoutSeconds": limit}) from None
        except asyncio.CancelledError:
            worker.send_nowait({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": request_id}})
            raise
        finally:
            worker.pending.pop(request_id, None)
            if params is not None and "progressToken" in params:
                worker.progress.pop(params["progressToken"], None)
            if not future.done():
                future.cancel()
