"""Helpers the department purchase tests share."""
from dataclasses import dataclass

from app.extensions import db
from app.models import DepartmentPurchase
from tests.order_helpers import add, checkout, details, review_form  # noqa: F401

BUDGET = {
    "department-kode_rup": "48123456",
    "department-kode_rekening": "5.1.02.01.01.0024",
    "department-purpose": "Rapat koordinasi 12 Desember",
}


def department_details(**overrides):
    data = {"payment_method": "department", **BUDGET}
    data.update(overrides)
    return data


def department_checkout(client, **overrides):
    return checkout(client, **department_details(**overrides))


@dataclass
class Team:
    department: object
    purchaser: object
    approver: object
    other_approver: object  # of another department
    admin: object
    coffee: object
    snack: object
    coffee_seller: object
    snack_seller: object


def make_team(factories, cap=None):
    department = factories.DepartmentFactory(name="Dinas Komunikasi dan Informatika", code="DISKOMINFO",
                                             address="Jl. Rahadi Usman No. 3, Pontianak Kota")
    if cap is not None:
        department.order_cap = cap
        db.session.commit()
    purchaser = factories.BuyerFactory(full_name="Budi Santoso", department=department, locale="en")
    approver = factories.BuyerFactory(full_name="Rahmat Hidayat", department=department, locale="en")
    factories.department_role(purchaser, "purchaser")
    factories.department_role(approver, "approver")
    other = factories.BuyerFactory(full_name="Sri Wahyuni")
    factories.department_role(other, "approver")
    admin = factories.AdminFactory(full_name="Dewi Lestari", locale="en")
    coffee = factories.ProductFactory(live=True, name="Kopi Aming Bubuk", price=45000, stock=10)
    snack = factories.ProductFactory(live=True, name="Snack Box Rapat", price=25000, stock=50)
    sellers = factories.store_owner(coffee.store), factories.store_owner(snack.store)
    for seller in sellers:
        seller.locale = "en"  # e-mails in English, for the assertions
    db.session.commit()
    return Team(department, purchaser, approver, other, admin, coffee, snack, *sellers)


def purchases_of(user_id):
    db.session.expire_all()
    return db.session.execute(
        db.select(DepartmentPurchase).where(DepartmentPurchase.requester_id == user_id)
        .order_by(DepartmentPurchase.order_id)
    ).scalars().all()
