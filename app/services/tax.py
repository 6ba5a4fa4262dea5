"""The tax of a department invoice, from dated rules: pure functions, no database.

Rules kept here:
- prices are what the store asks, taxes in the price included (as on e-Katalog): a line's
  *gross*. A consumption tax in the price (PPN of a PKP store; the regional tax on food and
  drink, PBJT, on catering) is taken out of it: price = gross / (1 + rate × base fraction),
  DPP = price × base fraction (11/12 for PPN from 2025), tax = rate × DPP, and
  price + tax = gross to the rupiah;
- an income tax is rate × (price × its base fraction): PPh 22 on goods, PPh 23 on services
  such as catering, or the final 0.5 % instead for a store holding the PP 55/2022 surat
  keterangan;
- of each family (in the price / income) one rule applies to a line: the most specific rule
  in force on the day that matches the line's kind and the store's profile (PKP or not,
  certificate or not); a non-PKP store matches no PPN rule and charges none;
- the treasurer collects PPN and withholds income tax only when the whole invoice (its
  package, never split into smaller ones) is above the rule's threshold; below it PPN is
  still in the price, paid to the state by the store itself, and no income tax is taken;
- the regional tax is never withheld by the treasurer: the store pays it to the city;
- the net payable to the store is the gross less what the treasurer withholds or collects.
Amounts are whole rupiah, rounded half up.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Protocol

# Taxes the department's treasurer collects or withholds from the payment (the regional
# tax on food and drink is the store's to pay to the city).
COLLECTED_BY_TREASURER = frozenset({"ppn", "pph22", "pph23", "pph_final"})
PRICE_TAXES = frozenset({"ppn", "pbjt"})


class RuleLike(Protocol):
    id: int
    tax: str
    applies_to: str
    store_vat: str
    store_certificate: str
    rate_bp: int
    base_num: int
    base_den: int
    threshold: int
    legal_basis: str
    effective_from: date
    effective_until: date | None


@dataclass(frozen=True)
class StoreProfile:
    """What the tax of a store's sale depends on, on one day."""

    pkp: bool = False
    certificate: bool = False  # PP 55/2022 surat keterangan, valid on the day
    npwp: str = ""


@dataclass(frozen=True)
class Line:
    """A line of the invoice for tax: what is sold (goods, service, catering) and its gross."""

    kind: str
    gross: int


@dataclass
class TaxLine:
    tax: str
    applies_to: str
    rule_id: int
    base: int
    rate_bp: int
    amount: int
    in_price: bool
    withheld: int
    legal_basis: str


@dataclass
class Breakdown:
    gross: int = 0
    price: int = 0  # the gross less the taxes in the price
    lines: list[TaxLine] = field(default_factory=list)

    def _sum(self, attr, taxes=None) -> int:
        return sum(getattr(t, attr) for t in self.lines if taxes is None or t.tax in taxes)

    @property
    def dpp(self) -> int:
        """The PPN base (DPP) of the invoice; for a sale without PPN, its price."""
        ppn = [t for t in self.lines if t.tax == "ppn"]
        return sum(t.base for t in ppn) if ppn else self.price

    @property
    def ppn(self) -> int:
        return self._sum("amount", {"ppn"})

    @property
    def income_tax(self) -> int:
        return self._sum("withheld", {"pph22", "pph23", "pph_final"})

    @property
    def withheld(self) -> int:
        return self._sum("withheld")

    @property
    def net_payable(self) -> int:
        return self.gross - self.withheld


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), ROUND_HALF_UP))


def in_force(rule: RuleLike, day: date) -> bool:
    return rule.effective_from <= day and (rule.effective_until is None or day <= rule.effective_until)


def matches(rule: RuleLike, kind: str, profile: StoreProfile) -> bool:
    if rule.applies_to not in (kind, "all"):
        return False
    if rule.store_vat != "any" and rule.store_vat != ("pkp" if profile.pkp else "non_pkp"):
        return False
    if rule.store_certificate != "any" and rule.store_certificate != ("with" if profile.certificate else "without"):
        return False
    return True


def _specificity(rule: RuleLike) -> tuple[int, date]:
    exact = (rule.applies_to != "all") + (rule.store_vat != "any") + (rule.store_certificate != "any")
    return exact, rule.effective_from


def pick(rules: Iterable[RuleLike], taxes: frozenset[str] | set[str], kind: str, profile: StoreProfile,
         day: date) -> RuleLike | None:
    """The rule of ``taxes`` that applies to a ``kind`` line of this store on ``day``."""
    candidates = [r for r in rules if r.tax in taxes and in_force(r, day) and matches(r, kind, profile)]
    return max(candidates, key=_specificity, default=None)


