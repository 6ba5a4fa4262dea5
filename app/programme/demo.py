"""Demo stores, documents, categories and products for Pontianak. Idempotent: categories
by slug, stores by slug, products by slug; a store that exists is left as it is."""
from __future__ import annotations

import io
import secrets
from datetime import timedelta

from app import clock
from app.extensions import db
from app.models import BusinessDocument, Category, ListingReview, Product, ProductImage, Store, StoreMember, User
from app.programme import demo_pictures
from app.services.listings.visibility import refresh_visibility
from app.services.incubator.cohorts import cohort_named, place_in_cohort
from app.urls import slugify
from app.storage import get_storage

FOOD = [["pirt", "bpom_md", "bpom_ml"], ["halal"]]

# slug, name_id, name_en, parent slug, required documents
CATEGORIES = [
    ("fashion-kain-corak-insang", "Fashion & Kain Corak Insang", "Fashion & Corak Insang Cloth", None, []),
    ("kain-tenun", "Kain Tenun", "Woven Cloth", "fashion-kain-corak-insang", []),
    ("batik", "Batik", "Batik", "fashion-kain-corak-insang", []),
    ("pakaian", "Pakaian", "Clothing", "fashion-kain-corak-insang", []),
    ("aksesoris-tas", "Aksesoris & Tas", "Accessories & Bags", "fashion-kain-corak-insang", []),
    ("makanan-minuman-kemasan", "Makanan & Minuman Kemasan", "Packaged Food & Drink", None, FOOD),
    ("minuman", "Minuman", "Drinks", "makanan-minuman-kemasan", []),
    ("kopi", "Kopi", "Coffee", "makanan-minuman-kemasan", []),
    ("makanan-ringan", "Makanan Ringan", "Snacks", "makanan-minuman-kemasan", []),
    ("kue-oleh-oleh", "Kue & Oleh-oleh", "Cakes & Souvenir Food", "makanan-minuman-kemasan", []),
    ("kerajinan-souvenir", "Kerajinan & Souvenir", "Crafts & Souvenirs", None, []),
    ("jasa", "Jasa", "Services", None, []),
    ("katering", "Katering", "Catering", "jasa", FOOD),
]

# One row per store: seller e-mail, slug, name, kecamatan, kind, address, phone, bank, cohort,
# description. Kind "food" stores get PIRT + halal; "motif" stores an HKI.
STORE_ROWS = [
    ("kopi.aming@umkm.test", "kopi-aming", "Kopi Aming Tan", "Pontianak Kota", "food",
     "Jl. Haji Abbas No. 157", "0812 5601 1958", "Bank Kalbar", "Angkatan 2025",
     "Kedai kopi legendaris di Jalan Gajah Mada, kini menjual kopi bubuk dan sachet."),
    ("insang.khatulistiwa@umkm.test", "insang-khatulistiwa", "Insang Khatulistiwa", "Pontianak Barat", "motif",
     "Jl. Komyos Sudarso Gg. Bersatu No. 8", "0813 4522 7781", "BNI", "Angkatan 2025",
     "Kain dan busana bermotif corak insang, ditenun dan dibatik perajin Pontianak."),
    ("lidah.buaya.borneo@umkm.test", "lidah-buaya-borneo", "Lidah Buaya Borneo", "Pontianak Utara", "food",
     "Jl. Budi Utomo, Siantan Hulu", "0852 4511 3020", "BRI", "Angkatan 2025",
     "Olahan lidah buaya dari kebun Siantan: minuman, jeli dan dodol."),
    ("lempok.pak.usu@umkm.test", "lempok-pak-usu", "Lempok Durian Pak Usu", "Pontianak Timur", "food",
     "Jl. Tanjung Raya II No. 45", "0821 5300 4412", "Bank Kalbar", "Angkatan 2025",
     "Lempok durian asli tanpa campuran, resep keluarga sejak 1980-an."),
    ("amplang.kapuas@umkm.test", "amplang-kapuas", "Amplang Kapuas", "Pontianak Selatan", "food",
     "Jl. Tanjungpura Gg. Kapuas No. 3", "0857 5012 8890", "Mandiri", "Angkatan 2026",
     "Amplang dan kerupuk ikan tenggiri dari Sungai Kapuas."),
    ("bingke.mak.long@umkm.test", "bingke-mak-long", "Bingke Mak Long", "Pontianak Kota", "food",
     "Jl. Merdeka Barat No. 21", "0812 5766 2210", "BRI", "Angkatan 2026",
     "Bingke berendam khas Pontianak, dipanggang setiap pagi."),
    ("rotan.borneo@umkm.test", "rotan-borneo", "Rotan Borneo Craft", "Pontianak Tenggara", "craft",
     "Jl. Paris II No. 10", "0813 4588 1203", "BNI", "Angkatan 2025",
     "Anyaman rotan dan kerajinan kayu dari perajin Kalimantan Barat."),
    ("nasi.kotak.equator@umkm.test", "katering-equator", "Katering Equator", "Pontianak Selatan", "food",
     "Jl. Ahmad Yani Gg. Sepakat No. 5", "0811 5670 3344", "Mandiri", "Angkatan 2026",
     "Nasi kotak dan snack box untuk rapat kantor, pesan H-2."),
    ("batik.tenun.kapuas@umkm.test", "batik-tenun-kapuas", "Batik & Tenun Kapuas", "Pontianak Barat", "motif",
     "Jl. Kom Yos Sudarso No. 77", "0856 5432 1098", "Bank Kalbar", "Angkatan 2026",
     "Batik tulis dan tenun ikat motif Kalimantan Barat."),
    ("cold.brew.tugu@umkm.test", "cold-brew-tugu", "Cold Brew Tugu", "Pontianak Utara", "food",
     "Jl. Khatulistiwa No. 2", "0822 5511 0077", "BRI", "Angkatan 2026",
     "Kopi seduh dingin dalam botol dari biji kopi Kalimantan."),
    ("kue.kering.bunda@umkm.test", "kue-kering-bunda", "Kue Kering Bunda Rosita", "Pontianak Tenggara", "food",
     "Jl. Parit H. Husin II Gg. Melati 4", "0853 4700 2121", "BNI", "Angkatan 2025",
     "Kue kering rumahan: nastar, kastengel dan putri salju."),
    ("souvenir.khatulistiwa@umkm.test", "souvenir-khatulistiwa", "Souvenir Khatulistiwa", "Pontianak Utara", "craft",
     "Jl. Khatulistiwa Gg. Tugu No. 1", "0812 5799 8800", "Mandiri", "Angkatan 2026",
     "Oleh-oleh dan cendera mata Tugu Khatulistiwa untuk tamu kantor."),
]

