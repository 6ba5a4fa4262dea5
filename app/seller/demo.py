"""Demo data for variants: the categories' option groups, a corak insang shirt in four
sizes and two colours (one combination sold out, XL dearer) and an aloe vera drink in two
bottle sizes. Runs after the other features' demo data (their orders are of products
without options); idempotent: a category with option groups, or a product with options,
is left as it is."""
from app.extensions import db
from app.models import Category, Product, Store, StoreMember, User

# category slug -> option groups its products may have
OPTION_GROUPS = {
    "fashion-kain-corak-insang": ["Ukuran", "Warna", "Motif"],
    "pakaian": ["Ukuran", "Warna", "Motif"],
    "kain-tenun": ["Motif", "Warna"],
    "batik": ["Motif", "Warna"],
    "aksesoris-tas": ["Warna", "Motif"],
    "makanan-minuman-kemasan": ["Isi"],
    "minuman": ["Isi", "Rasa"],
    "kopi": ["Isi"],
}

SHIRT_STORE, SHIRT = "insang-khatulistiwa", "Kemeja Batik Corak Insang Pria"
DRINK_STORE, DRINK = "lidah-buaya-borneo", "Minuman Lidah Buaya Botol"
SHIRT_STOCK = {"S / Merah": 6, "M / Merah": 12, "L / Merah": 9, "XL / Merah": 4,
               "S / Biru": 5, "M / Biru": 10, "L / Biru": 7, "XL / Biru": 0}


def _store(slug):
    return db.session.execute(db.select(Store).where(Store.slug == slug)).scalar_one_or_none()


def _owner(store):
    return db.session.execute(
        db.select(User).join(StoreMember, StoreMember.user_id == User.id)
        .where(StoreMember.store_id == store.id, StoreMember.role == "owner")).scalars().first()


def _product(store, name):
    return db.session.execute(
        db.select(Product).where(Product.store_id == store.id, Product.name == name)).scalar_one_or_none()


def seed_variants():
    from app.services import listings

    for category in db.session.execute(db.select(Category).where(Category.slug.in_(OPTION_GROUPS))).scalars():
        if not category.option_groups:
            category.option_groups = OPTION_GROUPS[category.slug]
    db.session.flush()

    store = _store(SHIRT_STORE)
    shirt = _product(store, SHIRT) if store is not None else None
    if shirt is not None and not shirt.option_names:
        listings.apply_options(shirt, [{"name": "Ukuran", "values": ["S", "M", "L", "XL"]},
                                       {"name": "Warna", "values": ["Merah", "Biru"]}])
        rows = {v.id: {"sku": v.sku, "stock": SHIRT_STOCK.get(v.name, 0),
                       "price": shirt.price + 15000 if v.name.startswith("XL") else None,
                       "threshold": 2 if v.name == "XL / Merah" else None}
                for v in shirt.active_variants}
        listings.update_variants(_owner(store), shirt, rows, product_threshold=3)

    store = _store(DRINK_STORE)
    if store is not None and _product(store, DRINK) is None:
        _new_drink(store)


def _new_drink(store):
    """The drink in two bottle sizes, live, made as the listings demo makes its products."""
    from app import clock
    from app.programme import demo as listings_demo
    from app.services import listings

    categories = {c.slug: c for c in db.session.execute(db.select(Category)).scalars()}
    if "minuman" not in categories:
        return
    seller = _owner(store)
    listings_demo._product(store, seller, store.mentor or seller, categories["minuman"], DRINK, 8000, "botol",
                           280, 0, "approved", 9, clock.now())
    db.session.flush()
    drink = _product(store, DRINK)
    listings.refresh_product_visibility(drink)
    listings.apply_options(drink, [{"name": "Isi", "values": ["250 ml", "1 liter"]}])
    rows = {v.id: {"sku": v.sku, "stock": 48 if v.name == "250 ml" else 20,
                   "price": None if v.name == "250 ml" else 22000} for v in drink.active_variants}
    listings.update_variants(seller, drink, rows, product_threshold=10)
