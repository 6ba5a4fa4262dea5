"""Demo data for Pontianak: departments, people of every role, and (from the listing
features on) stores and products. Idempotent: every row is looked up by its natural
key before it is created, so running it twice changes nothing."""
from flask import current_app

from app.extensions import db
from app.models import Department, User
from app.orm import utcnow
from app.services.passwords import hash_password

DEMO_PASSWORD = "PasarKite2026"  # noqa: S105  # nosec B105 - demo accounts only; printed on purpose

DEPARTMENTS = [
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah (Bappeda)", "Jl. Rahadi Usman No. 3, Pontianak Kota"),
    ("DISKUMDAG", "Dinas Koperasi, Usaha Mikro dan Perdagangan", "Jl. Letjen Sutoyo, Pontianak Selatan"),
    ("DISKOMINFO", "Dinas Komunikasi dan Informatika", "Jl. Rahadi Usman No. 3, Pontianak Kota"),
    ("DISDIKBUD", "Dinas Pendidikan dan Kebudayaan", "Jl. Letjen Sutoyo No. 1, Pontianak Selatan"),
    ("DINKES", "Dinas Kesehatan", "Jl. Multatuli No. 7, Pontianak Kota"),
    ("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", "Jl. Johar No. 1, Pontianak Kota"),
    ("DISHUB", "Dinas Perhubungan", "Jl. Khatulistiwa, Pontianak Utara"),
    ("DLH", "Dinas Lingkungan Hidup", "Jl. Sultan Abdurrahman, Pontianak Selatan"),
    ("DINSOS", "Dinas Sosial", "Jl. Pangeran Natakusuma, Pontianak Kota"),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "Jl. Pangeran Natakusuma, Pontianak Kota"),
    ("DISPORAPAR", "Dinas Kepemudaan, Olahraga dan Pariwisata", "Jl. Ahmad Yani, Pontianak Tenggara"),
    ("BKD", "Badan Keuangan Daerah", "Jl. Rahadi Usman No. 3, Pontianak Kota"),
    ("BKPSDM", "Badan Kepegawaian dan Pengembangan SDM", "Jl. Rahadi Usman No. 3, Pontianak Kota"),
    ("SETDA", "Sekretariat Daerah", "Jl. Rahadi Usman No. 3, Pontianak Kota"),
    ("INSPEKTORAT", "Inspektorat", "Jl. Ahmad Yani, Pontianak Selatan"),
    ("SATPOLPP", "Satuan Polisi Pamong Praja", "Jl. Rahadi Usman, Pontianak Kota"),
]

# (email, full name, roles, department code)
PEOPLE = [
    ("admin@pontianak.go.id", "Dewi Lestari", ("admin",), "BAPPEDA"),
    ("mentor.rina@inkubator.test", "Rina Hartati", ("mentor",), None),
    ("mentor.yusuf@inkubator.test", "Yusuf Maulana", ("mentor",), None),
    ("mentor.siti@inkubator.test", "Siti Rahmawati", ("mentor", "buyer"), "DISKUMDAG"),
    ("budi.santoso@pontianak.go.id", "Budi Santoso", ("buyer",), "DISKOMINFO"),
    # The department's purchaser (pejabat pengadaan); the approvers come with app/procurement/demo.py.
    ("dian.puspita@pontianak.go.id", "Dian Puspita", ("buyer",), "DISKOMINFO"),
    ("ayu.pratiwi@pontianak.go.id", "Ayu Pratiwi", ("buyer",), "BAPPEDA"),
    ("hendra.gunawan@pontianak.go.id", "Hendra Gunawan", ("buyer",), "DINKES"),
    ("nurul.hidayah@pontianak.go.id", "Nurul Hidayah", ("buyer",), "DISDIKBUD"),
    ("agus.salim@pontianak.go.id", "Agus Salim", ("buyer",), "SETDA"),
    ("fitri.handayani@pontianak.go.id", "Fitri Handayani", ("buyer",), "DISPORAPAR"),
]

# One seller per startup; their stores come with the listings feature.
SELLERS = [
    ("kopi.aming@umkm.test", "Aming Tan"),
    ("insang.khatulistiwa@umkm.test", "Syarifah Nurlaila"),
    ("lidah.buaya.borneo@umkm.test", "Rudi Hartono"),
    ("lempok.pak.usu@umkm.test", "Usman Effendi"),
    ("amplang.kapuas@umkm.test", "Linda Wijaya"),
    ("bingke.mak.long@umkm.test", "Mak Long Zainab"),
    ("rotan.borneo@umkm.test", "Dedi Kurniawan"),
    ("nasi.kotak.equator@umkm.test", "Maya Sari"),
    ("batik.tenun.kapuas@umkm.test", "Yohanes Ading"),
    ("cold.brew.tugu@umkm.test", "Kevin Halim"),
    ("kue.kering.bunda@umkm.test", "Rosita Dewi"),
    ("souvenir.khatulistiwa@umkm.test", "Hasan Basri"),
]

# One login per role, printed by ``flask seed-demo``. The purchaser (PP) and the approver (PPK)
# are buyers with a duty in their department (DepartmentRole), not roles of their own.
DEMO_LOGINS = [
    ("admin", "admin@pontianak.go.id"),
    ("mentor", "mentor.rina@inkubator.test"),
    ("seller", "kopi.aming@umkm.test"),
    ("buyer", "budi.santoso@pontianak.go.id"),
    ("purchaser", "dian.puspita@pontianak.go.id"),
    ("approver", "rahmat.hidayat@pontianak.go.id"),
    ("treasurer", "nurul.aini@pontianak.go.id"),
]


def _department(code, name, address):
    dept = db.session.execute(db.select(Department).where(Department.code == code)).scalar_one_or_none()
    if dept is None:
        dept = Department(code=code, name=name, address=address)
        db.session.add(dept)
    return dept


_hash_cache: dict[str, str] = {}


def _demo_hash():
    """Hash the shared demo password once per run: Argon2 is slow on purpose."""
    if "h" not in _hash_cache:
        _hash_cache["h"] = hash_password(DEMO_PASSWORD)
    return _hash_cache["h"]


def _person(email, full_name, roles, department=None):
    user = db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()
    if user is None:
        user = User(email=email, full_name=full_name, password_hash=_demo_hash(),
                    email_verified_at=utcnow(), department=department)
        db.session.add(user)
    for role in roles:
        user.grant(role)
    return user


def seed_demo():
    """Create the demo data; returns ``[(role, email, password)]`` for the printout."""
    departments = {code: _department(code, name, address) for code, name, address in DEPARTMENTS}
    db.session.flush()
    for email, name, roles, dept_code in PEOPLE:
        _person(email, name, roles, departments[dept_code] if dept_code else None)
    for email, name in SELLERS:
        _person(email, name, ("seller",))
    db.session.flush()
    seeders = current_app.extensions.get("demo_seeders", [])
    for hook in [h for h in seeders if not getattr(h, "demo_last", False)] + [
            h for h in seeders if getattr(h, "demo_last", False)]:
        hook()
    db.session.commit()
    return [(role, email, DEMO_PASSWORD) for role, email in DEMO_LOGINS]


def register_seeder(app, hook, last=False):
    """Features add their own demo rows (stores, products, orders) through this. ``last``:
    after every other feature's (e.g. changing demo products the others have ordered)."""
    hook.demo_last = last
    app.extensions.setdefault("demo_seeders", []).append(hook)
