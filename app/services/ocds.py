"""Department purchases as Open Contracting Data (OCDS 1.1 release package).

Rules kept here:
- one release per department order (``DepartmentPurchase``); personal purchases are
  never published;
- ``ocid`` = ``OCDS_OCID_PREFIX`` (config, default ``ocds-pkb000``) + ``-`` + order number;
- the buyer (and payer) is the department, the supplier (and payee) the store;
  tender/award/contract carry the items (description, quantity, unit price in IDR) and
  the value in IDR; the treasury payment is the contract's implementation transaction;
- no personal data: no purchaser or approver names, e-mails, staff numbers, and not the
  free-text purpose (which may name people); only organisations, budget codes, items,
  amounts and dates.

Stages (release tags and statuses) follow the order:
awaiting approval → tender active; refused → tender unsuccessful; expired/cancelled
before approval → tender cancelled; approved → award + contract (active; cancelled if
the store declined or the order was cancelled; terminated once completed); paid by the
treasury → implementation transaction.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from flask import current_app
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from app import clock
from app.clock import LOCAL_TZ
from app.extensions import db
from app.models import DepartmentPurchase, Order

DEFAULT_PREFIX = "ocds-pkb000"
PUBLISHER = "Pemerintah Kota Pontianak — Pasar Kite Bise"
CURRENCY = "IDR"


def ocid_prefix() -> str:
    return (current_app.config.get("OCDS_OCID_PREFIX") or DEFAULT_PREFIX).strip()


def _when(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0), LOCAL_TZ)
    else:
        return None
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(amount) -> dict:
    return {"amount": int(amount or 0), "currency": CURRENCY}


def _department_party(department) -> dict:
    return {
        "id": f"PKB-OPD-{department.code}",
        "name": department.name,
        "identifier": {"scheme": "ID-PKB-OPD", "id": department.code, "legalName": department.name},
        "address": {"streetAddress": department.address or "", "locality": "Kota Pontianak",
                    "region": "Kalimantan Barat", "countryName": "Indonesia"},
        "roles": ["buyer", "procuringEntity", "payer"],
    }


def _store_party(store) -> dict:
    return {
        "id": f"PKB-STORE-{store.id}",
        "name": store.name,
        "identifier": {"scheme": "ID-PKB-STORE", "id": str(store.id), "legalName": store.name},
        "address": {"streetAddress": store.address or "", "locality": f"Kecamatan {store.kecamatan}, Kota Pontianak",
                    "region": "Kalimantan Barat", "countryName": "Indonesia"},
        "roles": ["tenderer", "supplier", "payee"],
    }


def _ref(party) -> dict:
    return {"id": party["id"], "name": party["name"]}


def _items(order) -> list:
    return [{
        "id": str(item.id),
        "description": item.full_name,
        "quantity": item.quantity,
        "unit": {"name": item.unit, "value": _money(item.unit_price)},
    } for item in order.items]


def release(purchase: DepartmentPurchase) -> dict:
    order, department, store = purchase.order, purchase.department, purchase.order.store
    ocid = f"{ocid_prefix()}-{order.number}"
    buyer, supplier = _department_party(department), _store_party(store)
    items = _items(order)
    value = _money(order.total)
    tender_status = {"": "active", "refused": "unsuccessful", "expired": "cancelled",
                     "cancelled": "cancelled"}.get(purchase.decision, "complete")
    tags = ["tenderCancellation"] if purchase.decision in ("expired", "cancelled") else ["tender"]
    updated = order.updated_at or purchase.requested_at
    data = {
        "ocid": ocid,
        "id": f"{ocid}-{(updated or clock.now()).astimezone(timezone.utc):%Y%m%dT%H%M%S}",
        "date": _when(updated),
        "tag": tags,
        "initiationType": "tender",
        "language": "id",
        "parties": [buyer, supplier],
        "buyer": _ref(buyer),
        "planning": {"budget": {
            "id": purchase.kode_rekening,
            "description": f"Kode rekening belanja {purchase.kode_rekening}",
            "projectID": purchase.kode_rup,
            "project": f"Kode RUP {purchase.kode_rup}",
        }},
        "tender": {
            "id": f"{ocid}-tender",
            "title": f"Pesanan {order.number} dari {department.name}",
            "status": tender_status,
            "procuringEntity": _ref(buyer),
            "items": items,
            "value": value,
            "procurementMethod": "direct",
            "procurementMethodDetails": "Pembelian langsung melalui katalog Pasar Kite Bise",
            "mainProcurementCategory": "goods",
            "tenderPeriod": {"startDate": _when(purchase.requested_at),
                             "endDate": _when(purchase.decided_at)},
            "tenderers": [_ref(supplier)],
            "numberOfTenderers": 1,
        },
    }
    if purchase.decision == "approved":
        tags += ["award", "contract"]
        if order.state in ("declined", "cancelled"):
            award_status, contract_status = "cancelled", "cancelled"
        elif order.state == "completed":
            award_status, contract_status = "active", "terminated"
        else:
            award_status, contract_status = "active", "active"
        award_id = f"{ocid}-award"
        data["awards"] = [{
            "id": award_id,
            "title": f"Pesanan {order.number}",
            "status": award_status,
            "date": _when(purchase.decided_at),
            "value": value,
            "suppliers": [_ref(supplier)],
            "items": items,
        }]
        contract = {
            "id": f"{ocid}-contract",
            "awardID": award_id,
            "title": f"Surat Pesanan {purchase.sp_number}" if purchase.sp_number else f"Pesanan {order.number}",
            "status": contract_status,
            "value": value,
            "items": items,
            "dateSigned": _when(purchase.decided_at),
            "period": {"startDate": _when(purchase.decided_at), "endDate": _when(order.completed_at)},
        }
        if purchase.treasury_paid_on is not None and purchase.treasury_amount is not None:
            tags.append("implementation")
            contract["implementation"] = {"transactions": [{
                "id": f"{ocid}-treasury-1",
                "date": _when(purchase.treasury_paid_on),
                "value": _money(purchase.treasury_amount),
                "payer": _ref(buyer),
                "payee": _ref(supplier),
            }]}
        data["contracts"] = [contract]
    data["tag"] = tags
    return _drop_none(data)


def _drop_none(value):
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def _purchases():
    return db.session.execute(
        db.select(DepartmentPurchase)
        .join(Order, Order.id == DepartmentPurchase.order_id)
        .where(Order.number.is_not(None))
        .options(selectinload(DepartmentPurchase.order).selectinload(Order.items),
                 selectinload(DepartmentPurchase.order).selectinload(Order.store),
                 selectinload(DepartmentPurchase.department))
        .order_by(DepartmentPurchase.id)
    ).scalars()


def release_count() -> int:
    return int(db.session.execute(db.select(func.count(DepartmentPurchase.id))).scalar_one())


def release_package(uri: str, base_url: str = "") -> dict:
    releases = [release(p) for p in _purchases()]
    dates = [r["date"] for r in releases if r.get("date")]
    publisher = {"name": PUBLISHER}
    package = {
        "uri": uri,
        "version": "1.1",
        "publishedDate": max(dates) if dates else _when(clock.now()),
        "publisher": publisher,
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "releases": releases,
    }
    if base_url:
        publisher["uri"] = base_url
        package["publicationPolicy"] = base_url.rstrip("/") + "/open-data/ocds"
    return package
