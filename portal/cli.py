"""flask commands: seed-demo, create-admin."""
from __future__ import annotations

import click
from flask import Flask, current_app

from portal.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Create the demo partnership (Demo Borough) if it is not there yet."""
        from portal.seed import demo_logins, seed_demo

        if current_app.config["PORTAL_ENV"] == "production":
            raise click.ClickException("Refusing to seed demo data when PORTAL_ENV=production.")
        created = seed_demo(current_app.config["DEMO_PASSWORD"])
        click.echo("Demo Borough created." if created else "Demo Borough is already there.")
        click.echo(f"Demo logins (password: {current_app.config['DEMO_PASSWORD']}):")
        for email, role in demo_logins():
            click.echo(f"  {email:<24} {role}")

    @app.cli.command("import-attendance")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--school", "urn", help="Only pupils of the school with this URN (default: any school).")
    @click.option("--pupils", "kind", flag_value="pupils", help="The file holds pupils, not marks.")
    @click.option("--marks", "kind", flag_value="marks", default=True, help="The file holds marks (default).")
    def import_attendance(path: str, urn: str | None, kind: str):
        """Import a CSV of marks (upn,date,session,code) or pupils, all or nothing."""
        import os
        import shutil
        import uuid

        from sqlalchemy import select

        from portal.attendance.imports import import_marks
        from portal.attendance.models import ImportJob
        from portal.orgs.models import Organisation
        from portal.pupils.imports import import_pupils

        school_id = None
        if urn:
            school_id = db.session.scalar(select(Organisation.id).where(Organisation.urn == urn))
            if school_id is None:
                raise click.ClickException(f"No school has URN {urn}.")
        folder = os.path.join(current_app.instance_path, "imports")
        os.makedirs(folder, exist_ok=True)
        copy = os.path.join(folder, f"{uuid.uuid4().hex}.csv")
        shutil.copyfile(path, copy)
        job = ImportJob(kind=kind, school_id=school_id, filename=os.path.basename(path)[:255], path=copy,
                        size_bytes=os.path.getsize(copy), status="running")
        db.session.add(job)
        db.session.commit()
        if kind == "marks":
            job = import_marks(job, progress=lambda pct, phase: click.echo(f"  {pct:3d}%  {phase}"))
        else:
            job = import_pupils(job)
        if job.status == "done":
            click.echo(f"Imported {job.rows} rows: {job.added} added, {job.changed} changed, "
                       f"{job.unchanged} unchanged.")
            return
        for row, field, message in job.errors or []:
            click.echo(f"  row {row}, {field}: {message}", err=True)
        raise click.ClickException(job.message or "The import failed.")

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
        org = db.session.scalar(select(Organisation).where(Organisation.name == org_name))
        if org is None:
            org = Organisation(name=org_name, kind=OrgKind.attendance_service)
            db.session.add(org)
        user = User(email=email, name=name, role=LA_ADMIN, organisation=org,
                    password_hash=hash_password(password))
        db.session.add(user)
        db.session.flush()
        audit.record(None, "user_created", user, summary=f"{email} (create-admin)", actor_label="cli")
        db.session.commit()
        click.echo(f"Created LA administrator {email}.")
