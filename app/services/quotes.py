"""Negotiation before a department buys: the purchaser asks a store for a quote from the
cart, the store offers per line, the purchaser accepts, counters or withdraws; the agreed
prices become a department order that goes to the approver (PPK).

Rules kept here:
- only a purchaser (PP) of their department asks, counters, accepts or withdraws (403 for
  anyone else who may see the quote: its store's members, the department's approvers);
  only the store's members offer or decline; anyone else: 404;
- every price is whole rupiah above zero; the requested total is within the department's
  cap, with a valid budget line and delivery;
- the store answers by the date the purchaser asked (``answer_by``); an offer is valid
  until its own date (at most QUOTE_OFFER_VALID_DAYS, default 7); past either, the quote
  expires (``expire_quotes``, a periodic job) and an expired offer cannot be accepted;
- at most QUOTE_MAX_ROUNDS (default 3) requests (the first one and the counters);
- a price offered above the product's list price is flagged, to the purchaser and to the
  approver;
- the quote is a state machine (``TRANSITIONS``) moved by a guarded UPDATE
  (``WHERE state = :old``): two people acting at once cannot both succeed;
- accepting places the department order at the offered prices (stock taken then), which
  waits for the approver like any department order; the negotiation record (Berita Acara
  Negosiasi) is issued with a verification code;
- every step writes a round of the history, an audit entry, notifies the other side,
  commits once.
"""
from __future__ import annotations

import hmac
import re
import secrets
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import clock
from app.authz import is_approver, is_purchaser
from app.extensions import db
from app.i18n import local_date, rupiah
from app.models import (
    TIME_WINDOWS,
    CartItem,
    CheckoutAttempt,
    Order,
    OrderItem,
    Quote,
    QuoteLine,
    QuoteRound,
    QuoteState,
)
from app.orm import rows_matched
from app.services import Conflict, Invalid, NotAllowed, NotFound, audit
from app.services import cart as cart_service
from app.services import notifications as notify
from app.services import procurement
from app.services.order_flow import add_event, take_stock
from app.authz import store_ids_of
from app.urls import path_for

Q = QuoteState
# state -> {action: (new state, who may do it)}
TRANSITIONS = {
    Q.REQUESTED: {"offer": (Q.OFFERED, "store"), "decline": (Q.DECLINED, "store"),
                  "withdraw": (Q.WITHDRAWN, "buyer"), "expire": (Q.EXPIRED, "system")},
    Q.OFFERED: {"accept": (Q.ACCEPTED, "buyer"), "counter": (Q.REQUESTED, "buyer"),
                "withdraw": (Q.WITHDRAWN, "buyer"), "expire": (Q.EXPIRED, "system")},
    Q.ACCEPTED: {},
    Q.DECLINED: {},
    Q.WITHDRAWN: {},
    Q.EXPIRED: {},
}
OPEN_STATES = (Q.REQUESTED, Q.OFFERED)
MAX_PRICE = 1_000_000_000
MAX_ANSWER_DAYS = 30

notify.KIND_TEXTS.update({
    "quote_requested": _l("%(buyer)s (%(department)s) asks for a quote %(number)s: answer by %(date)s."),
    "quote_offered": _l("%(store)s made an offer on quote %(number)s: %(total)s, valid until %(date)s."),
    "quote_countered": _l("%(buyer)s made a counter-offer on quote %(number)s."),
    "quote_accepted": _l("%(buyer)s accepted your offer on quote %(number)s: order %(order)s waits for approval."),
    "quote_closed": _l("Quote %(number)s is closed: %(state)s."),
})


def max_rounds() -> int:
    return int(current_app.config.get("QUOTE_MAX_ROUNDS", 3))


def offer_valid_days() -> int:
    return int(current_app.config.get("QUOTE_OFFER_VALID_DAYS", 7))


# ------------------------------------------------------------------ loading with permission

_LOAD = (db.selectinload(Quote.lines).joinedload(QuoteLine.product),
         db.selectinload(Quote.history).joinedload(QuoteRound.actor),
         db.joinedload(Quote.store), db.joinedload(Quote.buyer), db.joinedload(Quote.department))


def _load(quote_id):
    return db.session.execute(db.select(Quote).where(Quote.id == quote_id).options(*_LOAD)).unique() \
        .scalar_one_or_none()


