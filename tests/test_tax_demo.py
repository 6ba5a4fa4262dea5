"""seed-demo shows the tax feature: the default rules, a treasurer login, a PKP caterer and an
invoice with tax due on the treasurer's desk; twice changes nothing; the books balance."""
from app.extensions import db


def test_seed_demo_has_a_treasurer_with_a_taxed_invoice(app, runner):
    from app.models import DepartmentPurchase, DepartmentRole, InvoiceTaxLine, Order, TaxRule, User

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0 and "treasurer  nurul.aini@pontianak.go.id" in result.output
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(TaxRule.id))).scalar_one() == 9
        treasurer = db.session.execute(db.select(User).where(User.email == "nurul.aini@pontianak.go.id")).scalar_one()
        assert db.session.execute(db.select(DepartmentRole).where(DepartmentRole.user_id == treasurer.id,
                                                                  DepartmentRole.role == "treasurer")).first()
        taxed = db.session.execute(
            db.select(DepartmentPurchase).join(Order, Order.id == DepartmentPurchase.order_id)
            .where(Order.state == "invoiced", DepartmentPurchase.tax_withheld > 0)).scalars().all()
        assert len(taxed) == 1 and taxed[0].department_id == treasurer.department_id
        assert {t.tax for t in db.session.execute(
            db.select(InvoiceTaxLine).where(InvoiceTaxLine.purchase_id == taxed[0].id)).scalars()} == {"pbjt", "pph23"}
        # The demo departments print a letterhead with a logo (drawn at seed time), once.
        from app.models import Department, DepartmentLetterhead
        from app.services import documents_pdf
        from app.storage import get_storage
        from tests.pdf_helpers import pdf_text

        dept = db.session.get(Department, taxed[0].department_id)
        assert dept.phone and dept.email.endswith("@pontianak.go.id") and dept.logo_key
        assert get_storage().exists(f"{dept.logo_key}/large.webp")
        assert db.session.execute(db.select(db.func.count(DepartmentLetterhead.id))
                                  .where(DepartmentLetterhead.department_id == dept.id)).scalar_one() == 1
        with app.test_request_context("/"):
            sp = documents_pdf.render_pdf(taxed[0], "sp")
        assert dept.phone in pdf_text(sp).split("SURAT PESANAN")[0] and sp.count(b"/Subtype /Image") == 2
    check = runner.invoke(args=["payments", "check"])
    assert check.exit_code == 0 and "Books balanced." in check.output
