"""The backup drill: back up a database with files, restore into a fresh database, and compare."""

import json
import uuid

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection

from mcok import backups
from mcok.models import Document, Organization
from tests.factories import make_document, make_world


def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("backups are of PostgreSQL")


@pytest.fixture
def fresh_database():
    """An empty database beside the test one, dropped afterwards; its URL."""
    _postgres_only()
    name = f"mcok_restore_{uuid.uuid4().hex[:12]}"
    admin = backups._settings_url().rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as server:
        server.execute(f'CREATE DATABASE "{name}"')
    yield admin.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_fresh_database_with_every_row_and_file(tmp_path, fresh_database):
    _postgres_only()
    world = make_world()
    document = make_document(world.municipality, title="Приказ о МСОКО")
    document.file.save("prikaz.txt", ContentFile("Приказ №1048 от 05.07.2021".encode()))
    folder = tmp_path / "backup"

    call_command("backup", to=str(folder))
    manifest = json.loads((folder / backups.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["tables"]["mcok_organization"]["rows"] == Organization.objects.count() == 3
    assert manifest["tables"]["mcok_document"]["rows"] == Document.objects.count() == 1

    restored_media = tmp_path / "restored-media"
    report = backups.restore(folder, database_url=fresh_database, media_root=restored_media)
    assert report["files"] == 1
    # Checked independently of the manifest: the restored database against the live one.
    with connection.cursor() as cursor:
        live = backups.checksums(cursor.cursor)
    with psycopg.connect(fresh_database) as restored, restored.cursor() as cursor:
        again = backups.checksums(cursor)
    main = ["mcok_municipality", "mcok_organization", "mcok_role", "mcok_user", "mcok_document"]
    assert {table: again[table] for table in main} == {table: live[table] for table in main}
    assert again == live
    assert (restored_media / document.file.name).read_text() == "Приказ №1048 от 05.07.2021"


@pytest.mark.django_db(transaction=True)
def test_a_restore_that_differs_from_its_manifest_is_refused_by_name(tmp_path, fresh_database):
    _postgres_only()
    make_world()
    folder = tmp_path / "backup"
    backups.backup(folder)
    manifest = json.loads((folder / backups.MANIFEST).read_text(encoding="utf-8"))
    manifest["tables"]["mcok_organization"]["rows"] += 1  # as if a row were lost on the way
    (folder / backups.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(backups.BackupError, match="mcok_organization"):
        backups.restore(folder, database_url=fresh_database, media_root=tmp_path / "media")


@pytest.mark.django_db(transaction=True)
def test_a_restore_into_a_database_with_tables_is_refused(tmp_path):
    _postgres_only()
    backups.backup(tmp_path / "backup")
    with pytest.raises(CommandError, match="не пуста|not empty"):
        call_command("restore", source=str(tmp_path / "backup"))  # the live database is not empty


def test_a_backup_into_a_used_folder_or_without_postgresql_is_refused(tmp_path, db):
    (tmp_path / "old.txt").write_text("x")
    with pytest.raises(backups.BackupError):
        backups.backup(tmp_path)
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError):
            call_command("backup", to=str(tmp_path / "new"))
    with pytest.raises(CommandError):
        call_command("restore", source=str(tmp_path / "missing"))
