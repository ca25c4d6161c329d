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
