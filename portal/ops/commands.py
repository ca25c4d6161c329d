"""flask commands: backup PATH, restore PATH, jobs recover."""
from __future__ import annotations

import sys

import click
from flask import Flask, current_app


def _short(digest: dict | None) -> str:
    return "missing" if digest is None else f"{digest['rows']:>9} rows  {digest['sha256'][:16]}"


def register(app: Flask) -> None:
    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    def backup_command(path: str):
        """Back the database up to PATH (a new file), verified: per table, the row count and a
        checksum of the copy, printed and written to PATH.manifest.json."""
        from portal.ops import backup

        try:
            manifest = backup.backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
        except backup.BackupError as exc:
            raise click.ClickException(str(exc)) from None
        for table, digest in manifest["tables"].items():
            click.echo(f"{table:<32} {_short(digest)}")
        click.echo(f"Backup written to {path} ({len(manifest['tables'])} tables); "
                   f"manifest {backup.manifest_path(path)}.")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def restore_command(path: str):
        """Restore the backup at PATH into the (new, empty) database of DATABASE_URL, and check
        every table's row count and checksum against the backup's manifest."""
        from portal.ops import backup

        try:
            checks = backup.restore(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
        except (backup.BackupError, backup.NotEmpty) as exc:
            raise click.ClickException(str(exc)) from None
        for check in checks:
            click.echo(f"{check.table:<32} {_short(check.actual)}  {'OK' if check.ok else 'MISMATCH'}")
        bad = [c.table for c in checks if not c.ok]
        if bad:
            click.echo(f"MISMATCH: {len(bad)} table(s) differ from the backup's manifest: {', '.join(bad)}.",
                       err=True)
            sys.exit(1)
        click.echo(f"OK: {len(checks)} tables restored, every count and checksum matches the manifest.")

    @app.cli.group("jobs")
    def jobs_group():
        """Import jobs."""

    @jobs_group.command("recover")
    def jobs_recover():
        """Mark failed the import jobs whose worker went away (its process is gone, or no
        heartbeat for IMPORT_STALE_MINUTES): each is audited, its upload kept for a retry."""
        from portal.attendance import recovery

        failed = recovery.recover()
        if failed:
            click.echo(f"Marked {len(failed)} stopped import job(s) failed: {', '.join(map(str, failed))}.")
        else:
            click.echo("No stopped import jobs.")
