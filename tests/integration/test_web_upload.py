"""Files and roles in the web client (headless Chromium): a PNG picked in the
file input is uploaded with a visible progress bar and shown inline for the
sender and for another member; a text file shows as a link whose download
gives the same bytes; a file over the node's upload limit shows the
server's error; the owner makes a member admin and the member's page shows
the new role live (with "Delete" on others' messages and "Remove" on plain
members), and again when the role is taken back."""
import struct
import zlib

from chatclient import group_with, new_account
from webui import PASSWORD, log_in, messages, open_conv, send, wait_message

LIMIT = 20000  # attachment_max_bytes of this test's node


def png(width, height):
    """A valid RGB PNG of width x height red pixels."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def pick_file(b, path):
    """Chooses `path` in the composer's (hidden) file input."""
    el = b.css("#attach-input")[0]
    b.js("arguments[0].hidden = false", el)  # chromedriver types only into shown inputs
    el.send_keys(str(path))
    b.js("arguments[0].hidden = true", el)


def watch_progress(b):
    """Records whether a <progress> ever appears in the upload tray."""
    b.js("""window.__sawProgress = false;
            new MutationObserver(() => { if (document.querySelector('#attach-tray progress'))
              window.__sawProgress = true; }).observe(document.body, {subtree: true, childList: true});""")


def wait_uploaded(b, name):
    b.wait(lambda: b.js(
        "const li = [...document.querySelectorAll('#attach-tray li.upload')]"
        "  .find(e => e.querySelector('.name').textContent === arguments[0]);"
        "if (!li || li.dataset.state !== 'done') return false;"
        "const p = li.querySelector('progress'); return p.value === p.max;", name),
        f"the upload of {name} finished (progress bar full)")


def inline_image_size(b, text):
    """[naturalWidth, naturalHeight] of the image shown in the message `text`, or None."""
    return b.js(
        "const li = [...document.querySelectorAll('#messages li.msg[data-seq]')]"
        "  .find(e => e.querySelector('.text').textContent === arguments[0]);"
        "const img = li && li.querySelector('.att-image[data-loaded] img');"
        "return img && img.complete && img.naturalWidth ? [img.naturalWidth, img.naturalHeight] : null;", text)


def delete_shown(b, text):
    return b.js(
        "const li = [...document.querySelectorAll('#messages li.msg[data-seq]')]"
        "  .find(e => e.querySelector('.text').textContent === arguments[0]);"
        "return !li.querySelector('.act-delete').hidden;", text)


