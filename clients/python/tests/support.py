"""A throwaway PostgreSQL for the tests, started the way the demo does
(scripts/support/embedded-postgres-server.mjs, the repo's embedded-postgres
helper, as a CLI), and the command of the repo's built worker."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Dict, List

REPO = Path(__file__).resolve().parents[3]
WORKER = REPO / "dist" / "worker" / "main.js"
SERVER_SCRIPT = REPO / "scripts" / "support" / "embedded-postgres-server.mjs"


def worker_command() -> List[str]:
    if not WORKER.exists():
        raise RuntimeError("%s is missing: run `npm run build` in %s first" % (WORKER, REPO))
    return ["node", str(WORKER)]


class Server:
    """The embedded server's CLI: one JSON line of facts, stopped when its stdin closes."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(["node", str(SERVER_SCRIPT)], cwd=str(REPO), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the embedded PostgreSQL did not start (exit %s)" % self._process.wait())
        self.facts: Dict[str, Any] = json.loads(line)

    def config(self, **extra: Any) -> Dict[str, Any]:
        facts = self.facts
        return dict({"host": facts["host"], "port": facts["port"], "user": facts["user"], "password": facts["password"], "database": facts["database"]}, **extra)

    def env(self) -> Dict[str, str]:
        """PG* variables for the example script, and the worker command."""
        facts = self.facts
        return dict(os.environ, PGHOST=facts["host"], PGPORT=str(facts["port"]), PGUSER=facts["user"], PGPASSWORD=facts["password"],
                    PGDATABASE=facts["database"], POSTGRES_PLUGIN_WORKER=" ".join(worker_command()))

    def stop(self) -> None:
        self._process.stdin.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.terminate()
            self._process.wait()
