"""Unprompted frames: typing, read markers, presence."""
from chatclient import group_with, new_account, post_message


def test_typing_goes_to_the_others(node, ws_open):
    a = new_account(node.api)
    b = new_account(node.api)
    c = new_account(node.api)
    conv = group_with(a, b, c, title="typing")
    wa, wb, wc = ws_open(node, a), ws_open(node, b), ws_open(node, c)
    wa.emit("typing", conv=conv)
    for w in (wb, wc):
        f = w.expect("typing", conv=conv)
        assert f["user"] == a.id, f
    wa.no_frame_of("typing", within=0.5)
    wa.no_frame_of("error", within=0.0)     # typing has no answer
    wa.assert_alive()


def test_typing_is_not_stored(node, ws_open):
    a = new_account(node.api)
    b = new_account(node.api)
    conv = group_with(a, b)
    wa, wb = ws_open(node, a), ws_open(node, b)
    wa.emit("typing", conv=conv)
    wb.expect("typing", conv=conv)
    assert a.call("GET", f"/conversations/{conv}/messages").json["messages"] == []
    assert wa.request("sync", conv=conv, after=0)["messages"] == []


def test_typing_reaches_only_that_conversation(node, ws_open):
    a = new_account(node.api)
    b = new_account(node.api)
    c = new_account(node.api)
    conv1 = group_with(a, b)
    group_with(a, c)
    wa, wb, wc = ws_open(node, a), ws_open(node, b), ws_open(node, c)
    wa.emit("typing", conv=conv1)
    wb.expect("typing", conv=conv1, user=a.id)
    wc.no_frame_of("typing", within=0.5)


def test_read_marker_goes_to_members(node, ws_open):
    a = new_account(node.api)
    b = new_account(node.api)
    c = new_account(node.api)
    conv = group_with(a, b, c, title="read")
    for i in range(3):
        assert post_message(b, conv, f"r{i}").status == 201
    wa, wb, wc = ws_open(node, a), ws_open(node, b), ws_open(node, c)
    wa.emit("read", conv=conv, seq=2)
    for w in (wb, wc):
        f = w.expect("read", conv=conv)
        assert f["user"] == a.id and f["seq"] == 2, f
    wa.no_frame_of("error", within=0.3)
    wa.assert_alive()


def test_typing_and_read_by_non_member_are_dropped(node, ws_open):
    a = new_account(node.api)
    b = new_account(node.api)
    outsider = new_account(node.api)
    conv = group_with(a, b)
    wa, wb, wo = ws_open(node, a), ws_open(node, b), ws_open(node, outsider)
    wo.emit("typing", conv=conv)
    wo.emit("read", conv=conv, seq=1)
    wo.emit("typing", conv="c_nothing")
    for w in (wa, wb):
        w.no_frame_of("typing", within=0.4)
        w.no_frame_of("read", within=0.1)
    wo.no_frame_of("error", within=0.1)
    wo.assert_alive()


def test_presence_on_first_open_and_last_close(node, ws_open):
    a = new_account(node.api)
    b = new_account(node.api)
    stranger = new_account(node.api)
    group_with(a, b, title="presence")
    wb = ws_open(node, b)
    ws_ = ws_open(node, stranger)
    a1 = ws_open(node, a, "a1")
    f = wb.expect("presence", user=a.id)
    assert f["online"] is True, f
    a2 = ws_open(node, a, "a2")
    wb.no_frame_of("presence", within=0.5, user=a.id)      # not the first socket
    a1.close()
    wb.no_frame_of("presence", within=0.5, user=a.id)      # not the last one
    a2.close()
    f = wb.expect("presence", user=a.id)
    assert f["online"] is False, f
    ws_.no_frame_of("presence", within=0.2, user=a.id)     # shares no conversation with a


def test_presence_reaches_members_of_a_direct_conversation(node, ws_open):
    a = new_account(node.api)
    b = new_account(node.api)
    assert a.call("POST", "/conversations/direct", {"user_id": b.id}).status == 201
    wb = ws_open(node, b)
    wa = ws_open(node, a)
    assert wb.expect("presence", user=a.id)["online"] is True
    wa.close()
    assert wb.expect("presence", user=a.id)["online"] is False



def test_no_presence_through_a_conversation_past_presence_max_members(node_factory, ws_open):
    node = node_factory(extra_cluster="presence_max_members = 2\n")
    a, b, c = (new_account(node.api) for _ in range(3))
    group_with(a, b, c, title="three")                   # past the bound: carries no presence
    wb = ws_open(node, b)
    wa = ws_open(node, a, "a1")
    wb.no_frame_of("presence", within=1.0, user=a.id)
    wa.close()
    wb.no_frame_of("presence", within=1.0, user=a.id)
    group_with(a, b, title="two")                        # within it: presence again
    wa = ws_open(node, a, "a2")
    assert wb.expect("presence", user=a.id)["online"] is True
    wa.close()
    assert wb.expect("presence", user=a.id)["online"] is False
