"""The README's tour runs as written: a real ``walletguard serve --demo`` started as the
README says (in a fresh directory, on the embedded SQLite default), the ``export`` lines
it printed pasted into bash, then every ```` ```bash tour ```` block of README.md, in
order, in that one shell. Each answer the README marks with ``→`` must be what came back.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests import conftest

README = Path(__file__).parents[1] / "README.md"
EXE = shutil.which("walletguard") or str(Path(sys.executable).parent / "walletguard")


def fenced_blocks(info: str) -> list[str]:
    """The bodies of README's fenced blocks whose info string is exactly ``info``."""
    pattern = re.compile(rf"^```{re.escape(info)}\n(.*?)^```$", re.MULTILINE | re.DOTALL)
    return pattern.findall(README.read_text())


@dataclass
class DemoServer:
    directory: Path
    printed: list[str]  # what it printed before serving, with the README's port
    port: int  # the port it really listens on


def _ready(base: str) -> bool:
    try:
        return httpx.get(base + "/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    directory = tmp_path_factory.mktemp("newcomer")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLETGUARD_")}
    # Only to keep the test quick: a cheaper password hash than the production default.
    env.update({"WALLETGUARD_PASSWORD_HASH_MEMORY_KIB": "1024", "NO_COLOR": "1",
                "COLUMNS": "80"})
    port = conftest._free_port()
    proc = subprocess.Popen([EXE, "serve", "--demo", "--port", str(port)], cwd=directory,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, start_new_session=True)
    try:
        assert proc.stdout is not None
        printed: list[str] = []
        deadline = time.monotonic() + 90
        for line in proc.stdout:
            if line.startswith("✓ walletguard on http://"):
                break
            printed.append(line.rstrip("\n"))
            assert time.monotonic() < deadline, "serve --demo printed no start line"
        else:
            raise AssertionError(f"serve --demo exited: {printed}")
        while not _ready(f"http://127.0.0.1:{port}"):
            assert time.monotonic() < deadline, "the demo server never became ready"
            assert proc.poll() is None, "the demo server exited"
            time.sleep(0.2)
        # The README says the server is on 127.0.0.1:8000; here it is on a free port.
        yield DemoServer(directory, [line.replace(f":{port}", ":8000") for line in printed],
                         port)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(15)
        if proc.stdout is not None:
            proc.stdout.close()


VARIABLE = [  # what differs between runs, and between this machine and the README
    (re.compile(r"sqlite:////\S+/var/walletguard\.db"), "sqlite:////…/var/walletguard.db"),
    # A session token names its owner: wgs_<user id>.<secret>.
    (re.compile(r"\bwgs_[\w-]+\.[\w-]+"), "wgs_…"),
    (re.compile(r"\b(usr|wgs|wgk|mer)_[\w-]+"), r"\1_…"),
    (re.compile(r"\+86\d{11}"), "+86…"),
]


def _masked(line: str) -> str:
    for pattern, replacement in VARIABLE:
        line = pattern.sub(replacement, line)
    return line


def test_serve_demo_prints_what_the_readme_shows_word_for_word(demo_server: DemoServer) -> None:
    [shown] = fenced_blocks("text demo-output")
    assert [_masked(line) for line in demo_server.printed] == [
        _masked(line) for line in shown.splitlines()]


def _expected(comment: str) -> re.Pattern[str]:
    """What a ``→`` comment promises, as a pattern: ``403 step_up_required`` means that
    status and code; ``{"status":"approved",…}`` means those pieces, in that order."""
    status = re.match(r"(\d{3}) ([a-z_]+)", comment)
    if status:
        return re.compile(re.escape(f'"status":{status[1]},"code":"{status[2]}"'))
    assert comment.startswith("{"), f"a → comment the test cannot check: {comment!r}"
    return re.compile(".*?".join(re.escape(piece) for piece in comment.split("…")))


def test_the_readme_tour_runs_as_written(demo_server: DemoServer) -> None:
    blocks = fenced_blocks("bash tour")
    assert len(blocks) >= 4, "the README lost its tour blocks"
    exports = [line for line in demo_server.printed if line.startswith("export ")]
    assert len(exports) == 7  # "paste the seven export lines"
    port_fixed = [line.replace(":8000", f":{demo_server.port}") for line in exports]
    script = ["set -euo pipefail", *port_fixed]
    for n, block in enumerate(blocks):
        script += [f"echo; echo '@@block {n}@@'", block]  # curl ends without a newline
    run = subprocess.run(["bash", "-c", "\n".join(script)], cwd=demo_server.directory,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"the tour stopped:\n{run.stdout[-3000:]}\n{run.stderr}"
    outputs = re.split(r"^@@block \d+@@\n", run.stdout, flags=re.MULTILINE)[1:]
    assert len(outputs) == len(blocks)
    checked = 0
    for block, output in zip(blocks, outputs, strict=True):
        for promise in re.findall(r"#\s+→ (.+)$", block, re.MULTILINE):
            assert _expected(promise.strip()).search(output), (
                f"the README promises → {promise}, the server answered:\n{output}")
            checked += 1
    assert checked >= 10
    assert "Traceback" not in run.stdout + run.stderr


def test_demo_lost_phone_beside_the_server_writes_to_the_database_it_serves(
    demo_server: DemoServer,
) -> None:
    """What the README says of ``demo lost-phone`` run from the same directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLETGUARD_")}
    env["WALLETGUARD_PASSWORD_HASH_MEMORY_KIB"] = "1024"
    run = subprocess.run([EXE, "demo", "lost-phone"], cwd=demo_server.directory, env=env,
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stdout + run.stderr
    served = demo_server.printed[0].removeprefix("demo data written to ")
    assert run.stdout.splitlines()[0].startswith(f"writing to {served}, ")
