"""Department purchases: roles, approval, documents and the treasury payment.

The package's modules: ``terms`` (shared terms), ``departments`` (roles, department data),
``calendar`` (working days), ``purchases`` (checkout to payment), ``documents`` (SP, BAST,
invoice and their codes). Import from the package: ``from app.services import procurement``.

Rules kept here:
- only a department's purchaser (PP) may check out with "department purchase"; the
  budget line has the right shape (kode RUP: 6–12 digits; kode rekening: dotted numeric
  segments) and the checkout total is within the department's cap per order;
- the orders wait as ``awaiting_approval`` (stock held). Only an approver (PPK) of the
  buyer's department sees them (anyone else: 404); nobody approves an order they placed
  (403); a decided, cancelled or expired order cannot be decided again (409);
- an order not approved within 3 working days (Monday–Friday, minus PublicHoliday,
  counted in Asia/Pontianak) is cancelled by ``cancel_stale_department_orders``; refusing
  or expiring returns the stock (through the orders transition table);
- the documents: Surat Pesanan on approval, BAST on delivery (the purchaser confirms it:
  the order is ``invoiced``), the invoice after the BAST. Each is downloadable only by the
  parties (purchaser, the department's approvers, the store's members, admins) and
  carries a short HMAC-derived verification code checked by a public page;
- the invoice carries its tax (``taxes``: frozen from the dated rules when issued); the
  department's treasurer (or an admin) records the payment, which must equal the net
  payable, with the slip and NTPN: the order is paid and completed;
- UP: at checkout the purchaser may choose petty cash under the UP cap: the treasurer pays
  at the handover against a kuitansi (``pay_on_delivery``);
- every step writes an audit entry and commits once.
"""
from app.services.procurement.calendar import (  # noqa: F401
    NATIONAL_HOLIDAYS,
    _holiday_set,
    add_holiday,
    approval_deadline,
    delete_holiday,
    holidays,
    is_working_day,
    seed_national_holidays,
)
from app.services.procurement.departments import (  # noqa: F401
    _can_manage_roles,
    department_roles,
    get_department,
    grant_department_role,
    letterhead_on,
    nip_of,
    people_with_role,
    revoke_department_role,
    roles_of,
    save_department,
)
from app.services.procurement.documents import (  # noqa: F401
    document_available,
    document_date,
    document_number,
    get_document,
    verify,
)
from app.services.procurement.purchases import (  # noqa: F401
    _LOAD,
    SpendRow,
    _admins,
    _decide,
    _issue_numbers,
    _purchase_by_order,
    _tell_requester,
    _tell_store_approved,
    approval_queue,
    approve_order,
    cancel_stale_department_orders,
    check_department_checkout,
    confirm_bast,
    department_spend,
    document_code,
    format_code,
    get_purchase_for,
    get_purchase_for_approver,
    invoices_due,
    on_card_paid,
    on_order_closed,
    open_purchases,
    pay_on_delivery,
    pending_count,
    purchase_of,
    purchases_of,
    record_tax_payment,
    record_treasury_payment,
    refuse_order,
    treasury_date_range,
    treasury_desk,
)
from app.services.procurement.taxes import (  # noqa: F401
    amount_due,
    breakdown,
    freeze_tax,
    invoice_lines,
    store_profile,
)
from app.services.procurement.terms import (  # noqa: F401
    APPROVAL_WORKING_DAYS,
    DOCUMENT_KINDS,
    DOCUMENT_TITLES,
    INVOICE_TERM_DAYS,
    KODE_REKENING,
    KODE_RUP,
    rupiah,
)
