"""The wall between the store and the rest: SQL is written in service/store/ only. Routers, flows and the
domain call the store's functions (named for what they return), so a query has one home to read and to
change. Checked on the source itself, module by module, so a new module needs nothing from this file."""

from __future__ import annotations

import ast
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[2] / "service"
STORE = SERVICE / "store"
# The only thing of SQLAlchemy's a caller of the store may name: the session type it passes along.
ALLOWED_IMPORTS = {("sqlalchemy.orm", "Session")}
SESSION_QUERIES = {"execute", "scalars", "scalar", "get", "query", "merge", "add", "delete"}


def sql_written_in(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.split(".")[0] == "sqlalchemy"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            found += [f"from {node.module} import {a.name}" for a in node.names
                      if (node.module, a.name) not in ALLOWED_IMPORTS]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and isinstance(node.func.value, ast.Name) and node.func.value.id == "session"
              and node.func.attr in SESSION_QUERIES):
            found.append(f"line {node.lineno}: session.{node.func.attr}(...)")
    return found


def test_routers_flows_and_domain_leave_every_query_to_the_store() -> None:
    outside = [p for p in SERVICE.rglob("*.py") if STORE not in p.parents]
    assert len(outside) > 50 and any(p.parent.name == "api" for p in outside)  # the walk found the service
    offenders = {str(p.relative_to(SERVICE.parent)): sql for p in outside if (sql := sql_written_in(p))}
    assert not offenders, offenders
