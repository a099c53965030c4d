"""The web client's failed sends: a rate-limited message is shown as not sent
with a readable reason and a Retry button; retrying stores it once, with the
client_msg_id it was first sent with."""
import time

from chatclient import login, register, unique_name
from webui import PASSWORD, messages, register_in


def test_rate_limited_send_shows_reason_and_retry_keeps_client_msg_id(node_factory, browser):
    node = node_factory(extra_cluster="rate_burst = 1\nrate_per_second = 1\n")
    other = unique_name("carol")
    register(node.api, other, PASSWORD, display_name="Carol")
    me = unique_name("dave")
    b = browser("dave", 900, 700)
    register_in(b, node, me, "Dave")

    b.fill("#dm-username", "@" + other).send_keys("\n")
    b.wait(lambda: "Carol" in b.text_of("#pane-title"), "the conversation with Carol")
    # Three at once: the first is sent, the others hit the 1/s limit.
    b.fill("#composer-text", "one\ntwo\nthree\n")
    failed = b.wait(lambda: len(b.css("#messages li.pending[data-state='failed']")) == 2 and
                    b.css("#messages li.pending[data-state='failed']"), "two failed sends")
    assert "one" in messages(b)
    reason = failed[0].text
    assert "sending too fast" in reason and "Retry" in reason, reason
    assert "rate_limited" not in reason  # no raw codes
    b.shot("11-send-failed-retry")
    cids = [e.get_attribute("data-key") for e in failed]

    for _ in range(2):
        time.sleep(1.1)
        b.click("#messages li.pending[data-state='failed'] button.retry")
    b.wait(lambda: {"two", "three"} <= set(messages(b)) and not b.css("#messages li.pending"),
           "both retried messages stored")

    token = login(node.api, me, PASSWORD)["access_token"]
    conv = b.js("return decodeURIComponent(location.hash.split('/')[2])")
    r = node.call("GET", f"/conversations/{conv}/messages", token=token)
    assert r.status == 200, r
    stored = r.json["messages"]
    assert [m["text"] for m in stored] == ["one", "two", "three"]
    assert [m["seq"] for m in stored] == [1, 2, 3]
    assert [m["client_msg_id"] for m in stored[1:]] == cids
