"""The Python host against the real worker and a real PostgreSQL:
`python3 -m unittest` from clients/python (the worker must be built)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import unittest
from pathlib import Path

from postgres_plugin_client import NDJSON, PluginClient, PluginError, WorkerCrashed
from postgres_plugin_client.framing import CONTENT_LENGTH

from .support import Server, worker_command

server: Server


def setUpModule() -> None:
    global server
    server = Server()


def tearDownModule() -> None:
    server.stop()


class ClientTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.client = PluginClient(worker_command(), request_timeout=20)
        self.config = server.config()

    async def asyncTearDown(self) -> None:
        await self.client.close()

    async def run_op(self, operation, params=None, **kwargs):
        return await self.client.execute("py:main", self.config, operation, params, **kwargs)

    async def sleeping(self, sql: str) -> int:
        """Sessions running `sql` right now, seen from another instance."""
        return await self.client.execute("py:watch", self.config, "queryValue", {"sql": "SELECT count(*)::int FROM pg_stat_activity WHERE state = 'active' AND query = $1", "params": [sql]})

    async def wait_for(self, check, seconds=10.0):
        for _ in range(int(seconds / 0.05)):
            if await check():
                return True
            await asyncio.sleep(0.05)
        return False

    async def test_queries_in_both_framings(self):
        for framing in (CONTENT_LENGTH, NDJSON):
            async with PluginClient(worker_command(), framing=framing) as client:
                result = await client.execute("py:framing", self.config, "query", {"sql": "SELECT $1::int + 1 AS n, 'é' AS s", "params": [41]})
                self.assertEqual(result["rows"], [{"n": 42, "s": "é"}])
                self.assertEqual(client.server_info["name"], "postgres-plugin")
                self.assertEqual(await client.execute("py:framing", self.config, "queryValue", {"sql": "SELECT 9007199254740993::int8"}), "9007199254740993")

    async def test_concurrent_requests_get_their_own_answers(self):
        answers = await asyncio.gather(*(self.run_op("queryValue", {"sql": "SELECT $1::int * 2", "params": [i]}) for i in range(300)))
        self.assertEqual(answers, [i * 2 for i in range(300)])

    async def test_errors_carry_code_details_and_retryable(self):
        with self.assertRaises(PluginError) as caught:
            await self.run_op("query", {"sql": "SELECT * FROM no_such_table"})
        self.assertEqual((caught.exception.code, caught.exception.details["sqlState"], caught.exception.retryable), ("POSTGRES_QUERY_FAILED", "42P01", False))
        with self.assertRaises(PluginError) as caught:
            await self.run_op("query", {"sql": 42})
        self.assertEqual((caught.exception.code, caught.exception.rpc_code), ("POSTGRES_INVALID_PARAMS", -32602))
        self.assertEqual(caught.exception.details["issues"][0]["path"], "params.sql")

    async def test_transaction_handle_commits_and_rolls_back(self):
        await self.run_op("execute", {"sql": "CREATE TABLE IF NOT EXISTS py_ledger (id int PRIMARY KEY, note text)"})
        await self.run_op("execute", {"sql": "TRUNCATE py_ledger"})
        kept = (await self.run_op("beginTransaction", {"isolationLevel": "REPEATABLE_READ"}))["transactionId"]
        await self.run_op("insert", {"table": "py_ledger", "data": {"id": 1, "note": "kept"}, "transactionId": kept})
        self.assertEqual(await self.run_op("count", {"table": "py_ledger"}), 0)
        await self.run_op("commit", {"transactionId": kept})
        dropped = (await self.run_op("beginTransaction"))["transactionId"]
        await self.run_op("insert", {"table": "py_ledger", "data": {"id": 2, "note": "dropped"}, "transactionId": dropped})
        await self.run_op("rollback", {"transactionId": dropped})
        self.assertEqual(await self.run_op("find", {"table": "py_ledger"}), [{"id": 1, "note": "kept"}])
        with self.assertRaises(PluginError) as caught:
            await self.run_op("commit", {"transactionId": dropped})
        self.assertEqual(caught.exception.code, "POSTGRES_TRANSACTION_NOT_FOUND")

    async def test_batch_insert_reports_progress(self):
        await self.run_op("execute", {"sql": "CREATE TABLE IF NOT EXISTS py_batch (id int PRIMARY KEY, label text)"})
        await self.run_op("execute", {"sql": "TRUNCATE py_batch"})
        reports = []
        records = [{"id": i, "label": "row %d" % i} for i in range(20_000)]
        result = await self.run_op("batchInsert", {"table": "py_batch", "records": records}, on_progress=lambda done, total: reports.append((done, total)))
        self.assertEqual(result, {"inserted": 20_000, "updated": 0, "skipped": 0})
        self.assertGreater(len(reports), 1)
        self.assertEqual(reports[-1], (20_000, 20_000))
        self.assertEqual([done for done, _ in reports], sorted(done for done, _ in reports))

    async def test_cancelling_the_task_stops_pg_sleep_on_the_server(self):
        sql = "SELECT pg_sleep(30.1)"
        task = asyncio.ensure_future(self.run_op("query", {"sql": sql}))
        self.assertTrue(await self.wait_for(lambda: self._count_is(sql, 1)))
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task
        self.assertTrue(await self.wait_for(lambda: self._count_is(sql, 0), 5))
        self.assertEqual(await self.run_op("queryValue", {"sql": "SELECT 1"}), 1)

    async def test_a_request_timeout_cancels_and_raises(self):
        with self.assertRaises(PluginError) as caught:
            await self.run_op("query", {"sql": "SELECT pg_sleep(30.2)"}, timeout=0.5)
        self.assertEqual((caught.exception.code, caught.exception.retryable), ("POSTGRES_QUERY_TIMEOUT", False))
        self.assertTrue(await self.wait_for(lambda: self._count_is("SELECT pg_sleep(30.2)", 0), 5))

    async def test_a_killed_worker_fails_its_requests_and_is_restarted_on_the_next_call(self):
        self.assertEqual(await self.run_op("queryValue", {"sql": "SELECT 1"}), 1)
        first = self.client.pid
        sql = "SELECT pg_sleep(30.3)"
        in_flight = asyncio.ensure_future(self.run_op("query", {"sql": sql}))
        self.assertTrue(await self.wait_for(lambda: self._count_is(sql, 1)))
        os.kill(first, signal.SIGKILL)
        with self.assertRaises(WorkerCrashed) as caught:
            await in_flight
        self.assertEqual((caught.exception.code, caught.exception.retryable), ("POSTGRES_WORKER_CRASHED", False))
        # The next call starts a new worker and sends the instance's config again.
        self.assertEqual(await self.run_op("queryValue", {"sql": "SELECT 2"}), 2)
        self.assertNotEqual(self.client.pid, first)
        self.assertEqual(self.client.restarts, 1)
        # The killed worker's session sleeps on until it next writes: end it.
        await self.run_op("query", {"sql": "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1", "params": [sql]})

    async def _count_is(self, sql: str, n: int) -> bool:
        return await self.sleeping(sql) == n


class ExampleTest(unittest.TestCase):
    def test_the_example_runs_the_documented_query_and_transaction(self):
        example = Path(__file__).resolve().parents[1] / "examples" / "basic_query_and_transaction.py"
        out = subprocess.run([sys.executable, str(example)], env=server.env(), capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("basic query: [{'id': 123, 'name': 'Ada'}]", out.stdout)
        self.assertRegex(out.stdout, r"transaction: \[1, 1, 1\] transfer id \d+")
        self.assertIn("error: POSTGRES_QUERY_FAILED 42P01 not retryable", out.stdout)
