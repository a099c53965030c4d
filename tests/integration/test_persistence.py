"""Users, sessions and tokens survive a clean restart and a kill -9."""
from chatclient import PASSWORD, assert_error, login, new_account, register, unique_name


def refresh(node, token):
    return node.call("POST", "/auth/refresh", {"refresh_token": token})


def test_users_sessions_and_tokens_survive_a_restart(fresh_node):
    node = fresh_node
    acct = new_account(node.api, user_agent="before-restart")
    ended = acct.login()
    assert node.call("POST", "/auth/logout", token=ended["access_token"]).status == 204
    rotated = acct.login()
    rotated_new = refresh(node, rotated["refresh_token"])
    assert rotated_new.status == 200

    node.restart()

    # the user can log in and be found
    assert login(node.api, acct.username)["user"] == acct.user
    assert acct.call("GET", f"/users/{acct.id}").json == acct.user
    assert acct.call("GET", "/users?username=" + acct.username).json == acct.user
    # the earlier access token still works (same signing key after restart)
    me = acct.call("GET", "/users/me")
    assert me.status == 200, me
    # the session list survived, user agent included
    listed = {s["id"]: s for s in acct.call("GET", "/auth/sessions").json["sessions"]}
    assert listed[acct.session_id]["user_agent"] == "before-restart"
    assert ended["session_id"] not in listed
    # the session logged out before the restart stays dead
    assert_error(node.call("GET", "/users/me", token=ended["access_token"]), 401, "unauthorized")
    assert_error(refresh(node, ended["refresh_token"]), 401, "unauthorized")
    # the rotation survived: the already-used refresh token is still refused
    assert_error(refresh(node, rotated["refresh_token"]), 401, "unauthorized")
    # the earlier refresh token still works
    again = refresh(node, acct.refresh_token)
    assert again.status == 200, again
    assert again.json["session_id"] == acct.session_id
    assert node.call("GET", "/users/me", token=again.json["access_token"]).status == 200


def test_username_stays_taken_after_restart(fresh_node):
    node = fresh_node
    name = unique_name()
    register(node.api, name)
    node.restart()
    assert_error(node.call("POST", "/auth/register", {"username": name, "password": PASSWORD}),
                 409, "conflict")


def test_profile_changes_survive_a_restart(fresh_node):
    node = fresh_node
    acct = new_account(node.api)
    assert acct.call("PATCH", "/users/me", {"display_name": "Persisted",
                                             "password": {"old": PASSWORD, "new": "new passphrase"}}
                     ).status == 200
    node.restart()
    assert acct.call("GET", "/users/me").json["display_name"] == "Persisted"
    assert login(node.api, acct.username, "new passphrase")["user"]["id"] == acct.id
    assert node.call("POST", "/auth/login",
                     {"username": acct.username, "password": PASSWORD}).status == 401


def test_registration_survives_kill9_right_after_it_returns(fresh_node):
    node = fresh_node
    name = unique_name()
    user = register(node.api, name)
    node.kill9()
    node.start()
    tokens = login(node.api, name)
    assert tokens["user"] == user


def test_session_survives_kill9(fresh_node):
    node = fresh_node
    acct = new_account(node.api)
    node.kill9()
    node.start()
    assert acct.call("GET", "/users/me").status == 200
    assert refresh(node, acct.refresh_token).status == 200


def test_logout_survives_kill9(fresh_node):
    node = fresh_node
    acct = new_account(node.api)
    assert acct.call("POST", "/auth/logout").status == 204
    node.kill9()
    node.start()
    assert_error(acct.call("GET", "/users/me"), 401, "unauthorized")
    assert_error(refresh(node, acct.refresh_token), 401, "unauthorized")


def test_account_deletion_survives_kill9(fresh_node):
    node = fresh_node
    acct = new_account(node.api)
    watcher = new_account(node.api)
    assert acct.call("DELETE", "/users/me", {"password": PASSWORD}).status == 204
    node.kill9()
    node.start()
    assert node.call("POST", "/auth/login",
                     {"username": acct.username, "password": PASSWORD}).status == 401
    assert_error(watcher.call("GET", f"/users/{acct.id}"), 404, "not_found")
