"""Demo product questions: answered and not, on the demo products (idempotent: each is
found by its product, asker and text before it is made)."""
from datetime import timedelta

from app import clock
from app.extensions import db
from app.models import Product, ProductQuestion, StoreMember, User

# (product name, asker e-mail, question, answer or None, hours ago)
QUESTIONS = [
    ("Snack Box Rapat isi 3 kue", "budi.santoso@pontianak.go.id",
     "Bisa request kue tanpa kacang untuk 40 orang? Ada peserta yang alergi.",
     "Bisa, Pak. Tulis di catatan pesanan; kami ganti dengan kue lapis dan risoles.", 50),
    ("Snack Box Rapat isi 3 kue", "ayu.pratiwi@pontianak.go.id",
     "Apakah sudah termasuk air mineral gelas?", None, 6),
    ("Amplang Ikan Tenggiri 200 g", "dian.puspita@pontianak.go.id",
     "Tahan berapa lama setelah kemasan dibuka?",
     "Sekitar dua minggu dalam toples tertutup, Bu. Jangan kena lembap.", 120),
    ("Amplang Ikan Tenggiri 200 g", "hendra.gunawan@pontianak.go.id",
     "Ada ukuran 500 g untuk oleh-oleh tamu?", None, 3),
]


def seed_questions():
    now = clock.now()
    for product_name, email, body, answer, hours in QUESTIONS:
        product = db.session.execute(db.select(Product).where(Product.name == product_name)).scalars().first()
        asker = db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()
        if product is None or asker is None:
            continue
        if db.session.execute(db.select(ProductQuestion.id).where(
                ProductQuestion.product_id == product.id, ProductQuestion.asker_id == asker.id,
                ProductQuestion.body == body)).first():
            continue
        asked = now - timedelta(hours=hours)
        question = ProductQuestion(product_id=product.id, store_id=product.store_id, asker_id=asker.id, body=body,
                                   state="open", answer="", hidden_reason="", created_at=asked)
        if answer:
            member = db.session.execute(db.select(StoreMember).where(StoreMember.store_id == product.store_id)
                                        .order_by(StoreMember.id)).scalars().first()
            question.state = "answered"
            question.answer = answer
            question.answered_by_id = member.user_id if member else None
            question.answered_at = asked + timedelta(hours=2)
        db.session.add(question)
    db.session.flush()
