"""The admin's tax rules: dated data, never code.

Rules kept here:
- only the programme admin adds or changes rules and sets a category's tax kind;
- a rule names its tax, what it applies to (goods, service, catering, all), the store it is
  for (PKP or not, with the PP 55/2022 certificate or not), rate, base fraction, threshold,
  legal basis and the days it is in force;
- two rules that could both apply to one line on one day are refused; except that a new rule
  starting in the future ends the open-ended rule it replaces the day before it starts;
- a rule an issued invoice used is never edited (the invoice keeps it): add a new dated rule;
- every change writes the audit log and commits once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _

from app import clock
from app.extensions import db
from app.i18n import local_date
from app.labels import TAX_KIND_LABELS, TAX_LABELS
from app.models import (RULE_APPLIES_TO, STORE_CERTIFICATE, STORE_VAT, TAX_CODES, TAX_KINDS, Category,
                        InvoiceTaxLine, TaxRule)
from app.services import Conflict, Invalid, NotAllowed, NotFound, audit
from app.services import tax as calc
from app.services.tax_defaults import DEFAULT_RULES

FIELDS = ("tax", "applies_to", "store_vat", "store_certificate", "rate_bp", "base_num", "base_den", "threshold",
          "legal_basis", "effective_from", "effective_until")


@dataclass
class RuleInput:
    tax: str
    applies_to: str
    store_vat: str
    store_certificate: str
    rate_bp: int | None
    base_num: int | None
    base_den: int | None
    threshold: int | None
    legal_basis: str | None
    effective_from: date | None
    effective_until: date | None
    id: int = 0


def _admin(actor):
    if not actor.has_role("admin"):
        raise NotAllowed(_("Only the programme admin manages tax rules."))


def all_rules_ordered():
    return db.session.execute(
        db.select(TaxRule).order_by(TaxRule.tax, TaxRule.applies_to, TaxRule.effective_from)
    ).scalars().all()


def used_rule_ids() -> set[int]:
    return set(db.session.execute(db.select(InvoiceTaxLine.rule_id).distinct()).scalars())


def _checked(data: RuleInput) -> RuleInput:
    if data.tax not in TAX_CODES:
        raise Invalid(_("Choose the tax."))
    if data.applies_to not in RULE_APPLIES_TO or data.store_vat not in STORE_VAT \
            or data.store_certificate not in STORE_CERTIFICATE:
        raise Invalid(_("Choose what the rule applies to and for which stores."))
    if data.rate_bp is None or not 0 < data.rate_bp <= 10000:
        raise Invalid(_("The rate is more than 0 and at most 10000 hundredths of a percent (12 percent is 1200)."))
    num, den = data.base_num or 1, data.base_den or 1
    if not 0 < num <= den <= 1000:
        raise Invalid(_("The base is a fraction of the price of at most 1, e.g. 11/12."))
    data.base_num, data.base_den = num, den
    data.threshold = data.threshold or 0
    if data.threshold < 0:
        raise Invalid(_("The threshold cannot be negative."))
    data.legal_basis = (data.legal_basis or "").strip()
    if not data.legal_basis or len(data.legal_basis) > 200:
        raise Invalid(_("Name the regulation the rule comes from (at most 200 characters)."))
    if not isinstance(data.effective_from, date):
        raise Invalid(_("Enter the day the rule starts."))
    if data.effective_until is not None and data.effective_until < data.effective_from:
        raise Invalid(_("The rule cannot end before it starts."))
    return data


def _clashes(candidate, exclude_id=None):
    return [r for r in db.session.execute(db.select(TaxRule)).scalars()
            if r.id != exclude_id and calc.conditions_overlap(candidate, r)]


def _describe(rule) -> str:
    until = local_date(rule.effective_until) if rule.effective_until else "…"
    return f"{TAX_LABELS[rule.tax]}, {TAX_KIND_LABELS[rule.applies_to]}, {local_date(rule.effective_from)}–{until}"


def add_rule(actor, data: RuleInput) -> TaxRule:
    """Add a dated rule. One that starts after today may replace an open-ended rule of the
    same case: that rule then ends the day before."""
    _admin(actor)
    data = _checked(data)
    start: date = data.effective_from  # type: ignore[assignment]  # checked above
    clashes = _clashes(data)
    closing = []
    for rule in clashes:
        replaceable = (rule.effective_until is None and rule.effective_from < start and start > clock.today())
        if not replaceable:
            raise Conflict(_("This rule overlaps %(rule)s: two rules would apply to the same sale on the same day. "
                             "End that rule or pick other days.", rule=_describe(rule)))
        closing.append(rule)
    for rule in closing:
        audit.record(actor, "tax_rule.end", rule, before={"effective_until": None},
                     after={"effective_until": (start - timedelta(days=1)).isoformat()})
        rule.effective_until = start - timedelta(days=1)
    rule = TaxRule(**{f: getattr(data, f) for f in FIELDS}, created_by_id=actor.id, created_at=clock.now())
    db.session.add(rule)
    db.session.flush()
    audit.record(actor, "tax_rule.add", rule, after=_snapshot(rule))
    db.session.commit()
    return rule


def update_rule(actor, rule_id, data: RuleInput) -> TaxRule:
    """Change a rule no invoice has used yet."""
    _admin(actor)
    rule = db.session.get(TaxRule, rule_id)
    if rule is None:
        raise NotFound(_("This tax rule does not exist."))
    if rule.id in used_rule_ids():
        raise Conflict(_("Issued invoices used this rule, so it stays as it is. "
                         "Add a new rule with the day the change starts."))
    data = _checked(data)
    clash = _clashes(data, exclude_id=rule.id)
    if clash:
        raise Conflict(_("This rule overlaps %(rule)s: two rules would apply to the same sale on the same day. "
                         "End that rule or pick other days.", rule=_describe(clash[0])))
    before = _snapshot(rule)
    for f in FIELDS:
        setattr(rule, f, getattr(data, f))
    audit.record(actor, "tax_rule.update", rule, before=before, after=_snapshot(rule))
    db.session.commit()
    return rule


def _snapshot(rule) -> dict:
    values = {f: getattr(rule, f) for f in FIELDS}
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()}


def set_category_tax_kind(actor, category_id, kind) -> Category:
    _admin(actor)
    category = db.session.get(Category, category_id)
    if category is None:
        raise NotFound(_("This category does not exist."))
    if kind not in TAX_KINDS:
        raise Invalid(_("Choose goods, service or catering."))
    before = {"tax_kind": category.tax_kind}
    category.tax_kind = kind
    audit.record(actor, "category.tax_kind", category, before=before, after={"tax_kind": kind})
    db.session.commit()
    return category


def seed_default_rules() -> int:
    """Add the default rules (app.services.tax_defaults) that are missing, by their case
    and start day. Idempotent; no commit."""
    have = {(r.tax, r.applies_to, r.store_vat, r.store_certificate, r.effective_from)
            for r in db.session.execute(db.select(TaxRule)).scalars()}
    added = 0
    for values in DEFAULT_RULES:
        key = (values["tax"], values["applies_to"], values["store_vat"], values["store_certificate"],
               values["effective_from"])
        if key not in have:
            db.session.add(TaxRule(**values, created_at=clock.now()))
            have.add(key)
            added += 1
    return added