def side_of(user, quote) -> str | None:
    """buyer (the purchaser who asked), store (a member), approver (of the department), or None."""
    if quote.buyer_id == user.id:
        return "buyer"
    if quote.store_id in store_ids_of(user):
        return "store"
    if is_approver(user, quote.department_id):
        return "approver"
    return None


def get_quote_for(user, quote_id):
    quote = _load(quote_id)
    if quote is None or side_of(user, quote) is None:
        raise NotFound(_("This quote does not exist."))
    return quote


def quote_of_order(order_id):
    return db.session.execute(db.select(Quote).where(Quote.order_id == order_id).options(*_LOAD)).unique() \
        .scalar_one_or_none()


def quotes_of_buyer(user):
    return db.session.execute(
        db.select(Quote).where(Quote.buyer_id == user.id).options(*_LOAD)
        .order_by(Quote.created_at.desc(), Quote.id.desc())
    ).unique().scalars().all()


def quotes_of_store(user):
    ids = store_ids_of(user)
    if not ids:
        return []
    return db.session.execute(
        db.select(Quote).where(Quote.store_id.in_(ids)).options(*_LOAD)
        .order_by(Quote.state.not_in(OPEN_STATES), Quote.created_at.desc(), Quote.id.desc())
    ).unique().scalars().all()


def open_count_for_store(user) -> int:
    ids = store_ids_of(user)
    if not ids:
        return 0
    return db.session.execute(db.select(db.func.count(Quote.id)).where(
        Quote.store_id.in_(ids), Quote.state == Q.REQUESTED)).scalar_one()


def allowed(quote, side) -> list[str]:
    return [a for a, (_new, who) in TRANSITIONS.get(quote.state, {}).items() if who == side]


def above_list_lines(quote) -> list[QuoteLine]:
    """The lines offered above the product's list price (flagged to the approver)."""
    return [line for line in quote.lines if line.above_list]


# ------------------------------------------------------------------ checks

def _price(value, name):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise Invalid(_("The price of %(name)s must be a whole rupiah amount above zero.", name=name))
    if value > MAX_PRICE:
        raise Invalid(_("The price of %(name)s is too large.", name=name))
    return value


def _note(note):
    note = (note or "").strip()
    if len(note) > 1000:
        raise Invalid(_("Keep the note under 1000 characters."))
    return note


