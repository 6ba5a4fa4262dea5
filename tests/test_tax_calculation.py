"""The tax of a department invoice from the default dated rules: table-driven, no database
(app.services.tax is pure)."""
from datetime import date
from types import SimpleNamespace

import pytest

from app.services import tax
from app.services.tax import Line, StoreProfile
from app.services.tax_defaults import DEFAULT_RULES


def Rule(**fields):  # noqa: N802 - stands in for the TaxRule model (tax.RuleLike)
    return SimpleNamespace(**fields)


RULES = [Rule(id=i + 1, **r) for i, r in enumerate(DEFAULT_RULES)]
PKP = StoreProfile(pkp=True)
NON_PKP = StoreProfile(pkp=False)
PKP_CERT = StoreProfile(pkp=True, certificate=True)
NON_PKP_CERT = StoreProfile(pkp=False, certificate=True)
Y2026 = date(2026, 12, 6)
Y2024 = date(2024, 6, 3)

# (case, profile, lines, day, gross, dpp, ppn, withheld income tax, net payable, {tax: amount withheld})
CASES = [
    # PKP, goods above the threshold, 2026: DPP 11/12 of the price, PPN 12 % (= 11 % of the price),
    # PPh 22 1.5 % of the price; the treasurer collects both.
    ("pkp goods above 2025", PKP, [Line("goods", 11_100_000)], Y2026,
     11_100_000, 9_166_667, 1_100_000, 150_000, 9_850_000, {"ppn": 1_100_000, "pph22": 150_000}),
    # The same sale before 2025: DPP is the price itself, PPN 11 %: the same PPN, another DPP.
    ("pkp goods above 2024", PKP, [Line("goods", 11_100_000)], Y2024,
     11_100_000, 10_000_000, 1_100_000, 150_000, 9_850_000, {"ppn": 1_100_000, "pph22": 150_000}),
    # Below the threshold: PPN is in the price but the store pays it; no PPh 22.
    ("pkp goods below", PKP, [Line("goods", 1_110_000)], Y2026,
     1_110_000, 916_667, 110_000, 0, 1_110_000, {"ppn": 0}),
    # Exactly at the threshold is still "at most": nothing collected.
    ("pkp goods at threshold", PKP, [Line("goods", 2_000_000)], Y2026,
     2_000_000, 1_651_652, 198_198, 0, 2_000_000, {"ppn": 0}),
    # Non-PKP: no PPN at all; PPh 22 on the whole price above the threshold.
    ("non-pkp goods above", NON_PKP, [Line("goods", 5_000_000)], Y2026,
     5_000_000, 5_000_000, 0, 75_000, 4_925_000, {"pph22": 75_000}),
    ("non-pkp goods below", NON_PKP, [Line("goods", 500_000)], Y2026,
     500_000, 500_000, 0, 0, 500_000, {}),
    # A certificate holder: the final 0.5 % instead of PPh 22 (and of PPh 23 on services).
    ("non-pkp goods certificate", NON_PKP_CERT, [Line("goods", 5_000_000)], Y2026,
     5_000_000, 5_000_000, 0, 25_000, 4_975_000, {"pph_final": 25_000}),
    ("pkp goods certificate", PKP_CERT, [Line("goods", 11_100_000)], Y2026,
     11_100_000, 9_166_667, 1_100_000, 50_000, 9_950_000, {"ppn": 1_100_000, "pph_final": 50_000}),
    ("non-pkp service certificate", NON_PKP_CERT, [Line("service", 1_000_000)], Y2026,
     1_000_000, 1_000_000, 0, 5_000, 995_000, {"pph_final": 5_000}),
    # Services: PPh 23 2 %, no threshold; PKP adds PPN, collected above the threshold.
    ("non-pkp service small", NON_PKP, [Line("service", 1_000_000)], Y2026,
     1_000_000, 1_000_000, 0, 20_000, 980_000, {"pph23": 20_000}),
    ("pkp service above", PKP, [Line("service", 3_330_000)], Y2026,
     3_330_000, 2_750_000, 330_000, 60_000, 2_940_000, {"ppn": 330_000, "pph23": 60_000}),
    # Catering: the regional tax (10 %, the store pays it) replaces PPN, even for a PKP;
    # PPh 23 2 % on the price before it.
    ("pkp catering", PKP, [Line("catering", 2_200_000)], Y2026,
     2_200_000, 2_000_000, 0, 40_000, 2_160_000, {"pbjt": 0, "pph23": 40_000}),
    ("catering certificate", NON_PKP_CERT, [Line("catering", 2_200_000)], Y2026,
     2_200_000, 2_000_000, 0, 10_000, 2_190_000, {"pbjt": 0, "pph_final": 10_000}),
    # The journey's invoice: meeting snacks (goods) and catering from one PKP store; the
    # threshold is on the whole invoice, so the snacks' PPN and PPh 22 are collected too.
    ("pkp snacks and catering", PKP, [Line("goods", 1_110_000), Line("catering", 2_200_000)], Y2026,
     3_310_000, 916_667, 110_000, 55_000, 3_145_000, {"ppn": 110_000, "pph22": 15_000, "pbjt": 0, "pph23": 40_000}),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_invoice_tax(case):
    _name, profile, lines, day, gross, dpp, ppn, income, net, withheld = case
    result = tax.compute(lines, profile, RULES, day)
    assert (result.gross, result.dpp, result.ppn, result.income_tax, result.net_payable) == (
        gross, dpp, ppn, income, net)
    assert {t.tax: t.withheld for t in result.lines} == withheld
    # The price and the taxes in it add up to the gross, to the rupiah.
    assert result.price + sum(t.amount for t in result.lines if t.in_price) == result.gross
    assert all(t.legal_basis for t in result.lines)


def test_threshold_is_on_the_whole_purchase_not_split():
    """Two invoices of Rp 1.110.000 of one package (Rp 2.220.000) are taxed as one."""
    alone = tax.compute([Line("goods", 1_110_000)], PKP, RULES, Y2026)
    split = tax.compute([Line("goods", 1_110_000)], PKP, RULES, Y2026, package_gross=2_220_000)
    assert alone.withheld == 0
    assert split.ppn == 110_000 and split.withheld == 110_000 + 15_000


def test_a_future_rule_applies_from_its_start_only():
    later = Rule(id=99, tax="pph22", applies_to="goods", store_vat="any", store_certificate="without",
                 rate_bp=250, base_num=1, base_den=1, threshold=2_000_000, legal_basis="future",
                 effective_from=date(2027, 1, 1), effective_until=None)
    rules = [r if r.tax != "pph22" else Rule(**{**r.__dict__, "effective_until": date(2026, 12, 31)})
             for r in RULES] + [later]
    assert tax.compute([Line("goods", 5_000_000)], NON_PKP, rules, date(2026, 12, 31)).income_tax == 75_000
    assert tax.compute([Line("goods", 5_000_000)], NON_PKP, rules, date(2027, 1, 1)).income_tax == 125_000


def test_no_rules_no_tax():
    result = tax.compute([Line("goods", 123_456)], PKP, [], Y2026)
    assert (result.withheld, result.net_payable, result.lines) == (0, 123_456, [])


OVERLAPS = [
    # (a, b, overlap?)
    ({}, {}, True),
    ({}, {"effective_from": date(2030, 1, 1)}, True),  # open-ended a reaches 2030
    ({"effective_until": date(2025, 12, 31)}, {"effective_from": date(2026, 1, 1)}, False),
    ({}, {"store_certificate": "with"}, False),
    ({}, {"applies_to": "all"}, True),
    ({}, {"tax": "ppn"}, False),  # another family
    ({}, {"tax": "pph_final", "store_certificate": "any"}, True),
]


@pytest.mark.parametrize("a,b,expected", OVERLAPS)
def test_overlapping_rules(a, b, expected):
    base = next(r for r in DEFAULT_RULES if r["tax"] == "pph22")
    first = Rule(id=1, **{**base, **a})
    second = Rule(id=2, **{**base, **b})
    assert tax.conditions_overlap(first, second) is expected


TERBILANG = [
    (0, "nol"), (1, "satu"), (11, "sebelas"), (15, "lima belas"), (20, "dua puluh"), (99, "sembilan puluh sembilan"),
    (100, "seratus"), (110, "seratus sepuluh"), (250, "dua ratus lima puluh"), (1000, "seribu"),
    (1500, "seribu lima ratus"), (25_000, "dua puluh lima ribu"), (100_000, "seratus ribu"),
    (1_000_000, "satu juta"), (3_143_500, "tiga juta seratus empat puluh tiga ribu lima ratus"),
    (2_000_000_000, "dua miliar"),
]


@pytest.mark.parametrize("amount,words", TERBILANG)
def test_terbilang(amount, words):
    assert tax.terbilang(amount) == words


@pytest.mark.parametrize("bp,text", [(1200, "12"), (150, "1,5"), (50, "0,5"), (1000, "10"), (225, "2,25")])
def test_percent(bp, text):
    assert tax.percent(bp) == text
