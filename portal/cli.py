"""flask commands: seed-demo, demo-code, import-attendance, calendar bank-holidays, reference load,
attendance refresh-flags, worker, create-admin; backup, restore and jobs recover
(`portal.ops.commands`); retention (`portal.retention.cli`). Each command that writes is a
transaction boundary (`transaction.unit()`)."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal import transaction
from portal.extensions import db


def register(app: Flask) -> None:
    from portal.ops import commands as ops_commands
    from portal.retention import cli as retention_cli

    ops_commands.register(app)
    retention_cli.register(app)

    @app.cli.command("seed-demo")
    @click.option("--last-year", "last_year", type=click.Choice(["year", "term", "none"]), default="year",
                  show_default=True,
                  help="Last academic year's marks: the whole year, up to the end of the same term, or none.")
    def seed_demo_command(last_year: str):
        """Create the demo partnership (Demo Borough) if it is not there yet."""
        from portal.demo import demo_logins, seed_demo

        if current_app.config["PORTAL_ENV"] == "production":
            raise click.ClickException("Refusing to seed demo data when PORTAL_ENV=production.")
        with transaction.unit():
            created = seed_demo(current_app.config["DEMO_PASSWORD"],
                                totp_secret=current_app.config["DEMO_TOTP_SECRET"], last_year=last_year)
        if created and db.engine.dialect.name == "postgresql":
            from portal.attendance.imports import refresh_statistics

            refresh_statistics()  # the planner's statistics, as autovacuum would leave them later
        click.echo("Demo Borough created." if created else "Demo Borough is already there.")
        click.echo(f"Demo logins (password: {current_app.config['DEMO_PASSWORD']}; "
                   "security code: flask --app portal demo-code EMAIL):")
        for email, role in demo_logins():
            click.echo(f"  {email:<24} {role}")

    @app.cli.command("demo-code")
    @click.argument("email")
    def demo_code(email: str):
        """Print a demo user's current two-factor security code (development only)."""
        from portal.auth import two_factor
        from portal.auth.service import find_user_by_email

        if current_app.config["PORTAL_ENV"] == "production":
            raise click.ClickException("Refusing to print security codes when PORTAL_ENV=production.")
        user = find_user_by_email(email)
        if user is None or not user.two_factor_enrolled or user.totp_secret != current_app.config["DEMO_TOTP_SECRET"]:
            raise click.ClickException(
                f"{email} is not a demo user with the demo authenticator secret (DEMO_TOTP_SECRET). "
                "Run `flask --app portal seed-demo` first; other accounts use their own app.")
        try:
            code, valid_until = two_factor.next_unused_code(user)
        except ValueError:
            raise click.ClickException("The codes for the next minute have all been used: "
                                       "try again in 30 seconds.") from None
        click.echo(code)
        click.echo(f"(valid until {valid_until.strftime('%H:%M:%S')}; each code signs in once)", err=True)

    @app.cli.command("import-attendance")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--as", "email", metavar="EMAIL",
                  help="Required: the e-mail address of the active user (an LA administrator, or school staff "
                       "for their own school) the import is done as; the audit log records them.")
    @click.option("--school", "urn", help="Only pupils of the school with this URN (default: any school).")
    @click.option("--pupils", "kind", flag_value="pupils", help="The file holds pupils, not marks.")
    @click.option("--marks", "kind", flag_value="marks", default=True, help="The file holds marks (default).")
    @click.option("--reason", metavar="TEXT",
                  help="Why the file changes marks already imported (required when it amends any: the register "
                       "keeps the reason with the original and the amended mark).")
    def import_attendance(path: str, email: str | None, urn: str | None, kind: str, reason: str | None):
        """Import a CSV of marks (upn,date,session,code) or pupils, all or nothing, as a user."""
        import getpass
        import socket

        from sqlalchemy import select

        from portal import access
        from portal.attendance import uploads
        from portal.attendance.imports import import_marks
        from portal.attendance.models import ImportStatus
        from portal.attendance.service import create_import_job
        from portal.auth.service import find_user_by_email
        from portal.orgs.models import Organisation
        from portal.pupils.imports import import_pupils

        if not email:
            raise click.ClickException(
                "Say who is importing: --as EMAIL (an active LA administrator, or school staff for their own "
                "school). The import is recorded in the audit log in their name.")
        user = find_user_by_email(email)
        if user is None or not user.active:
            raise click.ClickException(f"No active user has the e-mail address {email}.")
        if not access.can(user, "import_attendance"):
            raise click.ClickException(f"{email} may not import attendance or pupils.")
        school_id = None
        if urn:
            school_id = db.session.scalar(select(Organisation.id).where(Organisation.urn == urn))
            if school_id is None:
                raise click.ClickException(f"No school has URN {urn}.")
        if school_id is not None and access.import_school_for(user, school_id) != school_id:
            raise click.ClickException(f"{email} may import only for their own school.")
        origin = f"command line ({getpass.getuser()}@{socket.gethostname()})"[:64]
        with open(path, "rb") as source, transaction.unit():
            job = create_import_job(user, kind, source, path, school_id=school_id, origin=origin,
                                    status=ImportStatus.running, reason=reason if kind == "marks" else None)
        try:
            with transaction.unit():
                if kind == "marks":
                    job = import_marks(job, progress=lambda pct, phase: click.echo(f"  {pct:3d}%  {phase}"))
                else:
                    job = import_pupils(job)
        finally:
            uploads.discard(job.path)  # the copy under instance/imports (0600)
        if job.status == ImportStatus.done:
            click.echo(f"Imported {job.rows} rows: {job.added} added, {job.changed} changed, "
                       f"{job.unchanged} unchanged.")
            return
        for row, field, message in job.errors or []:
            click.echo(f"  row {row}, {field}: {message}", err=True)
        raise click.ClickException(job.message or "The import failed.")

    @app.cli.group("calendar")
    def calendar_group():
        """The school calendar's reference data."""

    @calendar_group.command("bank-holidays")
    @click.option("--until", "until", type=click.IntRange(2000, 2199), required=True, metavar="YEAR",
                  help="Add England's bank holidays for every missing year up to this one.")
    def bank_holidays(until: int):
        """Add England's bank holidays (from the `holidays` package) for the years not held yet."""
        import getpass
        import socket

        from portal.attendance import calendar_service

        label = f"command line ({getpass.getuser()}@{socket.gethostname()})"
        with transaction.unit():
            added = calendar_service.add_bank_holidays(until, actor_label=label)
        if not added:
            click.echo(f"Every year up to {until} is held already: nothing added.")
            return
        for year, n in sorted(added.items()):
            click.echo(f"  {year}: {n} bank holidays added")

    @app.cli.group("reference")
    def reference_group():
        """The national and local reference figures the dashboards compare against."""

    @reference_group.command("load")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--update", is_flag=True, help="Update figures already held (else a row for one refuses the file).")
    def reference_load(path: str, update: bool):
        """Load reference figures from a CSV file: all of it, or nothing."""
        import getpass
        import os
        import socket

        from portal.attendance import reference_csv

        label = f"command line ({getpass.getuser()}@{socket.gethostname()})"[:64]
        with open(path, "rb") as f:
            data = f.read()
        try:
            with transaction.unit():
                loaded = reference_csv.load(None, data, update=update, filename=os.path.basename(path)[:100],
                                            actor_label=label)
        except reference_csv.LoadRefused as exc:
            for row, column, message in exc.rows:
                click.echo(f"  row {row}, {column}: {message}", err=True)
            raise click.ClickException(exc.message) from None
        click.echo(f"Reference figures loaded: {loaded.summary}.")

    attendance = AppGroup("attendance", help="Attendance jobs.")
    app.cli.add_command(attendance)

    @attendance.command("refresh-flags")
    @click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="The day to compute for (default: today, London).")
    def refresh_flags(as_of: str | None):
        """Recompute every pupil's statutory flags and threshold crossings, and the dashboards'
        period totals and rolling periods (run daily)."""
        from datetime import date

        from portal import audit
        from portal.attendance import aggregates, flags

        try:
            day = date.fromisoformat(as_of) if as_of else None
        except ValueError:
            raise click.BadParameter("must be a date written YYYY-MM-DD", param_hint="--as-of") from None
        with transaction.unit():
            done = flags.refresh_all(day)
            aggregates.refresh_all(day)
            summary = (f"{done.pupils} pupils: {done.flags} flags; {done.crossings_added} new threshold crossings, "
                       f"{done.crossings_removed} removed")
            audit.record(None, "attendance_flags_refreshed", summary=summary, actor_label="cli (refresh-flags)")
        click.echo(f"Flags refreshed for {summary}.")

    @app.cli.command("worker")
    def worker():
        """Run import jobs from Redis (REDIS_URL) with an RQ worker."""
        from redis import Redis
        from rq import Queue, Worker

        from portal.attendance.jobs import QUEUE

        url = current_app.config.get("REDIS_URL")
        if not url:
            raise click.ClickException("Set REDIS_URL: without it imports run inside the web app.")
        connection = Redis.from_url(url)
        Worker([Queue(QUEUE, connection=connection)], connection=connection).work()

    @app.cli.command("create-admin")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--organisation", "org_name", required=True,
                  help="Name of the LA organisation; created if missing.")
    @click.password_option()
    def create_admin(email: str, name: str, org_name: str, password: str):
        """Create an LA administrator (for a real deployment's first sign-in)."""
        from sqlalchemy import select

        from portal import audit
        from portal.access import LA_ADMIN
        from portal.auth.service import find_user_by_email, hash_password, password_problem
        from portal.orgs.models import Organisation, OrgKind, User

        problem = password_problem(password)
        if problem:
            raise click.ClickException(problem)
        if find_user_by_email(email):
            raise click.ClickException(f"{email} already exists.")
        with transaction.unit():
            org = db.session.scalar(select(Organisation).where(Organisation.name == org_name))
            if org is None:
                org = Organisation(name=org_name, kind=OrgKind.attendance_service)
                db.session.add(org)
            user = User(email=email, name=name, role=LA_ADMIN, organisation=org,
                        password_hash=hash_password(password))
            db.session.add(user)
            db.session.flush()
            audit.record(None, "user_created", user, summary=f"{email} (create-admin)", actor_label="cli")
        click.echo(f"Created LA administrator {email}.")
