def test_home_page_in_indonesian_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b'lang="id"' in response.data


def test_buyer_factory_makes_a_verified_buyer(factories):
    buyer = factories.BuyerFactory()
    assert buyer.has_role("buyer") and buyer.is_verified and buyer.department is not None