# One row per product, by store slug and in the order each store lists them: name, category,
# price, unit, weight in grams, listing status, and days of lead time where it needs some.
PRODUCT_ROWS = [
    ("kopi-aming", "Kopi Bubuk Robusta Pontianak 250 g", "kopi", 45000, "pcs", 250, "approved"),
    ("kopi-aming", "Kopi Bubuk Robusta Pontianak 500 g", "kopi", 85000, "pcs", 500, "approved"),
    ("kopi-aming", "Kopi Susu Sachet isi 10", "kopi", 35000, "paket", 300, "approved"),
    ("kopi-aming", "Kopi Liberika Kayong 200 g", "kopi", 65000, "pcs", 200, "approved"),
    ("kopi-aming", "Kopi Tubruk Hitam Sachet isi 20", "kopi", 28000, "paket", 400, "approved"),
    ("kopi-aming", "Kopi Luwak Borneo 100 g", "kopi", 90000, "pcs", 100, "submitted"),
    ("insang-khatulistiwa", "Selendang Corak Insang Sutra", "aksesoris-tas", 350000, "lembar", 150, "approved"),
    ("insang-khatulistiwa", "Kain Tenun Corak Insang Songket", "kain-tenun", 1850000, "lembar", 600, "approved"),
    ("insang-khatulistiwa", "Kemeja Batik Corak Insang Pria", "pakaian", 285000, "pcs", 300, "approved"),
    ("insang-khatulistiwa", "Syal Corak Insang Katun", "aksesoris-tas", 175000, "lembar", 120, "approved"),
    ("insang-khatulistiwa", "Tas Jinjing Corak Insang", "aksesoris-tas", 225000, "pcs", 400, "approved"),
    ("insang-khatulistiwa", "Kain Tenun Corak Insang Katun", "kain-tenun", 750000, "lembar", 500, "approved"),
    ("insang-khatulistiwa", "Blus Wanita Corak Insang", "pakaian", 265000, "pcs", 250, "changes_requested"),
    ("lidah-buaya-borneo", "Minuman Lidah Buaya 250 ml", "minuman", 8000, "botol", 280, "approved"),
    ("lidah-buaya-borneo", "Minuman Lidah Buaya 1 liter", "minuman", 22000, "botol", 1050, "approved"),
    ("lidah-buaya-borneo", "Nata Lidah Buaya Cup isi 6", "minuman", 18000, "paket", 700, "approved"),
    ("lidah-buaya-borneo", "Jeli Lidah Buaya", "makanan-ringan", 15000, "pcs", 250, "approved"),
    ("lidah-buaya-borneo", "Dodol Lidah Buaya 250 g", "kue-oleh-oleh", 25000, "pcs", 250, "approved"),
    ("lidah-buaya-borneo", "Teh Lidah Buaya Celup", "minuman", 20000, "paket", 100, "draft"),
    ("lidah-buaya-borneo", "Sirup Lidah Buaya 600 ml", "minuman", 24000, "botol", 650, "submitted"),
    ("lempok-pak-usu", "Lempok Durian 250 g", "kue-oleh-oleh", 55000, "pcs", 250, "approved"),
    ("lempok-pak-usu", "Lempok Durian 500 g", "kue-oleh-oleh", 95000, "pcs", 500, "approved"),
    ("lempok-pak-usu", "Tempoyak Durian 200 g", "makanan-ringan", 30000, "pcs", 200, "approved"),
    ("lempok-pak-usu", "Pancake Durian Beku isi 6", "kue-oleh-oleh", 60000, "paket", 450, "approved"),
    ("amplang-kapuas", "Amplang Ikan Tenggiri 200 g", "makanan-ringan", 25000, "pcs", 200, "approved"),
    ("amplang-kapuas", "Kerupuk Basah Ikan Belida", "makanan-ringan", 30000, "pcs", 400, "approved"),
    ("amplang-kapuas", "Kerupuk Udang Mentah 250 g", "makanan-ringan", 28000, "pcs", 250, "approved"),
    ("amplang-kapuas", "Amplang Pedas 200 g", "makanan-ringan", 27000, "pcs", 200, "approved"),
    ("amplang-kapuas", "Stik Ikan Tenggiri 150 g", "makanan-ringan", 20000, "pcs", 150, "approved"),
    ("amplang-kapuas", "Paket Oleh-oleh Kapuas", "kue-oleh-oleh", 85000, "paket", 900, "changes_requested"),
    ("bingke-mak-long", "Bingke Berendam Original", "kue-oleh-oleh", 35000, "pcs", 600, "approved"),
    ("bingke-mak-long", "Bingke Pandan", "kue-oleh-oleh", 35000, "pcs", 600, "approved"),
    ("bingke-mak-long", "Bingke Durian", "kue-oleh-oleh", 45000, "pcs", 600, "approved"),
    ("bingke-mak-long", "Kue Lapis Legit Pontianak", "kue-oleh-oleh", 90000, "pcs", 800, "approved"),
    ("rotan-borneo", "Keranjang Rotan Anyam Sedang", "kerajinan-souvenir", 125000, "pcs", 600, "approved"),
    ("rotan-borneo", "Tatakan Gelas Rotan isi 6", "kerajinan-souvenir", 45000, "paket", 200, "approved"),
    ("rotan-borneo", "Tas Rotan Bulat", "aksesoris-tas", 185000, "pcs", 500, "approved"),
    ("rotan-borneo", "Miniatur Tugu Khatulistiwa Kayu", "kerajinan-souvenir", 75000, "pcs", 300, "approved"),
    ("rotan-borneo", "Nampan Kayu Ukir Dayak", "kerajinan-souvenir", 150000, "pcs", 900, "approved"),
    ("rotan-borneo", "Lampu Hias Rotan", "kerajinan-souvenir", 210000, "pcs", 800, "draft"),
    ("katering-equator", "Nasi Kotak Ayam Bakar", "katering", 35000, "paket", 500, "approved", 2),
    ("katering-equator", "Nasi Kotak Ikan Asam Pedas", "katering", 35000, "paket", 500, "approved", 2),
    ("katering-equator", "Snack Box Rapat isi 3 kue", "katering", 15000, "paket", 250, "approved", 1),
    ("katering-equator", "Snack Box Premium isi 5 kue", "katering", 25000, "paket", 350, "approved", 1),
    ("katering-equator", "Nasi Kotak Rendang", "katering", 40000, "paket", 500, "approved", 2),
    ("katering-equator", "Prasmanan Rapat 50 orang", "katering", 2500000, "paket", 0, "submitted"),
    ("batik-tenun-kapuas", "Batik Tulis Corak Insang 2 m", "batik", 650000, "lembar", 400, "approved"),
    ("batik-tenun-kapuas", "Batik Cap Corak Insang 2 m", "batik", 275000, "lembar", 400, "approved"),
    ("batik-tenun-kapuas", "Tenun Ikat Sintang", "kain-tenun", 1500000, "lembar", 700, "approved"),
    ("batik-tenun-kapuas", "Kemeja Batik Wanita Kapuas", "pakaian", 245000, "pcs", 280, "approved"),
    ("cold-brew-tugu", "Cold Brew Kopi Susu Aren 250 ml", "kopi", 25000, "botol", 280, "approved"),
    ("cold-brew-tugu", "Cold Brew Hitam 250 ml", "kopi", 22000, "botol", 280, "approved"),
    ("cold-brew-tugu", "Cold Brew 1 liter", "kopi", 85000, "botol", 1050, "approved"),
    ("cold-brew-tugu", "Kopi Susu Lidah Buaya 250 ml", "minuman", 20000, "botol", 280, "approved"),
    ("kue-kering-bunda", "Nastar Nanas 500 g", "kue-oleh-oleh", 95000, "pcs", 500, "approved"),
    ("kue-kering-bunda", "Kastengel Keju 500 g", "kue-oleh-oleh", 110000, "pcs", 500, "approved"),
    ("kue-kering-bunda", "Putri Salju 400 g", "kue-oleh-oleh", 80000, "pcs", 400, "approved"),
    ("kue-kering-bunda", "Kue Semprit Jadul 400 g", "kue-oleh-oleh", 65000, "pcs", 400, "approved"),
    ("kue-kering-bunda", "Paket Lebaran 3 Toples", "kue-oleh-oleh", 250000, "paket", 1500, "approved"),
    ("souvenir-khatulistiwa", "Gantungan Kunci Tugu Khatulistiwa isi 10",
     "kerajinan-souvenir", 50000, "paket", 150, "approved"),
    ("souvenir-khatulistiwa", "Kaos Khatulistiwa Corak Insang", "pakaian", 95000, "pcs", 200, "approved"),
    ("souvenir-khatulistiwa", "Magnet Kulkas Pontianak isi 5", "kerajinan-souvenir", 40000, "paket", 100, "approved"),
    ("souvenir-khatulistiwa", "Plakat Kayu Tugu Khatulistiwa", "kerajinan-souvenir", 175000, "pcs", 800, "approved"),
    ("souvenir-khatulistiwa", "Tumbler Corak Insang", "kerajinan-souvenir", 85000, "pcs", 350, "approved"),
]


