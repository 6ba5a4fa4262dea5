"""Locust scenario for bench/load: civil servants browse, search, open products, fill a cart
and check out with pay on delivery; a baseline /healthz request runs in the same mix.

Settings come from the environment bench/load sets:
  LOAD_BUYERS      number of seeded buyers (buyer<n>@bench.pontianak.go.id)
  LOAD_PASSWORD    their password
  LOAD_PRODUCTS    JSON: {"hot": [[id, slug], ...], "scarce": [[id, slug], ...], "pages": N}
  LOAD_RESULTS     a file: one JSON line per acknowledged checkout (key, checkout id, order numbers)
  LOAD_USERS       the number of users: statistics restart LOAD_SETTLE (5) seconds after
                   that many have logged in

Request names (the report's lines): baseline, browse, search, product, cart, checkout, login.
A checkout that finds its product sold out is a correct answer (counted, not an error).
The final "place" POST is retried with the same idempotency key when the connection breaks
(a killed web worker): the server must then place the orders once, not twice.
"""
import itertools
import json
import os
import random
import re
from datetime import date, timedelta

import gevent
from locust import HttpUser, between, events, task

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
TOTAL = re.compile(r'name="expected_total" value="(\d+)"')
NUMBER = re.compile(r"PKB-\d{4}-\d{6}")
DONE = re.compile(r"/cart/checkout/(\d+)$")
REMOVE = re.compile(r'action="(/cart/items/\d+/remove)"')
WORDS = ["kopi", "kopi bubuk", "lidah buaya", "tenun", "rotan", "amplang", "batik", "snack box", "teh serai"]

PRODUCTS = json.loads(os.environ.get("LOAD_PRODUCTS", '{"hot": [], "scarce": [], "pages": 1}'))
BUYERS = int(os.environ.get("LOAD_BUYERS", "1"))
PASSWORD = os.environ.get("LOAD_PASSWORD", "")
RESULTS = os.environ.get("LOAD_RESULTS")
USERS = int(os.environ.get("LOAD_USERS", "0"))  # when all of them have logged in, the clock starts
SETTLE = float(os.environ.get("LOAD_SETTLE", "5"))
_next_buyer = itertools.count()
SOLD_OUT = {"count": 0}
RETRIED = {"count": 0}
LOGINS = {"done": 0, "failed": 0}


def _record(line):
    if RESULTS:
        with open(RESULTS, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")


@events.quitting.add_listener
def _summary(environment, **kwargs):
    _record({"summary": True, "sold_out": SOLD_OUT["count"], "place_retries": RETRIED["count"],
             "logins": LOGINS["done"], "login_failures": LOGINS["failed"]})


class Buyer(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self):
        self.email = f"buyer{next(_next_buyer) % BUYERS}@bench.pontianak.go.id"
        self.csrf = None
        page = self.client.get("/auth/login", name="login")
        self.csrf = self._token(page.text)
        with self.client.post("/auth/login", name="login", allow_redirects=False, catch_response=True,
                              data={"email": self.email, "password": PASSWORD, "csrf_token": self.csrf}) as r:
            if r.status_code != 302:
                r.failure(f"login {self.email}: {r.status_code}")
                LOGINS["failed"] += 1
        LOGINS["done"] += 1
        if LOGINS["done"] == USERS:
            # The log-in storm of the start (a deliberately slow password hash per user) is not
            # the steady state being measured: the figures start SETTLE seconds after everyone
            # is in (the requests queued behind the log-ins have been answered by then).
            gevent.spawn_later(SETTLE, self.environment.runner.stats.reset_all)

    def _token(self, html):
        match = CSRF.search(html or "")
        return match.group(1) if match else self.csrf

    # ------------------------------------------------------------------ reading

    @task(2)
    def baseline(self):
        self.client.get("/healthz", name="baseline")

    @task(4)
    def browse(self):
        choice = random.random()
        if choice < 0.3:
            self.client.get("/", name="browse")
        elif choice < 0.7:
            self.client.get("/katalog", name="browse")
        else:
            self.client.get(f"/katalog?page={random.randint(2, max(2, PRODUCTS['pages']))}", name="browse")

    @task(2)
    def search(self):
        self.client.get("/katalog", params={"q": random.choice(WORDS)}, name="search")

    @task(3)
    def product(self):
        _pid, slug = random.choice(PRODUCTS["hot"])
        page = self.client.get(f"/produk/{slug}", name="product")
        self.csrf = self._token(page.text)

    # ------------------------------------------------------------------ buying

    def _add(self, product, scarce=False):
        pid, slug = product
        page = self.client.get(f"/produk/{slug}", name="product")
        self.csrf = self._token(page.text)
        with self.client.post(f"/cart/add/{pid}", name="cart", catch_response=True,
                              data={"quantity": str(random.randint(1, 2)), "csrf_token": self.csrf,
                                    "next": "/cart/"}) as r:
            if r.status_code in (409, 422) and scarce:
                SOLD_OUT["count"] += 1
                r.success()
                return False
            if r.status_code != 200:
                r.failure(f"add to cart: {r.status_code}")
                return False
        return True

    @task(2)
    def cart(self):
        self._add(random.choice(PRODUCTS["hot"]))
        self.client.get("/cart/", name="cart")

    def _empty_cart(self):
        page = self.client.get("/cart/", name="cart")
        self.csrf = self._token(page.text)
        for action in REMOVE.findall(page.text):
            self.client.post(action, name="cart", data={"csrf_token": self.csrf})

    @task(1)
    def checkout(self):
        scarce = bool(PRODUCTS["scarce"]) and random.random() < 0.3
        product = random.choice(PRODUCTS["scarce"] if scarce else PRODUCTS["hot"])
        if not self._add(product, scarce):
            return
        page = self.client.get("/cart/checkout", name="checkout")
        self.csrf = self._token(page.text)
        requested = date.today() + timedelta(days=random.randint(2, 10))
        details = {"csrf_token": self.csrf, "delivery_method": "office",
                   "delivery_address": "Bappeda, Jl. Rahadi Usman No. 3, ruang rapat lantai 2",
                   "requested_date": requested.isoformat(), "time_window": "10-12", "payment_method": "cod",
                   "contact_phone": "081255501234"}
        with self.client.post("/cart/checkout", name="checkout", data=details, catch_response=True) as r:
            if r.status_code != 200 or "/cart/checkout/review" not in r.url:
                r.failure(f"checkout details: {r.status_code} {r.url}")
                return
            key, total = KEY.search(r.text), TOTAL.search(r.text)
            self.csrf = self._token(r.text)
            if not key or not total:
                r.failure("review page without key or total")
                return
        form = {"csrf_token": self.csrf, "idempotency_key": key.group(1), "expected_total": total.group(1)}
        for attempt in range(6):
            with self.client.post("/cart/checkout/place", name="checkout", data=form, catch_response=True) as r:
                if r.status_code == 0 or r.status_code >= 500:
                    # The connection broke (or the worker died): an error, and the same key once more.
                    r.failure(f"place: {r.status_code} (try {attempt + 1})")
                    RETRIED["count"] += 1
                    continue
                if r.status_code == 409 and scarce:
                    SOLD_OUT["count"] += 1
                    r.success()
                    self._empty_cart()
                    return
                done = DONE.search(r.url.split("?")[0])
                if r.status_code != 200 or not done:
                    r.failure(f"place: {r.status_code} {r.url}")
                    self._empty_cart()
                    return
                _record({"buyer": self.email, "key": form["idempotency_key"], "checkout_id": int(done.group(1)),
                         "numbers": sorted(set(NUMBER.findall(r.text))), "tries": attempt + 1})
                return
