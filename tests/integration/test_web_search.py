"""Search in the web client (headless Chromium, three nodes): a message posted
through another node is found in the open conversation, newest first with
its author; clicking an old result loads the history around it and shows it;
"More results" pages on; no match and a bad query say so; "All my
conversations" finds messages of another conversation and opens it there."""
from chatclient import Account, group_with, login, new_account, post_many
from webui import PASSWORD, log_in, messages, open_conv


def account(node, display):
    return new_account(node.api, password=PASSWORD, display_name=display)


def results(b):
    """[(author, text, conv, seq)] of the shown results, in order."""
    return b.js("return [...document.querySelectorAll('#search-results .result')].map(e =>"
                " [e.querySelector('.who').textContent, e.querySelector('.text').textContent,"
                "  e.dataset.conv, +e.dataset.seq])")


def search(b, q, all_convs=False):
    if b.js("return document.getElementById('search').hidden"):
        b.click("#search-toggle")
    box = b.one("#search-all")
    if box.is_selected() != all_convs:
        box.click()
    b.js("document.getElementById('search-results').replaceChildren()")
    b.fill("#search-q", q).send_keys("\n")


def in_view(b, seq):
    """The message `seq` is shown inside the visible part of the history."""
    return b.js("const el = document.querySelector(`#messages li.msg[data-seq=\"${arguments[0]}\"]`);"
                "if (!el) return false; const r = el.getBoundingClientRect(),"
                " v = document.getElementById('messages').getBoundingClientRect();"
                "return r.top >= v.top - 1 && r.bottom <= v.bottom + 1;", seq)


def test_search_one_and_all_conversations(cluster, browser):
    n1, n2, _ = cluster
    alice = account(n1, "Alice")
    bob = account(n2, "Bob")
    bob_n2 = Account(n2.api, bob.username, PASSWORD, bob.user, login(n2.api, bob.username, PASSWORD))
    room = group_with(alice, bob, title="search room")
    other = group_with(bob, alice, title="other room")
    # Posted through n2 (Alice's page talks to n1): an old message, then
    # enough newer ones that it is not on the first page the page loads.
    post_many(bob_n2, room, ["the quarterly zebra report is late"])
    post_many(bob_n2, room, [f"filler number {i}" for i in range(70)])
    post_many(bob_n2, other, ["a zebra crossing near the office"])
    r = bob_n2.call("POST", f"/conversations/{room}/messages", {"text": "see above", "reply_to": 1})
    assert r.status == 201, r

    a = browser("alice", 1280, 800)
    log_in(a, n1, alice.username)
    open_conv(a, "search room")
    a.wait(lambda: "filler number 69" in messages(a), "the newest page")
    assert "the quarterly zebra report is late" not in messages(a)

    # -- a reply's quote of a message not loaded jumps to it (loading it)
    quote = '#messages li.msg[data-seq="72"] .quote'
    a.wait(lambda: a.css(quote) and "message #1" in a.text_of(quote), "the quote of seq 1")
    a.js(f"document.querySelector('{quote}').click()")
    a.wait(lambda: in_view(a, 1), "the quoted message (seq 1) loaded and in view")
    a.wait(lambda: "quarterly zebra" in a.text_of(quote), "the quote showing the loaded message")
    a.d.refresh()  # forget the loaded history again
    open_conv(a, "search room")
    a.wait(lambda: "see above" in messages(a), "the newest page again")
    assert "the quarterly zebra report is late" not in messages(a)

    # -- this conversation: the old message, with its author
    search(a, "zebra")
    a.wait(lambda: results(a), "a search result")
    found = results(a)
    assert [(r[0], r[1]) for r in found] == [("Bob", "the quarterly zebra report is late")], found
    assert found[0][2] == room and found[0][3] == 1
    a.shot("search-01-result")
    a.one("#search-results .result").click()
    a.wait(lambda: in_view(a, 1), "the found message (seq 1) loaded and scrolled into view")
    assert "flash" in a.one('#messages li.msg[data-seq="1"]').get_attribute("class")
    a.shot("search-02-jumped")

    # -- newest first, 20 a page, "More results" for the next page
    search(a, "filler")
    a.wait(lambda: len(results(a)) == 20, "a first page of 20 results")
    first = [r[1] for r in results(a)]
    assert first == [f"filler number {i}" for i in range(69, 49, -1)], first
    a.click("#search-more")
    a.wait(lambda: len(results(a)) == 40, "40 results after More")
    assert [r[1] for r in results(a)][20:] == [f"filler number {i}" for i in range(49, 29, -1)]

    # -- nothing found; a bad query shows the server's reason
    search(a, "okapi")
    a.wait(lambda: "No messages found" in a.text_of("#search-hint"), "the empty-result message")
    assert not results(a)
    assert a.js("return document.getElementById('search-more').hidden")
    search(a, "z*")
    a.wait(lambda: a.text_of("#search-error"), "the error for a too short prefix")
    assert "prefix" in a.text_of("#search-error").lower(), a.text_of("#search-error")
    assert not results(a)

    # -- across conversations: both rooms' messages, and a click opens the other room
    search(a, "zebra", all_convs=True)
    a.wait(lambda: len(results(a)) == 2, "results from both conversations")
    texts = [r[1] for r in results(a)]
    assert texts == ["a zebra crossing near the office", "the quarterly zebra report is late"], texts
    assert "other room" in a.text_of("#search-results")
    a.shot("search-03-all")
    a.css("#search-results .result")[0].click()
    a.wait(lambda: "other room" in a.text_of("#pane-title"), "the other room opened")
    a.wait(lambda: "a zebra crossing near the office" in messages(a), "the found message shown")
    seq = results(a)[0][3] if results(a) else 1
    a.wait(lambda: in_view(a, seq), "the found message in view")
    # The search panel kept its results across the switch.
    assert len(results(a)) == 2