def _stores():
    """The stores as seed_listings reads them: e-mail -> details, with each store's products
    as (item, status) pairs, an item being (name, category, price, unit, weight[, lead days])."""
    stores = {}
    for email, slug, name, kecamatan, kind, address, phone, bank, cohort, description in STORE_ROWS:
        stores[email] = dict(slug=slug, name=name, kecamatan=kecamatan, kind=kind, address=address, phone=phone,
                             bank=bank, cohort=cohort, description=description,
                             rows=[(row[1:6] + row[7:], row[6]) for row in PRODUCT_ROWS if row[0] == slug])
    return stores


STORES = _stores()

def _pdf(title: str) -> bytes:
    """A one-page PDF that says what the document is."""
    text = title.replace("(", "").replace(")", "")
    stream = f"BT /F1 18 Tf 50 750 Td ({text}) Tj ET".encode()
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 4 0 R>>>>/Contents 5 0 R>>",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
        b"<</Length %d>>stream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _categories():
    by_slug = {c.slug: c for c in db.session.execute(db.select(Category)).scalars()}
    for position, (slug, name_id, name_en, parent, required) in enumerate(CATEGORIES):
        if slug in by_slug:
            continue
        category = Category(slug=slug, name_id=name_id, name_en=name_en, parent=by_slug.get(parent),
                            required_documents=required, position=position)
        db.session.add(category)
        by_slug[slug] = category
    db.session.flush()
    return by_slug


