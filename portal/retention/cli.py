"""`flask retention`: what the retention schedule says is due (a dry run, by default), or,
with --apply --confirmed-by EMAIL (an active LA admin), the run that deletes it. Every run is
recorded (`retention_runs`) and audited. --notify (a weekly cron job) tells the LA admins
when something is due."""
from __future__ import annotations

import click
from flask import Flask

from portal import transaction
from portal.errors import Refused


def register(app: Flask) -> None:
    @app.cli.command("retention")
    @click.option("--apply", is_flag=True, help="Delete what is due (else a dry run: nothing changes).")
    @click.option("--confirmed-by", "email", metavar="EMAIL",
                  help="With --apply: the e-mail address of the active LA admin who confirms the run.")
    @click.option("--notify", is_flag=True, help="A dry run tells the LA admins (in the app and by e-mail) "
                                                 "when something is due.")
    def retention(apply: bool, email: str | None, notify: bool):
        """List what the retention schedule says is due; with --apply, delete it."""
        from portal.retention import service

        if apply and not email:
            raise click.ClickException("--apply needs --confirmed-by EMAIL (an active LA admin).")
        if email and not apply:
            raise click.ClickException("--confirmed-by goes with --apply.")
        if apply and notify:
            raise click.ClickException("--notify is for a dry run.")
        try:
            with transaction.unit():
                actor = service.confirming_admin(email) if apply else None
                entry = service.run(actor, apply=apply, notify_admins=notify)
                run_id, counts, cutoffs = entry.id, dict(entry.counts), dict(entry.cutoffs)
        except Refused as exc:
            raise click.ClickException(exc.message) from None
        click.echo(f"Retention run {run_id}: {'deleted' if apply else 'due (dry run, nothing deleted)'}")
        for key, (_setting, label) in service.CATEGORIES.items():
            line = f"  {label}: {counts[key]} (dated before {cutoffs[key]})"
            if counts.get("oldest", {}).get(key):
                line += f", oldest {counts['oldest'][key]}"
            click.echo(line)
        rows = counts.get("rows", {})
        for key in service.CATEGORIES:
            detail = ", ".join(f"{table} {n}" for table, n in rows.get(key, {}).items() if n)
            if detail:
                click.echo(f"    {key}: {detail}")
