"""The tax rules shipped as defaults, one dict a rule (columns of app.models.TaxRule).

Data, not code: ``flask tax seed-rules`` and the demo add the missing ones, and an admin
adds later ones (a change of the law is a new rule with its own start date). Each rule's
``legal_basis`` names where it comes from; the README's tax table cites the sources and the
day they were checked.
"""
from datetime import date
from typing import Any

PPN_THRESHOLD = 2_000_000

DEFAULT_RULES: list[dict[str, Any]] = [
    # PPN 11 % on the price, from 1 April 2022 to the end of 2024.
    *({"tax": "ppn", "applies_to": kind, "store_vat": "pkp", "store_certificate": "any", "rate_bp": 1100,
       "base_num": 1, "base_den": 1, "threshold": PPN_THRESHOLD, "effective_from": date(2022, 4, 1),
       "effective_until": date(2024, 12, 31), "legal_basis": "UU HPP 7/2021; PMK 59/2022"}
      for kind in ("goods", "service")),
    # From 2025: 12 % on a DPP of 11/12 of the price for goods and services that are not luxury goods.
    *({"tax": "ppn", "applies_to": kind, "store_vat": "pkp", "store_certificate": "any", "rate_bp": 1200,
       "base_num": 11, "base_den": 12, "threshold": PPN_THRESHOLD, "effective_from": date(2025, 1, 1),
       "effective_until": None, "legal_basis": "PMK 131/2024; PMK 59/2022"}
      for kind in ("goods", "service")),
    # Catering: the regional tax on food and drink replaces PPN; the store pays it to the city.
    {"tax": "pbjt", "applies_to": "catering", "store_vat": "any", "store_certificate": "any", "rate_bp": 1000,
     "base_num": 1, "base_den": 1, "threshold": 0, "effective_from": date(2024, 1, 5), "effective_until": None,
     "legal_basis": "UU HKPD 1/2022 (PBJT makanan dan minuman)"},
    # Income tax the treasurer collects on goods, above the same threshold, not split.
    {"tax": "pph22", "applies_to": "goods", "store_vat": "any", "store_certificate": "without", "rate_bp": 150,
     "base_num": 1, "base_den": 1, "threshold": PPN_THRESHOLD, "effective_from": date(2022, 4, 1),
     "effective_until": None, "legal_basis": "PMK 59/2022 (PPh 22 bendahara)"},
    # Income tax withheld on services, catering included.
    *({"tax": "pph23", "applies_to": kind, "store_vat": "any", "store_certificate": "without", "rate_bp": 200,
       "base_num": 1, "base_den": 1, "threshold": 0, "effective_from": date(2022, 4, 1), "effective_until": None,
       "legal_basis": "UU PPh Pasal 23; PMK 141/2015 (jasa katering)"}
      for kind in ("service", "catering")),
    # A holder of the PP 55/2022 surat keterangan pays the final 0.5 % instead.
    {"tax": "pph_final", "applies_to": "all", "store_vat": "any", "store_certificate": "with", "rate_bp": 50,
     "base_num": 1, "base_den": 1, "threshold": 0, "effective_from": date(2022, 12, 20), "effective_until": None,
     "legal_basis": "PP 55/2022 (surat keterangan)"},
]
