"""``flask payments reconcile | check | expire``."""
import click
from flask import current_app

from app.payments_web import bp


def _cards_on():
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def expire_job():
    from app.services.payments.card import expire_unpaid_card_orders

    if _cards_on():
        return expire_unpaid_card_orders()
    return []


def reconcile_job():
    from app.services.refunds import reconcile

    if _cards_on():
        return reconcile()
    return []


def _run_card_job(job):
    """Run ``job`` and print each change it made; refused while card payments are off."""
    if not _cards_on():
        raise click.ClickException("STRIPE_SECRET_KEY is not set: card payments are off.")
    changes = job()
    for line in changes:
        click.echo(line)
    click.echo(f"{len(changes)} change(s).")


@bp.cli.command("reconcile")
def reconcile_command():
    """Re-read open PaymentIntents and refunds from Stripe and apply what changed."""
    from app.services.refunds import reconcile

    _run_card_job(reconcile)


@bp.cli.command("expire")
def expire_command():
    """Expire card orders unpaid for longer than CARD_PAYMENT_TIMEOUT_MINUTES."""
    from app.services.payments.card import expire_unpaid_card_orders

    _run_card_job(expire_unpaid_card_orders)


@bp.cli.command("check")
def check_command():
    """Check the ledger's invariants; exit 1 when the books do not balance."""
    from app.services.ledger import check_books

    report = check_books()
    click.echo(f"captured {report.captured}, refunded {report.refunded}, payouts {report.payouts}, "
               f"fees {report.fees}, store balances {sum(report.stores.values())} ({len(report.stores)} stores)")
    if report.balanced:
        click.echo("Books balanced.")
        return
    for problem in report.problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    raise SystemExit(1)


@bp.cli.command("stand-in-webhook")
@click.argument("url")
def stand_in_webhook_command(url):
    """Stand-in only: make localstripe send its signed webhooks to URL
    (e.g. http://127.0.0.1:5000/webhooks/stripe) with STRIPE_WEBHOOK_SECRET."""
    import urllib.parse
    import urllib.request

    from app.services import stripe_gateway as gateway

    if not gateway.uses_stand_in() or not current_app.config.get("STRIPE_WEBHOOK_SECRET"):
        raise click.ClickException("Only with STRIPE_API_BASE pointing at the local stand-in and "
                                   "STRIPE_WEBHOOK_SECRET set.")
    base = current_app.config["STRIPE_API_BASE"].rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise click.ClickException("STRIPE_API_BASE must be an http(s) address.")
    data = urllib.parse.urlencode({"url": url, "secret": current_app.config["STRIPE_WEBHOOK_SECRET"]}).encode()
    request = urllib.request.Request(f"{base}/_config/webhooks/pkb", data=data, method="POST")  # noqa: S310
    urllib.request.urlopen(request, timeout=10).close()  # noqa: S310  # nosec B310 - http(s) checked above
    click.echo(f"The stand-in now sends its webhooks to {url}.")
