"""flask create-admin and flask seed-demo."""
from app.extensions import db
from app.models import AuditEntry, Department, User
from tests.helpers import count


def test_create_admin_makes_a_verified_admin_who_can_log_in(app, runner):
    result = runner.invoke(args=["create-admin", "--email", "Kepala@Pontianak.go.id", "--name", "Kepala Bidang",
                                 "--password", "Admin-Kuat-2026"])
    assert result.exit_code == 0, result.output
    assert "Admin ready: kepala@pontianak.go.id" in result.output
    with app.app_context():
        user = db.session.execute(db.select(User)).scalar_one()
        assert user.roles == {"admin"} and user.is_verified and user.full_name == "Kepala Bidang"
    client = app.test_client()
    client.post("/auth/login", data={"email": "kepala@pontianak.go.id", "password": "Admin-Kuat-2026"})
    assert client.get("/admin/").status_code == 200


def test_create_admin_refuses_a_weak_password_and_writes_nothing(app, runner):
    result = runner.invoke(args=["create-admin", "--email", "a@pontianak.go.id", "--password", "short"])
    assert result.exit_code != 0 and "Error" in result.output
    assert count(app, User) == 0 and count(app, AuditEntry) == 0


def test_create_admin_prompts_for_the_password_twice(app, runner, monkeypatch):
    answers = iter(["Admin-Kuat-2026", "Different-2026"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    result = runner.invoke(args=["create-admin", "--email", "a@pontianak.go.id"])
    assert result.exit_code != 0 and "do not match" in result.output
    assert count(app, User) == 0


def test_create_admin_gives_an_existing_account_the_role(app, runner, factories):
    factories.MentorFactory(email="m@inkubator.test")
    result = runner.invoke(args=["create-admin", "--email", "m@inkubator.test", "--password", "ignored-1234"])
    assert result.exit_code == 0
    with app.app_context():
        assert db.session.execute(db.select(User)).scalar_one().roles == {"admin", "mentor"}


def _counts(app):
    with app.app_context():
        return {table.name: db.session.scalar(db.select(db.func.count()).select_from(table))
                for table in db.metadata.sorted_tables}


def test_seed_demo_twice_changes_nothing_and_prints_one_login_per_role(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    after_first = _counts(app)
    assert after_first["departments"] >= 16 and after_first["users"] >= 20
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert _counts(app) == after_first
    with app.app_context():
        names = set(db.session.execute(db.select(Department.name)).scalars())
    assert "Dinas Komunikasi dan Informatika" in names and "Inspektorat" in names
    logins = [line.split() for line in first.output.splitlines() if line.startswith("  ")]
    assert sorted(line[0] for line in logins) == ["admin", "approver", "buyer", "mentor", "purchaser", "seller",
                                                  "treasurer"]
    # Every printed login works and lands on an account with that role (purchaser and
    # approver: a buyer with that duty in their department).
    from app import authz

    for role, email, password in logins:
        client = app.test_client()
        response = client.post("/auth/login", data={"email": email, "password": password})
        assert response.status_code == 302, (role, email)
        with app.app_context():
            user = db.session.execute(db.select(User).where(User.email == email)).scalar_one()
            if role == "purchaser":
                assert user.has_role("buyer") and authz.is_purchaser(user)
            elif role == "approver":
                assert user.has_role("buyer") and authz.is_approver(user)
            elif role == "treasurer":
                assert user.has_role("buyer") and authz.is_treasurer(user, user.department_id)
            else:
                assert user.has_role(role)
    assert len({email for _role, email, _pw in logins}) == len(logins)  # seven different people


def test_seed_demo_refuses_outside_development(app, runner):
    app.config.update(ENV_NAME="production", TESTING=False)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "only runs in development" in result.output
    assert count(app, User) == 0