def _move(quote, action, side):
    step = TRANSITIONS.get(quote.state, {}).get(action)
    if step is None or step[1] != side:
        from app.labels import QUOTE_STATE_LABELS

        raise Conflict(_("Quote %(number)s cannot be changed this way: it is %(state)s.", number=quote.number,
                         state=QUOTE_STATE_LABELS.get(quote.state, quote.state)))
    old, new = quote.state, step[0]
    result = db.session.execute(
        db.update(Quote).where(Quote.id == quote.id, Quote.state == old)
        .values(state=new, updated_at=clock.now()).execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        db.session.rollback()
        raise Conflict(_("Quote %(number)s was changed by someone else just now. Reload the page.",
                         number=quote.number))
    quote.state = new
    if new not in OPEN_STATES:
        quote.closed_at = clock.now()
    return old, new


def _round(quote, side, action, actor, note="", prices=None, valid_until=None):
    prices = prices or {}
    total = sum(prices.get(line.id, 0) * line.quantity for line in quote.lines) if prices else 0
    row = QuoteRound(round=quote.rounds, side=side, action=action, actor_id=getattr(actor, "id", None),
                     note=note, prices={str(k): v for k, v in prices.items()}, total=total, valid_until=valid_until)
    quote.history.append(row)
    return row


# ------------------------------------------------------------------ the purchaser asks

def check_delivery(data: dict):
    """The delivery a quote's order will have: an office address, a day from tomorrow, a window."""
    address = (data.get("delivery_address") or "").strip()
    if len(address) < 10 or len(address) > 300:
        raise Invalid(_("Enter the delivery address (10 to 300 characters)."))
    day = data.get("requested_date")
    if not isinstance(day, date) or day <= clock.today():
        raise Invalid(_("Choose a delivery day from tomorrow."))
    if data.get("time_window") not in TIME_WINDOWS:
        raise Invalid(_("Choose a delivery time window."))


def request_quote(purchaser, store_id, lines: dict, note, answer_by: date | None, order_data: dict):
    """Ask a store for a quote on the purchaser's cart lines of that store. ``lines``:
    {product id: (quantity, requested unit price)}; ``order_data``: the budget line
    (kode_rup, kode_rekening, purpose) and delivery (delivery_address, requested_date,
    time_window, contact_phone). The lines leave the cart. Commits."""
    if not is_purchaser(purchaser):
        raise NotAllowed(_("Only a purchaser (PP) of your department can ask for a quote."))
    view = cart_service.view(purchaser, images=False)
    group = next((g for g in view.groups if g.store.id == store_id), None)
    if group is None:
        raise NotFound(_("Your cart has nothing from this store."))
    if not isinstance(answer_by, date) or answer_by <= clock.today():
        raise Invalid(_("Choose the day by which the store should answer, from tomorrow."))
    if answer_by > clock.today() + timedelta(days=MAX_ANSWER_DAYS):
        raise Invalid(_("The store should answer within %(days)s days.", days=MAX_ANSWER_DAYS))
    note = _note(note)
    quote = Quote(buyer_id=purchaser.id, department_id=purchaser.department_id, store_id=store_id,
                  state=Q.REQUESTED, note=note, answer_by=answer_by, rounds=1)
    wanted = dict(lines or {})
    for line in group.lines:
        product = line.product
        if product.id not in wanted:
            continue
        quantity, price = wanted.pop(product.id)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1 or quantity > 1_000_000:
            raise Invalid(_("Enter the quantity of %(name)s, 1 or more.", name=product.name))
        if not line.visible:
            raise Invalid(_("%(name)s is no longer available.", name=product.name))
        _price(price, product.name)
        quote.lines.append(QuoteLine(product_id=product.id, name=product.name, unit=product.unit,
                                     list_price=product.price, quantity=quantity, requested_price=price))
    if wanted:
        raise Invalid(_("Ask only for products in your cart from this store."))
    if not quote.lines:
        raise Invalid(_("Ask for at least one product."))
    data = dict(order_data or {})
    procurement.check_department_checkout(purchaser, quote.requested_total(), data)
    check_delivery(data)
    data["requested_date"] = data["requested_date"].isoformat()
    quote.order_data = {k: (v.strip()[:300] if isinstance(v, str) else v) for k, v in data.items()}
    db.session.add(quote)
    db.session.flush()
    quote.number = f"RFQ-{clock.local_now().year}-{quote.id:06d}"
    _round(quote, "buyer", "request", purchaser, note, {line.id: line.requested_price for line in quote.lines})
    assert view.cart is not None  # a view with a group has its cart
    db.session.execute(db.delete(CartItem).where(
        CartItem.cart_id == view.cart.id, CartItem.product_id.in_([line.product_id for line in quote.lines])))
    audit.record(purchaser, "quote.request", quote, after={
        "store": store_id, "answer_by": answer_by.isoformat(), "total": quote.requested_total(),
        "lines": [[line.product_id, line.quantity, line.requested_price] for line in quote.lines]})
    _tell_store(quote, "quote_requested", date=local_date(answer_by))
    db.session.commit()
    return quote


# ------------------------------------------------------------------ the store answers

def _for_store(seller, quote_id):
    """A quote to one of ``seller``'s stores; any other is not found (404)."""
    quote = _load(quote_id)
    if quote is None or quote.store_id not in store_ids_of(seller):
        raise NotFound(_("This quote does not exist."))
    return quote


def make_offer(seller, quote_id, prices: dict, valid_until: date | None, note=""):
    """The store offers a unit price per line, valid until a day. Commits."""
    quote = _for_store(seller, quote_id)
    if quote.state == Q.REQUESTED and quote.answer_by < clock.today():
        raise Conflict(_("Quote %(number)s has expired: it was to be answered by %(date)s.", number=quote.number,
                         date=local_date(quote.answer_by)))
    today = clock.today()
    if not isinstance(valid_until, date) or valid_until < today:
        raise Invalid(_("Say until which day the offer is valid, from today."))
    if valid_until > today + timedelta(days=offer_valid_days()):
        raise Invalid(_("An offer is valid for at most %(days)s days.", days=offer_valid_days()))
    note = _note(note)
    offered = {}
    for line in quote.lines:
        offered[line.id] = _price(prices.get(line.id), line.name)
    old, new = _move(quote, "offer", "store")
    for line in quote.lines:
        line.offered_price = offered[line.id]
    quote.valid_until = valid_until
    row = _round(quote, "store", "offer", seller, note, offered, valid_until)
    flagged = [line.name for line in above_list_lines(quote)]
    audit.record(seller, "quote.offer", quote, before={"state": old}, after={
        "state": new, "total": row.total, "valid_until": valid_until.isoformat(), "above_list": flagged})
    _tell_buyer(quote, "quote_offered", total=rupiah(row.total), date=local_date(valid_until))
    db.session.commit()
    return quote


def decline_quote(seller, quote_id, note):
    quote = _for_store(seller, quote_id)
    note = _note(note)
    if not note:
        raise Invalid(_("Give a reason for declining."))
    old, new = _move(quote, "decline", "store")
    _round(quote, "store", "decline", seller, note)
    audit.record(seller, "quote.decline", quote, before={"state": old}, after={"state": new}, note=note)
    _tell_buyer(quote, "quote_closed", state=_("declined by the store"))
    db.session.commit()
    return quote


# ------------------------------------------------------------------ the purchaser decides

def _for_purchaser(user, quote_id):
    quote = get_quote_for(user, quote_id)  # a stranger: 404
    if quote.buyer_id != user.id or not is_purchaser(user):
        raise NotAllowed(_("Only the purchaser who asked for quote %(number)s can do this.", number=quote.number))
    return quote


def _offer_expired(quote) -> bool:
    return quote.state == Q.OFFERED and quote.valid_until is not None and quote.valid_until < clock.today()


def counter_offer(purchaser, quote_id, prices: dict, note=""):
    """The purchaser asks again with other unit prices (a new round). Commits."""
    quote = _for_purchaser(purchaser, quote_id)
    if _offer_expired(quote):
        raise Conflict(_("The offer on quote %(number)s expired on %(date)s.", number=quote.number,
                         date=local_date(quote.valid_until)))
    if quote.rounds >= max_rounds():
        raise Conflict(_("Quote %(number)s has had its %(rounds)s rounds: accept the offer or withdraw.",
                         number=quote.number, rounds=max_rounds()))
    note = _note(note)
    asked = {line.id: _price(prices.get(line.id), line.name) for line in quote.lines}
    old, new = _move(quote, "counter", "buyer")
    quote.rounds += 1
    for line in quote.lines:
        line.requested_price = asked[line.id]
    row = _round(quote, "buyer", "counter", purchaser, note, asked)
    audit.record(purchaser, "quote.counter", quote, before={"state": old},
                 after={"state": new, "round": quote.rounds, "total": row.total})
    _tell_store(quote, "quote_countered")
    db.session.commit()
    return quote


def withdraw_quote(purchaser, quote_id, note=""):
    quote = _for_purchaser(purchaser, quote_id)
    note = _note(note)
    old, new = _move(quote, "withdraw", "buyer")
    _round(quote, "buyer", "withdraw", purchaser, note)
    audit.record(purchaser, "quote.withdraw", quote, before={"state": old}, after={"state": new}, note=note)
    _tell_store(quote, "quote_closed", state=_("withdrawn by the purchaser"))
    db.session.commit()
    return quote


def accept_offer(purchaser, quote_id):
    """The purchaser accepts the store's offer: the department order is placed at the
    offered prices and waits for the approver; the negotiation record is issued. Commits."""
    quote = _for_purchaser(purchaser, quote_id)
    if _offer_expired(quote):
        raise Conflict(_("The offer on quote %(number)s expired on %(date)s: ask the store again.",
                         number=quote.number, date=local_date(quote.valid_until)))
    data = dict(quote.order_data or {})
    total = quote.offered_total()
    procurement.check_department_checkout(purchaser, total, data)
    old, new = _move(quote, "accept", "buyer")
    for line in sorted(quote.lines, key=lambda ln: ln.product_id or 0):
        if line.product_id is None or not take_stock(line.product_id, line.quantity):
            db.session.rollback()
            raise Conflict(_("%(name)s is out of stock for %(quantity)s: ask the store, or withdraw.",
                             name=line.name, quantity=line.quantity))
    order = _place_order(purchaser, quote, data, total)
    year = clock.local_now().year
    quote.order_id = order.id
    quote.ba_number = f"{quote.id:06d}/BANEG/{quote.department.code}/{year}"
    quote.ba_code = procurement.document_code("ba_negosiasi", quote.ba_number)
    _round(quote, "buyer", "accept", purchaser, "", {line.id: line.offered_price for line in quote.lines})
    audit.record(purchaser, "quote.accept", quote, before={"state": old},
                 after={"state": new, "order": order.number, "total": total, "ba_number": quote.ba_number})
    _tell_store(quote, "quote_accepted", order=order.number)
    db.session.commit()
    return quote


def _place_order(purchaser, quote, data, total):
    """The department order at the agreed prices (stock already taken), waiting for approval."""
    attempt = CheckoutAttempt(buyer_id=purchaser.id, idempotency_key=f"quote-{quote.id}-{secrets.token_hex(8)}",
                              payment_method="department", total=total, state="placed",
                              payment_data={k: data.get(k, "") for k in ("kode_rup", "kode_rekening", "purpose")})
    db.session.add(attempt)
    order = Order(buyer_id=purchaser.id, store_id=quote.store_id, checkout_attempt=attempt,
                  state="awaiting_approval", payment_method="department", payment_state="due",
                  delivery_method="office", delivery_address=data.get("delivery_address", ""),
                  contact_phone=(data.get("contact_phone") or purchaser.phone or "")[:30],
                  requested_date=date.fromisoformat(data["requested_date"]), time_window=data["time_window"],
                  note=_("Price agreed in quote %(number)s.", number=quote.number), subtotal=total, total=total)
    for line in quote.lines:
        order.items.append(OrderItem(product_id=line.product_id, name=line.name, unit=line.unit,
                                     unit_price=line.offered_price, quantity=line.quantity,
                                     line_total=line.offered_price * line.quantity))
    db.session.add(order)
    db.session.flush()
    order.number = f"PKB-{clock.local_now().year}-{order.id:06d}"
    add_event(order, "place", None, order.state, purchaser, _("Price agreed in quote %(number)s.",
                                                              number=quote.number))
    audit.record(purchaser, "order.place", order, after={
        "state": order.state, "total": total, "payment_method": "department", "quote": quote.number,
        "items": [[i.product_id, i.quantity, i.unit_price] for i in order.items]})
    procurement.open_purchases(attempt, [order])
    return order


# ------------------------------------------------------------------ the clock

def expire_quotes(now=None) -> int:
    """Close the quotes the store did not answer by their day, and the offers past their
    validity. Commits per quote. Returns the count."""
    today = (now or clock.now()).astimezone(clock.LOCAL_TZ).date()
    ids = db.session.execute(db.select(Quote.id).where(
        ((Quote.state == Q.REQUESTED) & (Quote.answer_by < today))
        | ((Quote.state == Q.OFFERED) & (Quote.valid_until < today))).order_by(Quote.id)).scalars().all()
    done = 0
    with notify.request_context():
        for quote_id in ids:
            quote = _load(quote_id)
            try:
                old, new = _move(quote, "expire", "system")
            except Conflict:
                continue
            _round(quote, "system", "expire", None)
            audit.record(None, "quote.expire", quote, before={"state": old}, after={"state": new})
            _tell_buyer(quote, "quote_closed", state=_("expired"))
            db.session.commit()
            done += 1
    return done


# ------------------------------------------------------------------ the record

def verify(code):
    """The public facts of the negotiation record with verification ``code``, or None."""
    code = re.sub(r"[^A-Z2-7]", "", (code or "").upper())
    if len(code) != 10:
        return None
    quote = db.session.execute(db.select(Quote).where(Quote.ba_code == code).options(*_LOAD)).unique() \
        .scalar_one_or_none()
    if quote is None or not hmac.compare_digest(procurement.document_code("ba_negosiasi", quote.ba_number), code):
        return None
    return {"kind": "ba_negosiasi", "title": _("Negotiation record (Berita Acara Negosiasi)"),
            "number": quote.ba_number, "date": quote.closed_at, "department": quote.department.name,
            "store": quote.store.name, "order_number": quote.order.number if quote.order else "",
            "total": quote.offered_total(), "approver": "", "purchaser": quote.buyer.full_name}


def get_record(user, quote_id):
    quote = get_quote_for(user, quote_id)
    if not quote.ba_code:
        raise NotFound(_("This quote has no negotiation record: no offer was accepted."))
    return quote


# ------------------------------------------------------------------ notifications

def _params(quote, **extra):
    return {"number": quote.number, "store": quote.store.name, "buyer": quote.buyer.full_name,
            "department": quote.department.name, **extra}


def _tell_store(quote, kind, **extra):
    link = path_for("procurement.quote", quote_id=quote.id)
    for member in notify.store_people(quote.store_id)[0]:
        notify.add(member, kind, link=link, **_params(quote, **extra))


def _tell_buyer(quote, kind, **extra):
    notify.add(quote.buyer, kind, link=path_for("procurement.quote", quote_id=quote.id), **_params(quote, **extra))

