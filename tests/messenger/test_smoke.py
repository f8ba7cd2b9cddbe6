def test_login_and_me_through_live_server(signed_in):
    user, client = signed_in("smoke")
    response = client.get("/api/auth/me")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["data"]["user"]["id"] == user.username
    assert response.headers["X-Request-Id"] == body["meta"]["requestId"]


def test_unknown_api_path_is_enveloped_404(api):
    response = api().get("/api/definitely/not/here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
