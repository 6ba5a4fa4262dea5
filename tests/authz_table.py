"""The authorization table: what each visitor gets from every route of the URL map.

Keys are rule texts (``app.url_map``), values say what a GET and (for routes that take
POST) an empty POST answer to an anonymous visitor, a buyer, a seller, a mentor and an
admin. The walk (tests/authz_walk.py) fills the URL's ids with objects that belong to
SOMEONE ELSE, so for an owned object a non-admin expects 404.

  LOGIN  redirected to the login page      OK  allowed (the POST is not sent)
  405    the route does not take GET
"""
LOGIN = "login"
OK = "ok"
_ROLES = ("anonymous", "buyer", "seller", "mentor", "admin")


def _row(values):
    return dict(zip(_ROLES, values, strict=True))


def G(*get):
    """A GET-only route."""
    return {"GET": _row(get)}


def GP(get, post):
    """A page with a form: GET answers and POST answers."""
    return {"GET": _row(get), "POST": _row(post)}


def P(*post):
    """A POST-only route: GET answers 405 for everyone."""
    return {"GET": _row((405,) * 5), "POST": _row(post)}


TABLE = {
    "/": G(200, 200, 200, 200, 200),
    "/account/": G(LOGIN, 200, 200, 200, 200),
    "/account/password": GP((LOGIN, 200, 200, 200, 200), (LOGIN, OK, OK, OK, OK)),
    "/account/profile": GP((LOGIN, 200, 200, 200, 200), (LOGIN, OK, OK, OK, OK)),
    # buyer_x's session: everyone ends only their own, admins included
    "/account/sessions/<int:session_id>/end": P(LOGIN, 404, 404, 404, 404),
    "/account/sessions/end-all": P(LOGIN, OK, OK, OK, OK),
    "/admin/": G(LOGIN, 403, 403, 403, 200),
    "/admin/audit/": G(LOGIN, 403, 403, 403, 200),
    "/admin/departments": GP((LOGIN, 403, 403, 403, 200), (LOGIN, 403, 403, 403, OK)),
    "/admin/departments/<int:department_id>": GP((LOGIN, 403, 403, 403, 200), (LOGIN, 403, 403, 403, OK)),
    "/admin/holidays": GP((LOGIN, 403, 403, 403, 200), (LOGIN, 403, 403, 403, OK)),
    "/admin/tax-rules": GP((LOGIN, 403, 403, 403, 200), (LOGIN, 403, 403, 403, OK)),
    "/admin/tax-rules/categories": P(LOGIN, 403, 403, 403, OK),
    "/admin/holidays/<int:holiday_id>/delete": P(LOGIN, 403, 403, 403, OK),
    "/admin/invitations": GP((LOGIN, 403, 403, 403, 200), (LOGIN, 403, 403, 403, OK)),
    "/admin/invitations/<int:invitation_id>/revoke": P(LOGIN, 403, 403, 403, OK),
    "/admin/jobs/mail": G(LOGIN, 403, 403, 403, 200),
    "/admin/jobs/mail/<int:message_id>/retry": P(LOGIN, 403, 403, 403, OK),
    "/admin/outbox": G(LOGIN, 403, 403, 403, 200),
    "/admin/outbox/<int:message_id>": G(LOGIN, 403, 403, 403, 200),
    "/admin/users": G(LOGIN, 403, 403, 403, 200),
    "/admin/users/<int:user_id>/deactivate": P(LOGIN, 403, 403, 403, OK),
    "/admin/users/<int:user_id>/reactivate": P(LOGIN, 403, 403, 403, OK),
    "/auth/forgot": GP((200, 200, 200, 200, 200), (OK, OK, OK, OK, OK)),
    "/auth/invitation/<token>": GP((400, 400, 400, 400, 400), (OK, OK, OK, OK, OK)),
    "/auth/login": GP((200, 302, 302, 302, 302), (OK, OK, OK, OK, OK)),
    "/auth/logout": P(OK, OK, OK, OK, OK),
    "/auth/register": GP((200, 302, 302, 302, 302), (OK, OK, OK, OK, OK)),
    "/auth/reset/<token>": GP((400, 400, 400, 400, 400), (OK, OK, OK, OK, OK)),
    "/auth/verify/<token>": G(400, 400, 400, 400, 400),
    "/auth/verify/resend": GP((200, 200, 200, 200, 200), (OK, OK, OK, OK, OK)),
    "/cart/": G(LOGIN, 200, 403, 403, 403),
    "/cart/add/<int:product_id>": P(LOGIN, OK, 403, 403, 403),
    "/cart/checkout": GP((LOGIN, 302, 403, 403, 403), (LOGIN, OK, 403, 403, 403)),
    "/cart/checkout/<int:checkout_id>": G(LOGIN, 404, 403, 403, 403),
    "/cart/checkout/place": P(LOGIN, OK, 403, 403, 403),
    "/cart/checkout/review": G(LOGIN, 302, 403, 403, 403),
    "/cart/items/<int:item_id>/remove": P(LOGIN, 404, 403, 403, 403),
    "/cart/items/<int:item_id>/update": P(LOGIN, 404, 403, 403, 403),
    "/dashboards/admin": G(LOGIN, 403, 403, 403, 200),
    "/dashboards/admin/export/<key>.<fmt>": G(LOGIN, 403, 403, 403, 200),
    "/dashboards/department": G(LOGIN, 200, 403, 403, 200),
    "/dashboards/department/export/<key>.<fmt>": G(LOGIN, 200, 403, 403, 200),
    "/dashboards/mentor": G(LOGIN, 403, 403, 200, 403),
    "/dashboards/mentor/export/<key>.<fmt>": G(LOGIN, 403, 403, 200, 403),
    "/dashboards/seller": G(LOGIN, 403, 200, 403, 403),
    "/dashboards/seller/export/<key>.<fmt>": G(LOGIN, 403, 200, 403, 403),
    "/department/approvals": G(LOGIN, 200, 403, 403, 403),
    # Dinas A's purchase: the walk's buyer buys for another department
    "/department/orders/<int:order_id>": G(LOGIN, 404, 404, 404, 200),
    "/department/orders/<int:order_id>/approve": P(LOGIN, 404, 403, 403, 403),
    "/department/orders/<int:order_id>/bast": P(LOGIN, 404, 403, 403, 403),
    "/department/orders/<int:order_id>/documents/<kind>.pdf": G(LOGIN, 404, 404, 404, 200),
    # A department's treasurer pays; a buyer who is no party of the order finds none.
    "/department/orders/<int:order_id>/payment": P(LOGIN, 404, 403, 403, OK),
    "/department/orders/<int:order_id>/handover-payment": P(LOGIN, 404, 403, 403, 403),
    "/department/orders/<int:order_id>/ntpn": P(LOGIN, 404, 403, 403, OK),
    "/department/treasury": G(LOGIN, 403, 403, 403, 403),
    "/department/treasury/register": G(LOGIN, 403, 403, 403, 403),
    "/department/treasury/up": G(LOGIN, 403, 403, 403, 403),
    "/department/orders/<int:order_id>/refuse": P(LOGIN, 404, 403, 403, 403),
    "/department/purchases": G(LOGIN, 200, 403, 403, 403),
    # an approver of Dinas A: their department's approvers and admins only
    "/department/roles/<int:role_id>/revoke": P(LOGIN, 404, 404, 404, OK),
    "/department/spend": G(LOGIN, 200, 403, 403, 200),
    "/department/team": GP((LOGIN, 200, 403, 403, 403), (LOGIN, 404, 403, 403, 403)),
    "/finance/": G(LOGIN, 403, 403, 403, 200),
    "/finance/balance": G(LOGIN, 403, 200, 403, 403),
    "/finance/orders/<int:order_id>/refund": GP((LOGIN, 403, 403, 403, 200), (LOGIN, 403, 403, 403, OK)),
    "/finance/payouts": GP((LOGIN, 403, 403, 403, 200), (LOGIN, 403, 403, 403, OK)),
    "/finance/payouts/<int:batch_id>": G(LOGIN, 403, 403, 403, 200),
    "/finance/payouts/<int:batch_id>/transfers.csv": G(LOGIN, 403, 403, 403, 200),
    "/finance/payouts/<int:batch_id>/department-orders.csv": G(LOGIN, 403, 403, 403, 200),
    "/finance/payouts/record/<int:payout_id>": P(LOGIN, 403, 403, 403, OK),
    "/healthz": G(200, 200, 200, 200, 200),
    "/katalog": G(200, 200, 200, 200, 200),
    "/language": P(OK, OK, OK, OK, OK),
    "/media/<path:key>": G(200, 200, 200, 200, 200),
    "/mentor/": G(LOGIN, 403, 403, 200, 200),
    "/mentor/documents/<int:document_id>/<action>": P(LOGIN, 403, 403, 404, OK),
    "/mentor/review/<int:product_id>": GP((LOGIN, 403, 403, 404, 200), (LOGIN, 403, 403, 404, OK)),
    "/mentor/stores/<int:store_id>": G(LOGIN, 403, 403, 404, 200),
    "/mentor/stores/<int:store_id>/<action>": P(LOGIN, 403, 403, 404, OK),
    # Prometheus: only with METRICS_TOKEN or from loopback when METRICS_ALLOW_LOCAL (404 to anyone else)
    "/metrics": G(404, 404, 404, 404, 404),
    "/notifications/": G(LOGIN, 200, 200, 200, 200),
    "/notifications/<int:notification_id>/open": P(LOGIN, 404, 404, 404, 404),
    "/notifications/read-all": P(LOGIN, OK, OK, OK, OK),
    "/open-data/ocds": G(200, 200, 200, 200, 200),
    "/open-data/ocds/releases.json": G(200, 200, 200, 200, 200),
    "/orders/": G(LOGIN, 200, 403, 403, 403),
    # buyer_x's order: another buyer gets 404; staff pages are elsewhere
    "/orders/<int:order_id>": G(LOGIN, 404, 403, 403, 403),
    "/orders/<int:order_id>/cancel": P(LOGIN, 404, 403, 403, 403),
    "/orders/<int:order_id>/confirm": P(LOGIN, 404, 403, 403, 403),
    "/orders/<int:order_id>/messages": P(LOGIN, 404, 403, 403, 403),
    "/orders/<int:order_id>/receipt": G(LOGIN, 404, 403, 403, 403),
    "/orders/items/<int:item_id>/review": P(LOGIN, 404, 403, 403, 403),
    "/pay/checkout/<int:checkout_id>": G(LOGIN, 404, 403, 403, 403),
    "/pay/checkout/<int:checkout_id>/result": G(LOGIN, 404, 403, 403, 403),
    "/pay/checkout/<int:checkout_id>/test-card": P(LOGIN, 404, 403, 403, 403),
    "/produk/<slug>": G(200, 200, 200, 200, 200),
    "/programme/categories": G(LOGIN, 403, 403, 403, 200),
    "/programme/categories/<int:category_id>": GP((LOGIN, 403, 403, 403, 200), (LOGIN, 403, 403, 403, OK)),
    "/programme/categories/<int:category_id>/delete": P(LOGIN, 403, 403, 403, OK),
    "/programme/categories/new": GP((LOGIN, 403, 403, 403, 200), (LOGIN, 403, 403, 403, OK)),
    # the kopi store's document: its members, its mentor and admins only
    "/programme/documents/<int:document_id>/file": G(LOGIN, 404, 404, 404, 200),
    "/programme/stores": G(LOGIN, 403, 403, 403, 200),
    "/programme/stores/<int:store_id>/mentor": P(LOGIN, 403, 403, 403, OK),
    "/programme/stores/<int:store_id>/reinstate": P(LOGIN, 403, 403, 403, OK),
    "/programme/stores/<int:store_id>/suspend": P(LOGIN, 403, 403, 403, OK),
    "/readyz": G(200, 200, 200, 200, 200),
    "/robots.txt": G(200, 200, 200, 200, 200),
    "/sales/": G(LOGIN, 403, 200, 403, 403),
    "/sales/<int:order_id>": G(LOGIN, 403, 404, 403, 403),
    "/sales/<int:order_id>/accept": P(LOGIN, 403, 404, 403, 403),
    "/sales/<int:order_id>/decline": P(LOGIN, 403, 404, 403, 403),
    "/sales/<int:order_id>/delivered": P(LOGIN, 403, 404, 403, 403),
    "/sales/<int:order_id>/messages": P(LOGIN, 403, 404, 403, 403),
    "/sales/<int:order_id>/packing": G(LOGIN, 403, 404, 403, 403),
    "/sales/<int:order_id>/payment": P(LOGIN, 403, 404, 403, 403),
    "/sales/<int:order_id>/ready": P(LOGIN, 403, 404, 403, 403),
    "/sales/reviews": G(LOGIN, 403, 200, 403, 403),
    "/sales/reviews/<int:review_id>/reply": P(LOGIN, 403, 404, 403, 403),
    # issue 19: product questions, shopping lists and order again, bulk upload, search as you type
    "/cari/saran": G(200, 200, 200, 200, 200),
    "/produk/<slug>/diskusi": G(200, 200, 200, 200, 200),
    "/diskusi/produk/<int:product_id>/tanya": P(LOGIN, OK, OK, OK, OK),
    # buyer_x's question about another store's product: only that store answers, only its mentor hides
    "/diskusi/<int:question_id>/jawab": P(LOGIN, 403, 404, 403, 403),
    "/diskusi/<int:question_id>/sembunyikan": P(LOGIN, 403, 403, 404, OK),
    "/diskusi/toko": G(LOGIN, 403, 200, 403, 403),
    "/lists/": G(LOGIN, 200, 403, 403, 403),
    "/lists/new": P(LOGIN, OK, 403, 403, 403),
    "/lists/add/<int:product_id>": P(LOGIN, OK, 403, 403, 403),
    # buyer_x's list (shared with another department's purchaser), buyer_x's order
    "/lists/<int:list_id>": G(LOGIN, 404, 403, 403, 403),
    "/lists/<int:list_id>/rename": P(LOGIN, 404, 403, 403, 403),
    "/lists/<int:list_id>/delete": P(LOGIN, 404, 403, 403, 403),
    "/lists/<int:list_id>/lines/<int:line_id>/update": P(LOGIN, 404, 403, 403, 403),
    "/lists/<int:list_id>/lines/<int:line_id>/remove": P(LOGIN, 404, 403, 403, 403),
    "/lists/<int:list_id>/share": P(LOGIN, 404, 403, 403, 403),
    "/lists/<int:list_id>/shares/<int:share_id>/remove": P(LOGIN, 404, 403, 403, 403),
    "/lists/<int:list_id>/to-cart": P(LOGIN, 404, 403, 403, 403),
    "/lists/reorder/<int:order_id>": P(LOGIN, 404, 403, 403, 403),
    "/lists/from-order/<int:order_id>": P(LOGIN, 404, 403, 403, 403),
    "/seller/products/upload": GP((LOGIN, 403, 200, 403, 403), (LOGIN, 403, OK, 403, 403)),
    # without ?category= there is no template
    "/seller/products/upload/template": G(LOGIN, 403, 404, 403, 403),
    "/seller/products/upload/clean-rows": P(LOGIN, 403, OK, 403, 403),
    "/seller/": G(LOGIN, 403, 200, 403, 403),
    "/seller/documents": GP((LOGIN, 403, 200, 403, 403), (LOGIN, 403, OK, 403, 403)),
    "/seller/join/<token>": GP((LOGIN, 422, 422, 422, 422), (LOGIN, OK, OK, OK, OK)),
    "/seller/products/<int:product_id>": GP((LOGIN, 403, 404, 403, 403), (LOGIN, 403, 404, 403, 403)),
    "/seller/products/<int:product_id>/discard": P(LOGIN, 403, 404, 403, 403),
    "/seller/products/<int:product_id>/images": P(LOGIN, 403, 404, 403, 403),
    "/seller/products/<int:product_id>/images/<action>": P(LOGIN, 403, 404, 403, 403),
    "/seller/products/<int:product_id>/pause": P(LOGIN, 403, 404, 403, 403),
    "/seller/products/<int:product_id>/preview": G(LOGIN, 403, 404, 403, 403),
    "/seller/products/<int:product_id>/resume": P(LOGIN, 403, 404, 403, 403),
    "/seller/products/<int:product_id>/submit": P(LOGIN, 403, 404, 403, 403),
    "/seller/products/<int:product_id>/variants": G(LOGIN, 403, 404, 403, 403),
    "/seller/products/<int:product_id>/variants/<int:variant_id>/remove": P(LOGIN, 403, 404, 403, 403),
    "/seller/products/<int:product_id>/variants/options": P(LOGIN, 403, 404, 403, 403),
    "/seller/products/<int:product_id>/variants/stock": P(LOGIN, 403, 404, 403, 403),
    "/seller/products/new": GP((LOGIN, 403, 200, 403, 403), (LOGIN, 403, OK, 403, 403)),
    "/seller/store": GP((LOGIN, 403, 200, 403, 403), (LOGIN, 403, OK, 403, 403)),
    "/seller/store/members": GP((LOGIN, 403, 200, 403, 403), (LOGIN, 403, OK, 403, 403)),
    # only members of the seller's own store are found; any other id: a flashed 'not found' and back
    "/seller/store/members/<int:member_id>/remove": P(LOGIN, 403, 302, 403, 403),
    "/seller/store/new": GP((LOGIN, 403, 302, 403, 403), (LOGIN, 403, OK, 403, 403)),
    "/sitemap.xml": G(200, 200, 200, 200, 200),
    "/toko/<slug>": G(200, 200, 200, 200, 200),
    # public document check; an unknown code is 404 for everyone
    "/verifikasi/<code>": G(404, 404, 404, 404, 404),
    # After the order (issue 18): someone else's report, quote and department order.
    "/orders/<int:order_id>/problem": P(LOGIN, 404, 403, 403, 403),
    "/orders/reports/<int:report_id>/photos/<int:photo_id>/<variant>.webp": G(LOGIN, 404, 404, 404, 200),
    "/sales/reports/<int:report_id>/answer": P(LOGIN, 403, 404, 403, 403),
    "/admin/disputes/": G(LOGIN, 403, 403, 403, 200),
    "/admin/disputes/<int:report_id>/decide": P(LOGIN, 403, 403, 403, OK),
    "/department/quotes": G(LOGIN, 200, 403, 403, 403),
    "/sales/quotes": G(LOGIN, 403, 200, 403, 403),
    "/department/quotes/new/<int:store_id>": GP((LOGIN, 404, 403, 403, 403), (LOGIN, 404, 403, 403, 403)),
    "/department/quotes/<int:quote_id>": G(LOGIN, 404, 404, 404, 404),
    "/department/quotes/<int:quote_id>/offer": P(LOGIN, 403, 404, 403, 403),
    "/department/quotes/<int:quote_id>/decline": P(LOGIN, 403, 404, 403, 403),
    "/department/quotes/<int:quote_id>/counter": P(LOGIN, 404, 404, 404, 404),
    "/department/quotes/<int:quote_id>/accept": P(LOGIN, 404, 404, 404, 404),
    "/department/quotes/<int:quote_id>/withdraw": P(LOGIN, 404, 404, 404, 404),
    "/department/quotes/<int:quote_id>/berita-acara-negosiasi.pdf": G(LOGIN, 404, 404, 404, 404),
    "/department/orders/<int:order_id>/rating": P(LOGIN, 404, 403, 403, 403),
    # no session, no CSRF: the Stripe signature decides (see the webhook test)
    "/webhooks/stripe": P(OK, OK, OK, OK, OK),
    # The incubator programme (app/incubator): the objects are the kopi store's (Angkatan 2025,
    # coached by mentor1); the walk's mentor coaches no cohort, its seller's store is not that one.
    "/incubator/cohorts": GP((LOGIN, 403, 403, 200, 200), (LOGIN, 403, 403, 403, OK)),
    "/incubator/cohorts/<int:cohort_id>": G(LOGIN, 403, 403, 404, 200),
    "/incubator/cohorts/<int:cohort_id>/mentors": P(LOGIN, 403, 403, 403, OK),
    "/incubator/cohorts/<int:cohort_id>/mentors/<int:mentor_id>/remove": P(LOGIN, 403, 403, 403, OK),
    "/incubator/cohorts/<int:cohort_id>/stores": P(LOGIN, 403, 403, 403, OK),
    "/incubator/cohorts/<int:cohort_id>/stores/<int:store_id>/remove": P(LOGIN, 403, 403, 403, OK),
    "/incubator/mentor": G(LOGIN, 403, 403, 200, 200),
    "/incubator/my": G(LOGIN, 403, 302, 403, 403),
    "/incubator/startups/<int:store_id>": G(LOGIN, 404, 404, 404, 200),
    "/incubator/startups/<int:store_id>/sessions/new": GP((LOGIN, 403, 403, 404, 200), (LOGIN, 403, 403, 404, OK)),
    "/incubator/sessions/<int:visit_id>": GP((LOGIN, 404, 404, 404, 200), (LOGIN, 404, 404, 404, OK)),
    "/incubator/actions/<int:action_id>/done": P(LOGIN, 404, 404, 404, OK),
    "/incubator/startups/<int:store_id>/self-report": P(LOGIN, 403, 404, 403, 403),
    "/incubator/self-reports/<int:report_id>/confirm": P(LOGIN, 403, 403, 404, OK),
    "/incubator/startups/<int:store_id>/recommend": P(LOGIN, 403, 403, 404, OK),
    "/incubator/checkins/<int:checkin_id>": P(LOGIN, 403, 403, 404, OK),
    "/incubator/graduation": G(LOGIN, 403, 403, 403, 200),
    "/incubator/graduation/<int:case_id>/decide": P(LOGIN, 403, 403, 403, OK),
    "/incubator/graduation/criteria": GP((LOGIN, 403, 403, 403, 200), (LOGIN, 403, 403, 403, OK)),
    "/incubator/graduation/<int:case_id>/letter.pdf": G(LOGIN, 404, 404, 404, 200),
    "/incubator/trainings": GP((LOGIN, 403, 200, 200, 200), (LOGIN, 403, 403, 403, OK)),
    "/incubator/trainings/<int:training_id>": G(LOGIN, 404, 404, 404, 200),
    "/incubator/trainings/<int:training_id>/register": P(LOGIN, 404, 404, 404, OK),
    "/incubator/trainings/<int:training_id>/attendance": P(LOGIN, 403, 403, 403, OK),
    "/incubator/certificates/<int:registration_id>.pdf": G(LOGIN, 404, 404, 404, 200),
    "/incubator/report": G(LOGIN, 403, 403, 403, 200),
    "/incubator/report.<fmt>": G(LOGIN, 403, 403, 403, 200),
    "/incubator/report/export/<key>.<fmt>": G(LOGIN, 403, 403, 403, 200),
}
