def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Sign in" in response.get_data(as_text=True)


def test_world_users_can_sign_in(client, world):
    response = client.login(world.user("la_admin"))
    assert response.status_code == 302
    assert client.get("/").status_code == 200
