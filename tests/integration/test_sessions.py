"""GET /auth/sessions and DELETE /auth/sessions/{id}."""
from chatclient import assert_error, is_int, new_account, now_ms

UA = "pytest-integration/1.0 (chatnode tests)"


def sessions_of(node, token):
    resp = node.call("GET", "/auth/sessions", token=token)
    assert resp.status == 200, resp
    assert isinstance(resp.json, dict) and isinstance(resp.json["sessions"], list), resp
    return {s["id"]: s for s in resp.json["sessions"]}


def test_sessions_list_shape_and_user_agent(node):
    before = now_ms()
    acct = new_account(node.api, user_agent=UA)
    second = acct.login()                     # no User-Agent header at all
    after = now_ms()
    listed = sessions_of(node, acct.token)
    assert set(listed) == {acct.session_id, second["session_id"]}
    for s in listed.values():
        assert set(s) >= {"id", "created_at", "last_seen", "user_agent", "current"}, s
        assert s["id"].startswith("s_")
        assert is_int(s["created_at"]) and is_int(s["last_seen"]), s
        assert before - 5000 <= s["created_at"] <= after + 5000, s
        assert s["last_seen"] >= s["created_at"], s
        assert s["last_seen"] <= now_ms() + 5000, s
        assert isinstance(s["current"], bool), s
    assert listed[acct.session_id]["user_agent"] == UA
    assert listed[second["session_id"]]["user_agent"] is None
    assert listed[acct.session_id]["current"] is True
    assert listed[second["session_id"]]["current"] is False


def test_current_flag_follows_the_caller(node):
    acct = new_account(node.api)
    second = acct.login(user_agent="other-agent")
    listed = sessions_of(node, second["access_token"])
    assert listed[second["session_id"]]["current"] is True
    assert listed[second["session_id"]]["user_agent"] == "other-agent"
    assert listed[acct.session_id]["current"] is False


def test_sessions_are_per_user(node):
    a = new_account(node.api)
    b = new_account(node.api)
    assert set(sessions_of(node, a.token)) == {a.session_id}
    assert set(sessions_of(node, b.token)) == {b.session_id}


def test_refresh_does_not_add_a_session(node):
    acct = new_account(node.api)
    resp = node.call("POST", "/auth/refresh", {"refresh_token": acct.refresh_token})
    assert resp.status == 200
    listed = sessions_of(node, resp.json["access_token"])
    assert set(listed) == {acct.session_id}
    assert listed[acct.session_id]["current"] is True


def test_ended_sessions_are_not_listed(node):
    acct = new_account(node.api)
    second = acct.login()
    assert node.call("POST", "/auth/logout", token=second["access_token"]).status == 204
    assert set(sessions_of(node, acct.token)) == {acct.session_id}


def test_delete_other_session_is_204_and_ends_it(node):
    acct = new_account(node.api)
    second = acct.login()
    resp = acct.call("DELETE", f"/auth/sessions/{second['session_id']}")
    assert resp.status == 204, resp
    assert resp.raw == b""
    assert_error(node.call("GET", "/users/me", token=second["access_token"]), 401, "unauthorized")
    assert_error(node.call("POST", "/auth/refresh", {"refresh_token": second["refresh_token"]}),
                 401, "unauthorized")
    assert acct.call("GET", "/users/me").status == 200
    assert set(sessions_of(node, acct.token)) == {acct.session_id}


def test_delete_own_current_session_ends_it(node):
    acct = new_account(node.api)
    assert acct.call("DELETE", f"/auth/sessions/{acct.session_id}").status == 204
    assert_error(acct.call("GET", "/users/me"), 401, "unauthorized")


def test_delete_unknown_session_is_404(node):
    acct = new_account(node.api)
    for sid in ["s_doesnotexist", "s_", "nonsense", acct.id]:
        assert_error(acct.call("DELETE", f"/auth/sessions/{sid}"), 404, "not_found")


def test_delete_another_users_session_is_404_and_leaves_it_alive(node):
    a = new_account(node.api)
    b = new_account(node.api)
    assert_error(a.call("DELETE", f"/auth/sessions/{b.session_id}"), 404, "not_found")
    assert b.call("GET", "/users/me").status == 200
    assert b.session_id in sessions_of(node, b.token)


def test_delete_already_ended_session_is_404(node):
    acct = new_account(node.api)
    second = acct.login()
    assert acct.call("DELETE", f"/auth/sessions/{second['session_id']}").status == 204
    assert_error(acct.call("DELETE", f"/auth/sessions/{second['session_id']}"), 404, "not_found")
