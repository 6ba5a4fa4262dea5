"""Flask commands: create-admin, seed-demo, mail delivery."""
import getpass

import click
from flask import current_app

from app.extensions import db


def register(app):
    @app.cli.command("create-admin")
    @click.option("--email", prompt=True, help="The admin's e-mail address.")
    @click.option("--name", "full_name", default="Admin", show_default=True)
    @click.option("--password", default=None, help="Prompted for (hidden) when omitted.")
    def create_admin_command(email, full_name, password):
        """Create the first admin (or give an existing account the admin role)."""
        from app.services import DomainError
        from app.services.accounts import create_admin

        if password is None:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Repeat password: "):
                raise click.ClickException("The passwords do not match.")
        try:
            user = create_admin(email, password, full_name)
        except DomainError as error:
            raise click.ClickException(str(error.message)) from error
        click.echo(f"Admin ready: {user.email}")

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load realistic Pontianak demo data. Running it again changes nothing."""
        from app.demo import seed_demo

        if current_app.config["ENV_NAME"] != "development" and not current_app.testing:
            raise click.ClickException("seed-demo only runs in development (APP_ENV=development).")
        logins = seed_demo()
        click.echo("Demo data ready. Log in at http://127.0.0.1:5000/auth/login as:")
        for role, email, password in logins:
            click.echo(f"  {role:<10} {email:<42} {password}")

    @app.cli.group("mail")
    def mail_group():
        """E-mail outbox."""

    @mail_group.command("deliver")
    def deliver_command():
        """Send queued e-mails now."""
        from app.services.mail import deliver_pending

        click.echo(f"{deliver_pending(limit=1000)} message(s) processed")

    return db
