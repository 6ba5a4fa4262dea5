"""A small known world for the dashboard, export and OCDS tests.

Period under test: March 2025 (WIB). Sales in it (SALE_STATES):
  o1 Kopi store (incubator)  X   cod         completed 100.000  2025-03-05 (week of 03-03)  kopi 2×50.000
  o2 Kopi store              X   card        placed     60.000  2025-03-02 18:00 UTC = 03-03 01:00 WIB  teh 2×30.000
  o3 Rotan store (no cohort) PA  department  invoiced  200.000  2025-02-28 17:30 UTC = 03-01 00:30 WIB (week of 02-24)
                                                                 rotan 4×50.000, Dinas A, line .0024
  o4 Kopi store              PB  department  completed 150.000  2025-03-12 (week of 03-10)  kopi 3×50.000, Dinas B,
                                                                 treasury paid 2025-03-20
Not sales: o5 cancelled 40.000 (Y, Kopi), o7 refused 80.000 (PA, Dinas A); outside: o6 2025-03-31 17:30 UTC
(= 04-01 WIB) 999.000 Rotan.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from app import clock
from app.extensions import db
from app.models import DepartmentPurchase, LedgerEntry, ListingReview, Order, OrderItem, ProductReview

PERIOD = {"from": "2025-03-01", "to": "2025-03-31", "by": "week"}


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


_counter = [0]


def make_order(store, buyer, total, *, method="cod", state="completed", created, lines=(), checkout=None):
    _counter[0] += 1
    order = Order(buyer_id=buyer.id, store_id=store.id, state=state, payment_method=method,
                  payment_state="paid" if state == "completed" else "due", delivery_method="office",
                  delivery_address="Jl. Rahadi Usman No. 3", requested_date=created.date(), time_window="10-12",
                  subtotal=total, total=total, created_at=created, updated_at=created,
                  checkout_attempt_id=checkout)
    db.session.add(order)
    db.session.flush()
    order.number = f"PKB-{created.year}-{order.id:06d}"
    for product, quantity in lines:
        db.session.add(OrderItem(order_id=order.id, product_id=product.id, name=product.name, unit=product.unit,
                                 unit_price=product.price, quantity=quantity, line_total=product.price * quantity))
    db.session.flush()
    return order


def make_purchase(order, department, requester, line, decision="approved", approver=None, paid_on=None):
    purchase = DepartmentPurchase(
        order_id=order.id, department_id=department.id, requester_id=requester.id, kode_rup="48123456",
        kode_rekening=line, purpose=f"Rapat koordinasi bersama {requester.full_name}",
        requested_at=order.created_at, decision=decision,
        approver_id=approver.id if approver else None,
        decided_at=order.created_at + timedelta(hours=3) if decision else None,
        sp_number=f"SP/{order.number}" if decision == "approved" else None,
    )
    if paid_on:
        purchase.treasury_paid_on = paid_on
        purchase.treasury_amount = order.total
        purchase.treasury_reference = "SP2D-0042"
        purchase.invoice_amount = order.total
    db.session.add(purchase)
    db.session.flush()
    return purchase


@dataclass
class World:
    dept_a: object
    dept_b: object
    purchaser_a: object
    approver_a: object
    purchaser_b: object
    approver_b: object
    buyer_x: object
    buyer_y: object
    admin: object
    mentor1: object
    mentor2: object
    kopi_store: object
    rotan_store: object
    kopi_seller: object
    rotan_seller: object
    kopi: object
    teh: object
    rotan: object
    orders: dict


def build_world(factories) -> World:
    f = factories
    dept_a = f.DepartmentFactory(name="Dinas Komunikasi dan Informatika", code="DISKOMINFO")
    dept_b = f.DepartmentFactory(name="Dinas Pendidikan dan Kebudayaan", code="DISDIKBUD")
    purchaser_a = f.BuyerFactory(full_name="Budi Santoso", email="budi.pp@pontianak.go.id", department=dept_a,
                                 nip="198703152010011002")
    approver_a = f.BuyerFactory(full_name="Rahmat Hidayat", email="rahmat.ppk@pontianak.go.id", department=dept_a)
    purchaser_b = f.BuyerFactory(full_name="Siti Aminah", email="siti.pp@pontianak.go.id", department=dept_b)
    approver_b = f.BuyerFactory(full_name="Yohanes Lim", email="yohanes.ppk@pontianak.go.id", department=dept_b)
    f.department_role(purchaser_a, "purchaser")
    f.department_role(approver_a, "approver")
    f.department_role(purchaser_b, "purchaser")
    f.department_role(approver_b, "approver")
    buyer_x = f.BuyerFactory(full_name="Pembeli Iks")
    buyer_y = f.BuyerFactory(full_name="Pembeli Ye")
    admin = f.AdminFactory(full_name="Dewi Lestari")
    mentor1 = f.MentorFactory(full_name="Mentor Satu")
    mentor2 = f.MentorFactory(full_name="Mentor Dua")
    kopi_store = f.StoreFactory(name="Kopi Aming", slug="kopi-aming", mentor=mentor1, verified=True,
                                cohort="Angkatan 2025")
    rotan_store = f.StoreFactory(name="Rotan Jaya", slug="rotan-jaya", mentor=mentor2, verified=True, cohort="")
    kopi = f.ProductFactory(store=kopi_store, name="Kopi Bubuk Aming", price=50000, stock=3, status="approved")
    teh = f.ProductFactory(store=kopi_store, name="Teh Serai", price=30000, stock=40, status="approved")
    f.ProductFactory(store=kopi_store, name="Kopi Draf", price=10000, stock=0, status="draft")
    rotan = f.ProductFactory(store=rotan_store, name="Keranjang Rotan", price=50000, stock=2, status="approved")

    o = {}
    o["o1"] = make_order(kopi_store, buyer_x, 100000, created=utc(2025, 3, 5, 3), lines=[(kopi, 2)])
    o["o2"] = make_order(kopi_store, buyer_x, 60000, method="card", state="placed", created=utc(2025, 3, 2, 18),
                         lines=[(teh, 2)])
    o["o3"] = make_order(rotan_store, purchaser_a, 200000, method="department", state="invoiced",
                         created=utc(2025, 2, 28, 17, 30), lines=[(rotan, 4)])
    o["o4"] = make_order(kopi_store, purchaser_b, 150000, method="department", state="completed",
                         created=utc(2025, 3, 12, 2), lines=[(kopi, 3)])
    o["o5"] = make_order(kopi_store, buyer_y, 40000, state="cancelled", created=utc(2025, 3, 12, 4),
                         lines=[(teh, 1)])
    o["o6"] = make_order(rotan_store, buyer_x, 999000, created=utc(2025, 3, 31, 17, 30), lines=[(rotan, 1)])
    o["o7"] = make_order(kopi_store, purchaser_a, 80000, method="department", state="refused",
                         created=utc(2025, 3, 20, 2), lines=[(teh, 1)])
    make_purchase(o["o3"], dept_a, purchaser_a, "5.1.02.01.01.0024", approver=approver_a)
    make_purchase(o["o4"], dept_b, purchaser_b, "5.1.02.01.01.0052", approver=approver_b, paid_on=date(2025, 3, 20))
    make_purchase(o["o7"], dept_a, purchaser_a, "5.1.02.01.01.0024", decision="refused", approver=approver_a)

    # Listing decisions: mentor1 took 2 h, 4 h and 10 h; mentor2 1 h; one outside March; a submission.
    decisions = ((mentor1, kopi, 2, utc(2025, 3, 3, 5)), (mentor1, teh, 10, utc(2025, 3, 4, 5)),
                 (mentor1, kopi, 4, utc(2025, 3, 10, 5)), (mentor2, rotan, 1, utc(2025, 3, 11, 5)),
                 (mentor1, kopi, 100, utc(2025, 4, 10, 5)))
    for mentor, product, hours, at in decisions:
        db.session.add(ListingReview(product_id=product.id, actor_id=mentor.id, action="approved",
                                     submitted_at=at - timedelta(hours=hours), created_at=at))
    db.session.add(ListingReview(product_id=kopi.id, actor_id=kopi_store.created_by_id, action="submitted",
                                 submitted_at=utc(2025, 3, 3, 1), created_at=utc(2025, 3, 3, 1)))

    # Documents: one of each store expires in 10 days (only the mentor's own shows).
    f.DocumentFactory(store=kopi_store, kind="halal", number="HALAL-KOPI-1",
                      expires_on=clock.today() + timedelta(days=10))
    f.DocumentFactory(store=rotan_store, kind="pirt", number="PIRT-ROTAN-1",
                      expires_on=clock.today() + timedelta(days=10))
    f.DocumentFactory(store=kopi_store, kind="pirt", number="PIRT-KOPI-LATER",
                      expires_on=clock.today() + timedelta(days=90))

    # Ratings and the ledger of the kopi store.
    items = {i.order_id: i for i in db.session.execute(db.select(OrderItem)).scalars()}
    db.session.add(ProductReview(product_id=kopi.id, buyer_id=buyer_x.id, order_item_id=items[o["o1"].id].id,
                                 rating=5))
    db.session.add(ProductReview(product_id=kopi.id, buyer_id=purchaser_b.id, order_item_id=items[o["o4"].id].id,
                                 rating=4))
    db.session.add(LedgerEntry(entry_key="order_paid:t1", store_id=kopi_store.id, kind="credit",
                               reason="order_paid", amount=100000))
    db.session.add(LedgerEntry(entry_key="fee:t1", store_id=kopi_store.id, kind="debit", reason="fee",
                               amount=20000))
    db.session.add(LedgerEntry(entry_key="order_paid:t2", store_id=rotan_store.id, kind="credit",
                               reason="order_paid", amount=777000))
    db.session.commit()
    return World(dept_a, dept_b, purchaser_a, approver_a, purchaser_b, approver_b, buyer_x, buyer_y, admin,
                 mentor1, mentor2, kopi_store, rotan_store, f.store_owner(kopi_store), f.store_owner(rotan_store),
                 kopi, teh, rotan, o)


def use_english(client):
    client.post("/language", data={"lang": "en", "next": "/"})
