"""Unread and mention counts in the web client (headless Chromium): the
conversation list shows the server's counts after login (own messages not
counted), counts live messages on top, the tab title sums them, and opening
the conversation clears them and marks the message that mentions the reader."""
from chatclient import group_with, new_account, post_message
from webui import PASSWORD, log_in, messages, wait_online


def test_list_badges_and_title_count_unread_and_mentions(node_factory, browser):
    node = node_factory()
    alice = new_account(node.api, display_name="Alice")
    bob = new_account(node.api, password=PASSWORD, display_name="Bob")
    conv = group_with(alice, bob, title="standup")
    assert post_message(alice, conv, "morning all").status == 201
    assert post_message(alice, conv, f"@{bob.username} please look at this").status == 201
    assert post_message(bob, conv, "my own words are not unread to me").status == 201

    b = browser("bob", 1180, 760)
    log_in(b, node, bob.username)
    link = b.wait(lambda: next((e for e in b.css("#conv-list a.conv") if "standup" in e.text), None),
                  "the group in Bob's list")
    b.wait(lambda: link.get_attribute("data-unread") == "2", "2 unread (Bob's own message not counted)")
    assert link.get_attribute("data-mentions") == "1"
    b.wait(lambda: b.d.title == "(2) Chat", "the tab title counting 2")
    b.shot("unread-01-list")

    # A live message that mentions Bob is counted on top of the server's counts.
    assert post_message(alice, conv, f"and again @{bob.username}").status == 201
    b.wait(lambda: link.get_attribute("data-unread") == "3", "3 unread after a live message")
    b.wait(lambda: link.get_attribute("data-mentions") == "2", "2 mentions after a live mention")
    b.wait(lambda: b.d.title == "(3) Chat", "the tab title counting 3")

    # Opening the conversation reads it: the counts and the title clear, and
    # the messages that mention Bob are marked.
    link.click()
    b.wait(lambda: any("and again" in t for t in messages(b)), "the messages shown")
    b.wait(lambda: link.get_attribute("data-unread") == "0", "the unread count cleared")
    b.wait(lambda: b.d.title == "Chat", "the tab title without a count")
    marked = b.css("#messages li.msg.mentions-me")
    assert len(marked) == 2, [e.text for e in marked]
    b.shot("unread-02-read")

    # After a reload the server's counts (read marker stored) say nothing unread.
    b.d.refresh()
    wait_online(b)
    link = b.wait(lambda: next((e for e in b.css("#conv-list a.conv") if "standup" in e.text), None),
                  "the group after a reload")
    b.wait(lambda: link.get_attribute("data-unread") == "0", "nothing unread after a reload")
