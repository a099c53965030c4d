"""The web client in a real browser (headless Chromium via selenium): two users
register in two browser sessions, chat live in a direct conversation, one
reloads and sees the history, a group invitation is accepted live, then the
node restarts and both pages reconnect by themselves and keep chatting.
Screenshots of the main screens go to $CHAT_ARTIFACTS (build/test-artifacts)."""
from chatclient import Account, login, post_many, unique_name
from webui import (PASSWORD, keyboard_register, messages, open_conv, register_in, send,
                   state, stored_auth, wait_message, wait_online)


def test_two_users_chat_live_across_reload_invitation_and_restart(node_factory, browser):
    # A 10 s access token: the pages must refresh it by themselves during the test.
    node = node_factory(extra_cluster="access_token_ttl = 10\n")
    alice_name, bob_name = unique_name("alice"), unique_name("bob")
    a = browser("alice", 1180, 760)
    b = browser("bob", 390, 780)  # phone-sized

    # -- register and log in
    a.d.get(node.base_url + "/")
    a.one("#login-username")
    a.shot("01-login")
    register_in(a, node, alice_name, "Alice")
    keyboard_register(b, node, bob_name, "Bob")
    first_refresh = stored_auth(a)["refresh"]

    # -- a direct conversation by username; messages live on both sides
    a.fill("#dm-username", bob_name).send_keys("\n")
    a.wait(lambda: "Bob" in a.text_of("#pane-title"), "the direct conversation with Bob open")
    send(a, "Hi Bob, this is Alice")
    # Bob's list gets the new conversation with one unread message.
    link = b.wait(lambda: next((e for e in b.css("#conv-list a.conv") if "Alice" in e.text), None),
                  "Alice's conversation in Bob's list")
    b.wait(lambda: link.get_attribute("data-unread") == "1", "an unread count of 1")
    b.shot("02-phone-list-unread")
    link.click()
    wait_message(b, "Hi Bob, this is Alice")
    b.wait(lambda: link.get_attribute("data-unread") == "0", "the unread count cleared")
    # Typing indicator, then Bob's answer arrives live at Alice's.
    b.fill("#composer-text", "Hello Alice")
    a.wait(lambda: "is typing" in a.text_of("#typing"), "Bob's typing indicator at Alice's")
    b.one("#composer-text").send_keys("\n")
    wait_message(a, "Hello Alice")
    for i in range(3):
        send(a, f"line {i} from Alice")
    for i in range(3):
        wait_message(b, f"line {i} from Alice")
    a.wait(lambda: "Seen" in a.text_of("#messages li.seen"), "Bob's read marker at Alice's")
    b.shot("03-phone-conversation")
    a.shot("04-conversation")

    # -- more history than one page (posted over HTTP by Bob, shown live)
    direct_id = a.js("return decodeURIComponent(location.hash.split('/')[2])")
    bob_http = Account(node.api, bob_name, PASSWORD, None, login(node.api, bob_name, PASSWORD))
    post_many(bob_http, direct_id, [f"backlog {i}" for i in range(80)])
    wait_message(a, "backlog 79")

    # -- a reload keeps the session and shows the newest page; scrolling up
    # pages back (`before`) to the first message
    a.d.refresh()
    wait_online(a)
    wait_message(a, "backlog 79")
    assert "Hi Bob, this is Alice" not in messages(a)
    a.wait(lambda: a.js("const m = document.getElementById('messages'); m.scrollTop = 0;"
                        "return document.querySelector('#messages li.msg[data-seq=\"1\"]') !== null"),
           "the first message after scrolling up")
    for text in ("Hi Bob, this is Alice", "Hello Alice", "line 2 from Alice", "backlog 0"):
        assert text in messages(a)
    seqs = a.js("return [...document.querySelectorAll('#messages li.msg[data-seq]')].map(e => +e.dataset.seq)")
    assert seqs == list(range(1, 86)), seqs

    # -- a group with an invitation accepted live
    a.one("#new-conv summary").click()
    a.fill("#group-title", "Weekend plans")
    a.fill("#group-invite", bob_name)
    a.click("#group-create")
    a.wait(lambda: "Weekend plans" in a.text_of("#pane-title"), "the new group open")
    b.click(".back")
    b.wait(lambda: "Weekend plans" in b.text_of("#invitations"), "the invitation arriving live")
    b.shot("05-phone-invitation")
    b.click("#invitations button.accept")
    b.wait(lambda: "Weekend plans" in b.text_of("#pane-title"), "the group open after accepting")
    a.click("#members-toggle")
    a.wait(lambda: "Bob" in a.text_of("#member-list"), "Bob in Alice's member list (live)")
    send(b, "I'm in!")
    wait_message(a, "I'm in!")
    a.shot("06-group-members")

    # -- the node goes down: the pages show it and queue what is typed
    node.stop_clean()
    for x in (a, b):
        x.wait(lambda x=x: state(x) in ("offline", "connecting"), "the page noticing the node is down")
    a.fill("#composer-text", "sent while the node was down").send_keys("\n")
    a.wait(lambda: "Waiting for the connection" in a.text_of("#messages li.pending"),
           "the message shown as waiting")
    a.wait(lambda: state(a) == "offline", "the offline badge")
    a.shot("07-offline-queued")

    # -- it comes back: both reconnect, sync, send the queued message, keep chatting
    node.start()
    # Posted before the pages have reconnected: they must get it by `sync`.
    alice_http = login(node.api, alice_name, PASSWORD)["access_token"]
    conv_id = a.js("return decodeURIComponent(location.hash.split('/')[2])")
    r = node.call("POST", f"/conversations/{conv_id}/messages",
                  {"text": "posted over HTTP during the reconnect"}, token=alice_http)
    assert r.status == 201, r
    wait_online(a, 25)
    wait_online(b, 25)
    for text in ("sent while the node was down", "posted over HTTP during the reconnect"):
        wait_message(b, text, 15)
        wait_message(a, text, 15)
    send(b, "back after the restart")
    wait_message(a, "back after the restart")
    a.js("document.getElementById('new-conv').open = false")
    a.shot("08-group-after-restart")
    b.click(".back")
    open_conv(b, "Alice")
    send(b, "direct still works")
    open_conv(a, "Bob")
    wait_message(a, "direct still works")
    a.shot("09-direct-after-restart")

    # -- sessions: the HTTP login above is listed and can be ended from the page
    a.click("#nav-sessions")
    a.wait(lambda: len(a.css("#sessions li")) == 2, "two sessions listed")
    a.shot("10-sessions")
    a.click("#sessions li:not(:has(.tag)) button")
    a.wait(lambda: len(a.css("#sessions li")) == 1, "the other session ended")
    assert node.call("GET", "/users/me", token=alice_http).status == 401

    # The pages refresh their 10 s access tokens by themselves (rotation)
    # when a call needs one that is about to expire.
    def rotated():
        a.click("#nav-sessions")          # lists the sessions: an API call
        return stored_auth(a)["refresh"] != first_refresh
    a.wait(rotated, "the page to rotate its refresh token", 15)
    # -- logging out returns to the login screen and forgets the tokens
    b.click("#logout")
    b.one("#login-username")
    assert stored_auth(b) is None

    for x in (a, b):  # no script error (refused connections while down are expected)
        errors = [e["message"] for e in x.console_errors() if "Uncaught" in e.get("message", "")]
        assert not errors, errors
