"""Backups of the PostgreSQL database and the uploaded files, and their restore with a check.

`backup` opens a REPEATABLE READ transaction, exports its snapshot and lets pg_dump read that same
snapshot, while the row count and a checksum of every table are computed in it: the manifest
describes exactly the data in the dump, however busy the portal is. The uploaded files go into a
tar with the SHA-256 of each. `restore` loads the dump into an empty database, unpacks the files,
and compares every table's count and checksum, and every file's hash, with the manifest.
"""

import hashlib
import json
import os
import subprocess
import tarfile
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

DUMP = "db.dump"
FILES = "media.tar.gz"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message is for the person who ran it."""


def _settings_url() -> str:
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError(_("Backups need PostgreSQL: set DATABASE_URL to a PostgreSQL database."))
    user = quote(database.get("USER") or "", safe="")
    password = quote(database.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = database.get("HOST") or "localhost"
    port = f":{database['PORT']}" if database.get("PORT") else ""
    return f"postgresql://{credentials}{host}{port}/{quote(database['NAME'], safe='')}"


def _tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    )
    return [row[0] for row in cursor.fetchall()]


def checksums(cursor) -> dict[str, dict]:
    """Row count and an order-free checksum of every table of the public schema."""
    cursor.execute("SET TIME ZONE 'UTC'")  # timestamps read the same in both databases
    result = {}
    for table in _tables(cursor):
        cursor.execute(
            f"SELECT count(*), md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) "
            f'FROM "{table}" t'
        )
        count, digest = cursor.fetchone()
        result[table] = {"rows": count, "md5": digest}
    return result


def _file_hashes(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    hashes = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        hashes[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def _run(command: list[str]) -> None:
    try:
        subprocess.run(command, check=True, capture_output=True, text=True, env={**os.environ})
    except FileNotFoundError:
        raise BackupError(
            _("%(program)s is not installed: install the PostgreSQL client (postgresql-client).")
            % {"program": command[0]}
        ) from None
    except subprocess.CalledProcessError as error:
        raise BackupError(
            _("%(program)s failed: %(error)s")
            % {"program": command[0], "error": error.stderr.strip()[-2000:]}
        ) from None


def backup(folder: Path) -> dict:
    """Write the dump, the files and the manifest into `folder`, which must be new or empty."""
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(_("The folder %(folder)s is not empty; choose a new one.") % {"folder": folder})
    folder.mkdir(parents=True, exist_ok=True)
    url = _settings_url()
    media_root = Path(settings.MEDIA_ROOT)
    with psycopg.connect(url, autocommit=False) as connection, connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                f"--snapshot={snapshot}",
                f"--file={folder / DUMP}",
                url,
            ]
        )
        tables = checksums(cursor)
        connection.rollback()
    files = _file_hashes(media_root)
    with tarfile.open(folder / FILES, "w:gz") as archive:
        for name in files:
            archive.add(media_root / name, arcname=name, recursive=False)
    manifest = {
        "made_at": timezone.now().isoformat(),
        "tables": tables,
        "files": files,
        "summary": {
            "tables": len(tables),
            "rows": sum(item["rows"] for item in tables.values()),
            "files": len(files),
        },
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def restore(folder: Path, *, database_url: str | None = None, media_root: Path | None = None) -> dict:
    """Load the backup in `folder` into an empty database and check it; the files into media_root."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError(
            _("%(folder)s holds no backup: its manifest is missing or damaged.") % {"folder": folder}
        ) from None
    url = database_url or _settings_url()
    media_root = media_root or Path(settings.MEDIA_ROOT)
    with psycopg.connect(url, autocommit=True) as connection, connection.cursor() as cursor:
        if _tables(cursor):
            raise BackupError(_("The database to restore into is not empty; restore into a new database."))
    _run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={url}", str(folder / DUMP)])
    with psycopg.connect(url, autocommit=True) as connection, connection.cursor() as cursor:
        tables = checksums(cursor)
    different = sorted(
        name
        for name in set(tables) | set(manifest["tables"])
        if tables.get(name) != manifest["tables"].get(name)
    )
    if different:
        raise BackupError(
            _("The restored tables differ from the backup: %(tables)s.") % {"tables": ", ".join(different)}
        )
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / FILES, "r:gz") as archive:
        archive.extractall(media_root, filter="data")  # no absolute paths, links out or devices
    restored = _file_hashes(media_root)
    missing = sorted(name for name, digest in manifest["files"].items() if restored.get(name) != digest)
    if missing:
        raise BackupError(
            _("Restored files differ from the backup: %(files)s.") % {"files": ", ".join(missing[:20])}
        )
    return {
        "tables": len(tables),
        "rows": sum(item["rows"] for item in tables.values()),
        "files": len(manifest["files"]),
    }