def _user(email):
    return db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()


def _document(store, kind, number, issuer, expires_days, mentor, now):
    key = f"private/documents/{store.id}/demo-{kind}.pdf"
    get_storage().save(key, _pdf(f"{kind.upper()} {number} - {store.name}"))
    today = clock.today()
    db.session.add(BusinessDocument(
        store=store, kind=kind, number=number, issuer=issuer, issued_on=today - timedelta(days=180),
        expires_on=(today + timedelta(days=expires_days)) if expires_days else None, file_key=key,
        file_name=f"{kind}.pdf", file_type="application/pdf", status="valid", reviewed_by=mentor, reviewed_at=now,
        review_note="Dokumen asli sudah diperiksa."))


def seed_listings():
    """Categories, 12 verified stores with documents, approved products, and a few in review."""
    categories = _categories()
    mentors = [_user("mentor.rina@inkubator.test"), _user("mentor.yusuf@inkubator.test")]
    now = clock.now()
    for index, (email, spec) in enumerate(STORES.items()):
        seller = _user(email)
        if seller is None:
            continue
        if db.session.execute(db.select(Store.id).where(Store.slug == spec["slug"])).first():
            continue
        if db.session.execute(db.select(StoreMember.id).where(StoreMember.user_id == seller.id)).first():
            continue
        mentor = mentors[index % 2] or mentors[0]
        store = Store(slug=spec["slug"], name=spec["name"], description=spec["description"],
                      kecamatan=spec["kecamatan"], address=spec["address"], phone=spec["phone"],
                      bank_name=spec["bank"], bank_account_number=f"{1100 + index}0{57321 + index * 7}",
                      bank_account_holder=seller.full_name, status="verified",
                      mentor=mentor, created_by=seller, verified_at=now - timedelta(days=60),
                      created_at=now - timedelta(days=75))
        store.members.append(StoreMember(user=seller, role="owner"))
        db.session.add(store)
        db.session.flush()
        place_in_cohort(store, cohort_named(spec["cohort"]), note="demo data")
        _document(store, "nib", f"91203{index:02d}1234567", "OSS RBA", None, mentor, now)
        if spec["kind"] == "food":
            _document(store, "pirt", f"P-IRT 20961710{index:02d}123-27", "Dinas Kesehatan Kota Pontianak", 900,
                      mentor, now)
            _document(store, "halal", f"ID6111000{index:02d}45670925", "BPJPH", 1200, mentor, now)
        if spec["kind"] == "motif":
            _document(store, "hki", f"IDM0009{index:02d}512", "DJKI Kemenkumham", None, mentor, now)
        db.session.flush()
        db.session.refresh(store)
        for number, (item, status) in enumerate(spec["rows"]):
            name, cat_slug, price, unit, weight = item[:5]
            lead = item[5] if len(item) > 5 else 0
            _product(store, seller, mentor, categories[cat_slug], name, price, unit, weight, lead, status, number, now)
        db.session.flush()
        refresh_visibility(store)
    db.session.flush()


