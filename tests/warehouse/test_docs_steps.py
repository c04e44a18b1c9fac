"""docs/warehouses.md's "DuckDB, step by step", run as written (issue 28).

Step 1's ``pip install`` must name what is installed here (the test cannot reach an index);
step 2 serves the sandbox with ``linkreport sandbox`` and takes the ``export`` lines it
prints; steps 3 and 4 run the Python blocks in order, each with ``python -c`` in one
directory, the way a reader pastes them.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import threading
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

DOC = Path(__file__).resolve().parents[2] / "docs" / "warehouses.md"
BLOCK = re.compile(r"^( *)```(\w+)\n(.*?)^\1```$", re.MULTILINE | re.DOTALL)


def _steps() -> list[tuple[str, str]]:
    """The (language, code) blocks of the DuckDB section, dedented."""
    text = DOC.read_text()
    section = text[text.index("## DuckDB, step by step") :]
    section = section[: section.index("\n## ", 1)]
    blocks = []
    for match in BLOCK.finditer(section):
        indent = len(match[1])
        code = "".join(line[indent:] for line in match[3].splitlines(keepends=True))
        blocks.append((match[2], code))
    return blocks


def _installed(requirement: str) -> None:
    req = Requirement(requirement)
    metadata.version(req.name)  # PackageNotFoundError if not installed
    for extra in req.extras:
        needs = [Requirement(r) for r in metadata.requires(req.name) or ()]
        wanted = [r for r in needs if r.marker and r.marker.evaluate({"extra": extra})]
        assert wanted, f"{req.name} has no extra {extra!r}"
        for need in wanted:
            metadata.version(need.name)


def _sandbox_exports(env: dict[str, str]) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """Run step 2's command; return the process and the variables its ``export`` lines set."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "linkreport", "sandbox", "sitecore-send"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    timer = threading.Timer(60, proc.kill)  # never wait forever for its lines
    timer.start()
    exports: dict[str, str] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip().startswith("export "):
            name, _, value = line.strip().removeprefix("export ").partition("=")
            exports[name] = shlex.split(value)[0]
        if len(exports) == 3:
            break
    timer.cancel()
    return proc, exports


def test_the_duckdb_steps_run_as_written(tmp_path, env):
    steps = _steps()
    assert [lang for lang, _ in steps] == ["sh", "sh", "python", "python"]

    install = shlex.split(steps[0][1])
    assert install[:2] == ["pip", "install"]
    for requirement in install[2:]:
        _installed(requirement)

    assert shlex.split(steps[1][1]) == ["linkreport", "sandbox", "sitecore-send"]
    sandbox, exports = _sandbox_exports(env)
    try:
        assert sorted(exports) == [
            "LINKREPORT_SITECORE_SEND_API_KEY",
            "LINKREPORT_SITECORE_SEND_BASE_URL",
            "LINKREPORT_SITECORE_SEND_RATE_LIMIT",
        ]
        shell = {**env, **exports, "DLT_DATA_DIR": str(tmp_path / "dlt-data")}
        outputs = []
        for _lang, code in steps[2:]:
            proc = subprocess.run(
                [sys.executable, "-c", code],
                cwd=tmp_path,
                env=shell,
                capture_output=True,
                text=True,
                check=False,
                timeout=300,
            )
            assert proc.returncode == 0, proc.stderr
            outputs.append(proc.stdout)
    finally:
        sandbox.kill()
        sandbox.wait()

    load, query = outputs
    assert "is LOADED and contains no failed jobs" in load
    assert (tmp_path / "linkreport_load.duckdb").exists()
    # The top links, then an empty failures table (it exists although nothing failed).
    top, failures = query.split("\n\n", 1)
    assert "url_canonical" in top
    assert "https://shop.example.com/spring" in top
    assert re.search(r"account\s*│\s*campaign_id\s*│\s*error", failures)
    assert "0 rows" in failures
    assert exports["LINKREPORT_SITECORE_SEND_API_KEY"] not in load + query