def test_upload_show_download_limit_and_roles(node_factory, browser, tmp_path):
    node = node_factory(extra_cluster=f"attachment_max_bytes = {LIMIT}\n")
    alice = new_account(node.api, password=PASSWORD, display_name="Alice")
    bob = new_account(node.api, password=PASSWORD, display_name="Bob")
    carol = new_account(node.api, password=PASSWORD, display_name="Carol")
    group_with(alice, bob, carol, title="files room")

    a = browser("alice", 1180, 760)
    b = browser("bob", 1180, 760)
    log_in(a, node, alice.username)
    log_in(b, node, bob.username)
    open_conv(a, "files room")
    open_conv(b, "files room")

    # -- a PNG through the file input: progress bar, then inline for both
    picture = tmp_path / "red dot.png"
    picture.write_bytes(png(40, 24))
    watch_progress(a)
    pick_file(a, picture)
    wait_uploaded(a, "red dot.png")
    assert a.js("return window.__sawProgress") is True
    send(a, "here is a picture")
    assert not a.css("#attach-tray li"), "the tray is emptied by the send"
    a.wait(lambda: inline_image_size(a, "here is a picture") == [40, 24], "the image inline at Alice's")
    wait_message(b, "here is a picture")
    b.wait(lambda: inline_image_size(b, "here is a picture") == [40, 24], "the image inline at Bob's")
    a.shot("upload-01-image")

    # -- a text file: a link with its name and size whose download works
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"line one\nline two\n" * 10)
    pick_file(a, notes)
    wait_uploaded(a, "notes.txt")
    send(a, "and the notes")
    wait_message(b, "and the notes")
    link = b.wait(lambda: next((e for e in b.css("#messages a.att-file") if "notes.txt" in e.text), None),
                  "the notes.txt link at Bob's")
    assert "180 B" in link.text, link.text
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    b.d.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    from selenium.webdriver.common.action_chains import ActionChains
    # Hovering a message shows its actions, which moves it: hover, then click.
    ActionChains(b.d).move_to_element(link).pause(0.3).perform()
    link.click()
    saved = downloads / "notes.txt"
    b.wait(lambda: saved.exists() and saved.read_bytes() == notes.read_bytes(), "notes.txt downloaded")
    b.shot("upload-02-link")

    # -- a file dropped on the conversation goes the same way
    a.js("const dt = new DataTransfer();"
         "dt.items.add(new File(['dropped text'], 'dropped.txt', {type: 'text/plain'}));"
         "document.getElementById('messages').dispatchEvent("
         "  new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));")
    wait_uploaded(a, "dropped.txt")
    send(a, "dropped in")
    wait_message(b, "dropped in")
    b.wait(lambda: any("dropped.txt (12 B)" in e.text for e in b.css("#messages a.att-file")),
           "the dropped file's link at Bob's")

    # -- over the node's limit: the server's error, nothing left in the tray
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * (LIMIT * 3))
    pick_file(a, big)
    a.wait(lambda: "big.bin" in a.text_of("#composer-error"), "the error for the oversize file")
    error = a.text_of("#composer-error")
    assert "too large" in error.lower() and str(LIMIT) in error, error
    assert not a.css("#attach-tray li")
    a.shot("upload-03-too-large")
    # Only text was stored: the oversize file is in no message.
    assert messages(a)[-1] == "dropped in"

    # -- roles: Bob is a plain member until Alice makes him admin; his page
    # shows the role live, and "Delete" on Alice's messages
    assert not delete_shown(b, "here is a picture")
    for page in (a, b):
        page.click("#members-toggle")
    row = lambda page: next((e for e in page.css("#member-list li") if "Bob" in e.text), None)  # noqa: E731
    b.wait(lambda: row(b) and row(b).get_attribute("data-role") == "member", "Bob a member at Bob's")
    assert not [e for e in b.css("#member-list .admin") if e.is_displayed()], "only the owner names admins"
    kicks = lambda: [e.get_attribute("aria-label") for e in b.css("#member-list .kick") if e.is_displayed()]  # noqa: E731
    assert kicks() == [], "a plain member removes nobody"
    assert "owner" in next(e for e in b.css("#member-list li") if "Alice" in e.text).text
    a.wait(lambda: row(a) and "Make admin" in row(a).text, "the Make admin button at Alice's")
    row(a).find_element("css selector", ".admin").click()
    b.wait(lambda: row(b).get_attribute("data-role") == "admin" and "admin" in row(b).text,
           "Bob shown as admin at Bob's (live)")
    b.wait(lambda: delete_shown(b, "here is a picture"), "Delete on Alice's message for the admin")
    # An admin may remove plain members (Carol), not the owner.
    assert kicks() == ["Remove Carol"], kicks()
    b.shot("upload-04-admin")
    # Bob deletes Alice's picture message as admin; both pages show it deleted
    # without the image.
    b.js("window.confirm = () => true")
    b.js("[...document.querySelectorAll('#messages li.msg[data-seq]')]"
         ".find(e => e.querySelector('.text').textContent === 'here is a picture')"
         ".querySelector('.act-delete').click()")
    for page in (a, b):
        page.wait(lambda page=page: "here is a picture" not in messages(page) and not page.css(".att-image"),
                  "the picture message deleted")
    # Alice removes the admin role again: live at Bob's.
    a.wait(lambda: "Remove admin" in row(a).text, "the Remove admin button")
    row(a).find_element("css selector", ".admin").click()
    b.wait(lambda: row(b).get_attribute("data-role") == "member", "Bob a member again (live)")
    b.wait(lambda: not delete_shown(b, "and the notes"), "no Delete on Alice's messages any more")
    assert kicks() == []