def _product(store, seller, mentor, category, name, price, unit, weight, lead, status, number, now):

    slug = f"{slugify(name)}-{store.id}"
    if db.session.execute(db.select(Product.id).where(Product.slug == slug)).first():
        return
    submitted = now - timedelta(days=40 - number * 3, hours=number)
    product = Product(
        store=store, category=category, slug=slug, name=name, price=price, unit=unit, weight_grams=weight,
        lead_time_days=lead, min_order=10 if category.slug == "katering" else 1,
        stock=(40 + (number * 17) % 60) if status == "approved" else 20, status=status,
        description=(f"{name} dari {store.name}, {store.kecamatan}. Dibuat oleh UMKM binaan inkubator "
                     f"Kota Pontianak."),
        submitted_at=submitted if status != "draft" else None,
        approved_at=submitted + timedelta(hours=20) if status == "approved" else None,
        featured=status == "approved" and number == 0,
        created_at=submitted - timedelta(days=1))
    db.session.add(product)
    db.session.flush()
    # Our own generated picture needs no checking: store both variants directly.
    key = f"public/products/{product.id}/{secrets.token_hex(8)}"
    large, thumb = demo_pictures.picture(name)
    storage = get_storage()
    storage.save(f"{key}/large.webp", large)
    storage.save(f"{key}/thumb.webp", thumb)
    product.images.append(ProductImage(key=key, is_cover=True, position=0, width=demo_pictures.SIZE,
                                       height=demo_pictures.SIZE, alt_text=name))
    snapshot = {"name": name, "price": price}
    if status != "draft":
        db.session.add(ListingReview(product=product, actor_id=seller.id, action="submitted", snapshot=snapshot,
                                     submitted_at=submitted, created_at=submitted))
    if status == "approved":
        db.session.add(ListingReview(product=product, actor_id=mentor.id, action="approved",
                                     note="Foto dan deskripsi sudah jelas.", submitted_at=submitted,
                                     created_at=submitted + timedelta(hours=20)))
    elif status == "changes_requested":
        db.session.add(ListingReview(product=product, actor_id=mentor.id, action="changes_requested",
                                     reason_codes=["photo", "copywriting"],
                                     note="Foto produk kurang terang; tambahkan ukuran dan bahan di deskripsi.",
                                     submitted_at=submitted, created_at=submitted + timedelta(hours=30)))
