"""Demo data for the department's tax: the default tax rules, a treasurer (bendahara
pengeluaran) of Diskominfo, the catering category sold as catering, and a PKP caterer
(NPWP and SPPKP checked by its mentor). Idempotent: by natural keys."""
from datetime import date

from app import clock
from app.extensions import db
from app.models import BusinessDocument, Category, Department, Store

TREASURER = ("nurul.aini@pontianak.go.id", "Nurul Aini", "DISKOMINFO")
CATERING_CATEGORY = "katering"
PKP_STORE = "katering-equator"
PKP_DOCUMENTS = [
    ("npwp", "012345678701000", "KPP Pratama Pontianak"),
    ("sppkp", "S-00123/PKP/WPJ.26/KP.0203/2025", "KPP Pratama Pontianak"),
]


def seed_tax_demo():
    from app.demo import _person
    from app.procurement.demo import _role
    from app.services.tax_rules import seed_default_rules

    seed_default_rules()
    email, name, code = TREASURER
    department = db.session.execute(db.select(Department).where(Department.code == code)).scalar_one_or_none()
    if department is not None:
        treasurer = _person(email, name, ("buyer",), department)
        db.session.flush()
        _role(treasurer, department, "treasurer")
    category = db.session.execute(db.select(Category).where(Category.slug == CATERING_CATEGORY)).scalar_one_or_none()
    if category is not None:
        category.tax_kind = "catering"
    store = db.session.execute(db.select(Store).where(Store.slug == PKP_STORE)).scalar_one_or_none()
    if store is None:
        return
    have = set(db.session.execute(
        db.select(BusinessDocument.kind).where(BusinessDocument.store_id == store.id)).scalars())
    for kind, number, issuer in PKP_DOCUMENTS:
        if kind not in have:
            db.session.add(BusinessDocument(store_id=store.id, kind=kind, number=number, issuer=issuer,
                                            issued_on=date(2025, 1, 6), status="valid",
                                            reviewed_by_id=store.mentor_id, reviewed_at=clock.now()))
    db.session.flush()
