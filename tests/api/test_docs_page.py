def test_swagger_page_loads_its_files_from_this_server_not_a_cdn(client, world):
    client.force_login(world.users["county_admin"])
    response = client.get("/api/docs/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "swagger-ui" in body
    assert "cdn." not in body and "https://" not in body.replace("https://github.com", "")
