"""The documentation's basic query and transaction examples, from Python.
Connects with PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE; the worker is
POSTGRES_PLUGIN_WORKER (e.g. "node dist/worker/main.js") or postgres-plugin-worker."""
import asyncio, os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from postgres_plugin_client import PluginClient, PluginError

config = {"host": os.environ.get("PGHOST", "localhost"), "port": int(os.environ.get("PGPORT", "5432")),
          "user": os.environ.get("PGUSER", "postgres"), "password": os.environ.get("PGPASSWORD", ""),
          "database": os.environ.get("PGDATABASE", "postgres")}
TRANSFER = [
    {"sql": "UPDATE accounts SET balance = balance - $1 WHERE id = $2", "params": [100, 1]},
    {"sql": "UPDATE accounts SET balance = balance + $1 WHERE id = $2", "params": [100, 2]},
    {"sql": "INSERT INTO transfers (from_id, to_id, amount) VALUES ($1, $2, $3) RETURNING id", "params": [1, 2, 100]},
]

async def main() -> None:
    async with PluginClient(request_timeout=10) as plugins:
        run = lambda op, params: plugins.execute("user-123:production-db", config, op, params)
        await run("execute", {"sql": "CREATE TABLE IF NOT EXISTS users (id int PRIMARY KEY, name text); INSERT INTO users VALUES (123, 'Ada') ON CONFLICT DO NOTHING; CREATE TABLE IF NOT EXISTS accounts (id int PRIMARY KEY, balance int); INSERT INTO accounts VALUES (1, 500), (2, 0) ON CONFLICT DO NOTHING; CREATE TABLE IF NOT EXISTS transfers (id serial PRIMARY KEY, from_id int, to_id int, amount int)", "multiStatement": True})
        res = await run("query", {"sql": "SELECT * FROM users WHERE id = $1", "params": [123], "timeout": 5000})
        print("basic query:", res["rows"])
        done = await run("transaction", {"operations": TRANSFER, "isolationLevel": "SERIALIZABLE"})
        print("transaction:", [r["rowCount"] for r in done["results"]], "transfer id", done["results"][2]["rows"][0]["id"])
        try:
            await run("query", {"sql": "SELECT * FROM no_such_table"})
        except PluginError as error:
            print("error:", error.code, error.details.get("sqlState"), "retryable" if error.retryable else "not retryable")

asyncio.run(main())
