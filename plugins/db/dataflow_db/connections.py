"""Named database connections: a workflow names one (`"connection": "sales"`), its secrets live here.

A workflow file is shared, so it never holds a host's password. It names a connection, and the
connection is looked up on the machine that runs the workflow, in this order:

1. the environment: `DATAFLOW_DB_<NAME>` holding a URL, the name upper-cased with `-` as `_`
   (`DATAFLOW_DB_SALES=postgresql://analyst:secret@127.0.0.1:5432/sales`); add
   `?allow_writes=true` to let write nodes use it;
2. the settings file `connections.json` in the db plugin's private folder
   (`<DataFlow's private folder>/plugins/db/`, mode 0700; the file itself mode 0600), which the
   app's Connections page and `save` / `remove` below edit:

       {"sales": {"kind": "postgresql", "host": "127.0.0.1", "port": 5432, "database": "sales",
                  "user": "analyst", "password": "...", "allow_writes": false, "connect_timeout": 10}}

A connection is read-only unless `allow_writes` is true: a shared workflow with a write node
cannot change a database its runner only meant to read. Nothing here connects anywhere.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from dataflow.sdk import NodeError, did_you_mean, private_folder, temp_sibling

FILE_NAME = "connections.json"
ENV_PREFIX = "DATAFLOW_DB_"
KINDS = ("postgresql",)
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,62}")
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Connection:
    """How to reach one database. `password` never appears in `repr` or in `public()`."""

    name: str
    kind: str = "postgresql"
    host: str = "127.0.0.1"
    port: int = 5432
    database: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    allow_writes: bool = False
    connect_timeout: int = 10
    origin: str = "settings"  # or "environment": where it was found (not stored)

    def public(self) -> dict[str, Any]:
        """Everything but the password and the origin, for a list or a log."""
        shown = asdict(self)
        del shown["password"], shown["origin"]
        return shown


def settings_file() -> Path:
    return private_folder("db") / FILE_NAME


def env_name(name: str) -> str:
    return ENV_PREFIX + name.upper().replace("-", "_")


def check_name(name: str, param: str = "connection") -> str:
    if not NAME.fullmatch(name or ""):
        raise NodeError(f"'{name}' is not a connection name: use letters, digits, _ and - (starting with a letter), "
                        "e.g. sales", param=param)
    return name


def _from_settings() -> dict[str, Connection]:
    path = settings_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise NodeError(f"the connections file {path} cannot be read ({exc}); fix or remove it") from None
    if not isinstance(data, dict):
        raise NodeError(f"the connections file {path} does not hold an object of connections; fix or remove it")
    found = {}
    for name, entry in data.items():
        if isinstance(entry, dict) and NAME.fullmatch(name):
            fields = {k: v for k, v in entry.items() if k in Connection.__dataclass_fields__ and k not in ("name", "origin")}
            try:
                found[name] = Connection(name=name, **fields)
            except TypeError:
                continue
    return found


def _from_environment(name: str) -> Connection | None:
    url_text = os.environ.get(env_name(name), "").strip()
    if not url_text:
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(url_text)
    except ArgumentError:
        raise NodeError(f"the environment variable {env_name(name)} does not hold a database URL; set it to e.g. "
                        "postgresql://user:password@127.0.0.1:5432/database", param="connection") from None
    kind = url.get_backend_name()
    query = dict(url.query)
    return Connection(name=name, kind=kind, host=url.host or "127.0.0.1", port=url.port or 5432,
                      database=url.database or "", user=url.username or "", password=url.password or "",
                      allow_writes=str(query.get("allow_writes", "")).lower() in _TRUE,
                      connect_timeout=int(query.get("connect_timeout", 10)), origin="environment")


def names() -> list[str]:
    """Every connection name known here: the settings file's and the environment's."""
    from_env = [key[len(ENV_PREFIX):].lower().replace("_", "-") for key in os.environ if key.startswith(ENV_PREFIX)]
    return sorted(set(_from_settings()) | {n for n in from_env if NAME.fullmatch(n)})


def get(name: str, *, param: str = "connection") -> Connection:
    """The connection called `name`; a NodeError naming it and how to add it when there is none."""
    if not str(name).strip():
        raise NodeError("no connection chosen; name one (add it on the app's Connections page)", param=param)
    check_name(name, param)
    connection = _from_environment(name) or _from_settings().get(name)
    if connection is None:
        known = names()
        raise NodeError(f"there is no connection named '{name}'{did_you_mean(name, known)}; add it on the app's "
                        f"Connections page, or set the environment variable {env_name(name)} to its URL "
                        f"(known here: {', '.join(known) or 'none'})", param=param)
    if connection.kind not in KINDS:
        raise NodeError(f"connection '{name}' is a {connection.kind} database; this node reads {', '.join(KINDS)}",
                        param=param)
    return connection


def save(connection: Connection) -> None:
    """Add or replace a connection in the settings file (mode 0600, written atomically)."""
    check_name(connection.name)
    if connection.kind not in KINDS:
        raise NodeError(f"'{connection.kind}' is not a supported kind of database ({', '.join(KINDS)})")
    entries = {name: {k: v for k, v in asdict(c).items() if k not in ("name", "origin")}
               for name, c in _from_settings().items()}
    entries[connection.name] = {k: v for k, v in asdict(replace(connection, origin="settings")).items()
                                if k not in ("name", "origin")}
    _write(entries)


def remove(name: str) -> bool:
    """Remove a connection from the settings file; False when it was not there."""
    entries = {n: {k: v for k, v in asdict(c).items() if k not in ("name", "origin")}
               for n, c in _from_settings().items()}
    if entries.pop(name, None) is None:
        return False
    _write(entries)
    return True


def _write(entries: dict[str, dict[str, Any]]) -> None:
    path = settings_file()
    temporary = temp_sibling(path, ".tmp.json")  # mode 0600 from the start
    try:
        temporary.write_text(json.dumps(entries, indent=2, sort_keys=True), encoding="utf-8")
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def check(name: str) -> str:
    """Connect with the named connection and ask the server its version: what the Connections page's
    Test button shows. A NodeError says why it failed (within the connection's timeout)."""
    from .access import opened, postgres_engine

    found = get(name)
    engine = postgres_engine(found, timeout=max(5.0, float(found.connect_timeout)), read_only=True)
    with opened(engine, f"connection '{found.name}' ({found.host}:{found.port}/{found.database})",
                "connection") as db:
        from sqlalchemy import text

        version = db.execute(text("SHOW server_version")).scalar()
    writes = "allows writes" if found.allow_writes else "read-only"
    return f"connected to PostgreSQL {version} at {found.host}:{found.port}/{found.database} as {found.user} ({writes})"