def compute(lines: Iterable[Line], profile: StoreProfile, rules: Iterable[RuleLike], day: date,
            package_gross: int | None = None) -> Breakdown:
    """The tax of an invoice of ``lines`` issued on ``day``. ``package_gross`` is what the
    threshold is compared with: the whole purchase (default: these lines), so a purchase
    split over several invoices is still taxed as one."""
    rules = list(rules)
    by_kind: dict[str, int] = {}
    for line in lines:
        by_kind[line.kind] = by_kind.get(line.kind, 0) + int(line.gross)
    result = Breakdown(gross=sum(by_kind.values()))
    package = result.gross if package_gross is None else package_gross
    income_taxes = frozenset(COLLECTED_BY_TREASURER - PRICE_TAXES)
    for kind, gross in sorted(by_kind.items()):
        price = gross
        price_rule = pick(rules, PRICE_TAXES, kind, profile, day)
        if price_rule is not None and price_rule.rate_bp:
            num, den, rate = price_rule.base_num, price_rule.base_den, price_rule.rate_bp
            before = Decimal(gross) * den * 10000 / (den * 10000 + rate * num)
            base = _round(before * num / den)
            amount = _round(Decimal(base) * rate / 10000)
            price = gross - amount
            collected = price_rule.tax in COLLECTED_BY_TREASURER and package > price_rule.threshold
            result.lines.append(TaxLine(price_rule.tax, kind, price_rule.id, base, rate, amount, True,
                                        amount if collected else 0, price_rule.legal_basis))
        result.price += price
        income_rule = pick(rules, income_taxes, kind, profile, day)
        if income_rule is not None and income_rule.rate_bp and package > income_rule.threshold:
            base = _round(Decimal(price) * income_rule.base_num / income_rule.base_den)
            amount = _round(Decimal(base) * income_rule.rate_bp / 10000)
            result.lines.append(TaxLine(income_rule.tax, kind, income_rule.id, base, income_rule.rate_bp, amount,
                                        False, amount, income_rule.legal_basis))
    return result


def conditions_overlap(a: RuleLike, b: RuleLike) -> bool:
    """Two rules could both apply to one line: same family, overlapping cases and days."""
    from app.models.tax import TAX_FAMILIES

    if TAX_FAMILIES[a.tax] != TAX_FAMILIES[b.tax]:
        return False
    for x, y in ((a.applies_to, b.applies_to), (a.store_vat, b.store_vat),
                 (a.store_certificate, b.store_certificate)):
        if x != y and "all" not in (x, y) and "any" not in (x, y):
            return False
    return periods_overlap(a.effective_from, a.effective_until, b.effective_from, b.effective_until)


def periods_overlap(start_a: date, end_a: date | None, start_b: date, end_b: date | None) -> bool:
    return (end_b is None or start_a <= end_b) and (end_a is None or start_b <= end_a)


def percent(rate_bp: int) -> str:
    """1200 -> '12', 150 -> '1,5', 50 -> '0,5' (Indonesian decimal comma)."""
    whole, rest = divmod(int(rate_bp), 100)
    return f"{whole}" if not rest else f"{whole},{rest:02d}".rstrip("0")


# ------------------------------------------------------------------ terbilang


_ONES = ("", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan", "sepuluh",
         "sebelas")


def terbilang(amount: int) -> str:
    """The amount in Indonesian words, as a kuitansi writes it: 1500 -> 'seribu lima ratus'."""
    n = int(amount)
    if n < 0:
        return "minus " + terbilang(-n)
    if n < 12:
        return _ONES[n] if n else "nol"
    if n < 20:
        return f"{_ONES[n - 10]} belas"
    if n < 100:
        tens, ones = divmod(n, 10)
        return f"{_ONES[tens]} puluh" + (f" {_ONES[ones]}" if ones else "")
    if n < 200:
        return "seratus" + (f" {terbilang(n - 100)}" if n - 100 else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} ratus" + (f" {terbilang(rest)}" if rest else "")
    if n < 2000:
        return "seribu" + (f" {terbilang(n - 1000)}" if n - 1000 else "")
    for size, word in ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (10**3, "ribu")):
        if n >= size:
            head, rest = divmod(n, size)
            return f"{terbilang(head)} {word}" + (f" {terbilang(rest)}" if rest else "")
    raise AssertionError("unreachable")
