"""Fixtures for loading with dlt into real DuckDB files and a real PostgreSQL server."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pgserver import postgres_server


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """One PostgreSQL server per test process (never skipped: the wheel is a dev dependency)."""
    with postgres_server() as url:
        yield url


@pytest.fixture(autouse=True)
def _dlt_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep dlt's global files in the test's directory, and its telemetry off."""
    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / "dlt-data"))
    monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
    monkeypatch.chdir(tmp_path)


class Warehouse:
    """One destination (``duckdb`` or ``postgres``) with a dataset of its own."""

    def __init__(self, kind: str, tmp_path: Path, postgres_url: str | None) -> None:
        import dlt

        self.kind = kind
        self.dataset = f"lr_{uuid.uuid4().hex[:10]}"
        if kind == "duckdb":
            self.destination: Any = dlt.destinations.duckdb(str(tmp_path / "warehouse.duckdb"))
        else:
            self.destination = dlt.destinations.postgres(postgres_url)
        self.pipelines_dir = str(tmp_path / "pipelines")

    def pipeline(self, name: str = "linkreport_test") -> Any:
        import dlt

        return dlt.pipeline(
            pipeline_name=name,
            destination=self.destination,
            dataset_name=self.dataset,
            pipelines_dir=self.pipelines_dir,
        )

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Run ``sql`` with ``{dataset}`` filled in; return every row."""
        with self.pipeline().sql_client() as client:
            return list(client.execute_sql(sql.replace("{dataset}", self.dataset)) or [])

    def count(self, table: str) -> int:
        return int(self.query(f"SELECT count(*) FROM {{dataset}}.{table}")[0][0])

    def column_types(self, table: str) -> dict[str, str]:
        rows = self.query(
            "SELECT column_name, data_type FROM information_schema.columns "
            f"WHERE table_schema = '{{dataset}}' AND table_name = '{table}'"
        )
        return {name: kind.lower() for name, kind in rows}


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Warehouse:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    return Warehouse(request.param, tmp_path, url)


@pytest.fixture
def duckdb(tmp_path: Path) -> Warehouse:
    """A DuckDB file of the test's own (no PostgreSQL)."""
    return Warehouse("duckdb", tmp_path, None)


@pytest.fixture
def sandboxes(provider_sandbox: Callable[..., Any]) -> dict[str, Any]:
    """Both providers' sandboxes on loopback (Sitecore Send allowing 20 calls a second)."""
    return {
        "sitecore-send": provider_sandbox("sitecore-send", calls="20"),
        "constant-contact": provider_sandbox("constant-contact"),
    }
