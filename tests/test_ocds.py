"""Open contracting data: the OCDS 1.1 release package of department purchases validates
against the 1.1.5 schemas (local copies, no network) and holds no personal data."""
import json
from pathlib import Path

import pytest
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.dashboard_helpers import build_world, use_english

SCHEMAS = Path(__file__).parent / "data" / "ocds-1.1.5"


def validator():
    package = json.loads((SCHEMAS / "release-package-schema.json").read_text())
    release = json.loads((SCHEMAS / "release-schema.json").read_text())
    registry = Registry().with_resource(release["id"], Resource.from_contents(release, default_specification=DRAFT4))
    return Draft4Validator(package, registry=registry, format_checker=FormatChecker())


@pytest.fixture
def world(factories):
    return build_world(factories)


@pytest.fixture
def package(client, world):
    response = client.get("/open-data/ocds/releases.json")  # public: no log-in
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def test_package_validates_against_ocds_1_1_5(package):
    errors = sorted(validator().iter_errors(package), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    assert package["version"] == "1.1"


def test_the_validator_does_catch_mistakes(package):
    broken = json.loads(json.dumps(package))
    broken["releases"][0]["tender"]["value"]["amount"] = "banyak"
    del broken["releases"][1]["ocid"]
    assert len(list(validator().iter_errors(broken))) >= 2


def test_one_release_per_department_order_only(package, world):
    ocids = sorted(r["ocid"] for r in package["releases"])
    expected = sorted(f"ocds-pkb000-{world.orders[k].number}" for k in ("o3", "o4", "o7"))
    assert ocids == expected  # personal purchases (o1, o2, o5, o6) are not published
    for key in ("o1", "o2", "o5", "o6"):
        assert world.orders[key].number not in json.dumps(package)


def test_paid_order_release(package, world):
    o4 = world.orders["o4"]
    release = next(r for r in package["releases"] if r["ocid"].endswith(o4.number))
    assert release["buyer"] == {"id": "PKB-OPD-DISDIKBUD", "name": "Dinas Pendidikan dan Kebudayaan"}
    roles = {p["id"]: p["roles"] for p in release["parties"]}
    assert "buyer" in roles["PKB-OPD-DISDIKBUD"] and "payer" in roles["PKB-OPD-DISDIKBUD"]
    assert "supplier" in roles[f"PKB-STORE-{world.kopi_store.id}"]
    buyer_party = next(p for p in release["parties"] if p["id"] == "PKB-OPD-DISDIKBUD")
    assert buyer_party["address"]["countryName"] == "Indonesia"
    assert release["tender"]["items"] == [{"id": release["tender"]["items"][0]["id"], "description": "Kopi Bubuk Aming",
                                           "quantity": 3, "unit": {"name": "pcs",
                                                                   "value": {"amount": 50000, "currency": "IDR"}}}]
    assert release["awards"][0]["suppliers"] == [{"id": f"PKB-STORE-{world.kopi_store.id}", "name": "Kopi Aming"}]
    contract = release["contracts"][0]
    assert contract["value"] == {"amount": 150000, "currency": "IDR"}
    assert contract["status"] == "terminated"
    transaction = contract["implementation"]["transactions"][0]
    assert transaction["value"] == {"amount": 150000, "currency": "IDR"}
    assert transaction["date"] == "2025-03-19T17:00:00Z"  # 20 March 2025, 00:00 WIB
    assert transaction["payer"]["id"] == "PKB-OPD-DISDIKBUD"
    assert transaction["payee"]["id"] == f"PKB-STORE-{world.kopi_store.id}"
    assert "implementation" in release["tag"] and "contract" in release["tag"]
    assert release["planning"]["budget"]["id"] == "5.1.02.01.01.0052"


def test_refused_and_unpaid_orders(package, world):
    by_number = {r["ocid"][len("ocds-pkb000-"):]: r for r in package["releases"]}
    refused = by_number[world.orders["o7"].number]
    assert refused["tender"]["status"] == "unsuccessful" and "awards" not in refused
    invoiced = by_number[world.orders["o3"].number]
    assert invoiced["contracts"][0]["status"] == "active"
    assert "implementation" not in invoiced["contracts"][0]


def test_no_personal_data_of_civil_servants(package, world):
    text = json.dumps(package, ensure_ascii=False)
    for person in (world.purchaser_a, world.approver_a, world.purchaser_b, world.approver_b):
        assert person.email not in text
        assert person.full_name not in text
    assert "198703152010011002" not in text  # NIP
    assert "Rapat koordinasi" not in text  # the free-text purpose is not published
    assert "@" not in text


def test_ocid_prefix_from_configuration(app, client, world):
    app.config["OCDS_OCID_PREFIX"] = "ocds-abc123"
    package = client.get("/open-data/ocds/releases.json").get_json()
    assert all(r["ocid"].startswith("ocds-abc123-PKB-") for r in package["releases"])


def test_open_data_page_explains(client, world):
    use_english(client)
    html = client.get("/open-data/ocds").get_data(as_text=True)
    assert "Open Contracting Data Standard" in html
    assert "/open-data/ocds/releases.json" in html
    assert "Personal purchases of civil servants" in html
