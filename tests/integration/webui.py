"""Steps shared by the web-client browser tests (test_web_*.py): registering
through the page, waiting for the connection, reading and sending messages."""
import json

PASSWORD = "web client pw 1"


def register_in(b, node, username, display):
    b.d.get(node.base_url + "/")
    b.one("#login-username")
    b.click("#mode-register")
    b.fill("#login-username", username)
    b.fill("#login-password", PASSWORD)
    b.fill("#login-display", display)
    b.click("#login-submit")
    b.one("#usernav")
    wait_online(b)


def keyboard_register(b, node, username, display):
    """Registers with the keyboard alone: focus order and Enter to submit."""
    from selenium.webdriver.common.keys import Keys
    b.d.get(node.base_url + "/")
    b.one("#login-username")
    focused = lambda: b.js("return document.activeElement.id")  # noqa: E731
    assert focused() == "login-username"  # focused on arrival
    keys = b.d.switch_to.active_element
    keys.send_keys(Keys.SHIFT, Keys.TAB)
    assert focused() == "mode-register"
    b.d.switch_to.active_element.send_keys(Keys.ENTER)
    for field, text in (("login-username", username), ("login-password", PASSWORD),
                        ("login-display", display)):
        b.d.switch_to.active_element.send_keys(Keys.TAB)
        assert focused() == field
        b.d.switch_to.active_element.send_keys(text)
    b.d.switch_to.active_element.send_keys(Keys.ENTER)
    b.one("#usernav")
    wait_online(b)


def state(b):
    return b.js("return document.getElementById('conn').dataset.state")


def wait_online(b, timeout=10):
    b.wait(lambda: state(b) == "online", "the connection badge to say online", timeout)


def messages(b):
    """Texts of the stored (not pending) messages shown in the open conversation."""
    return b.js("return [...document.querySelectorAll('#messages li.msg[data-seq]:not([data-seq=\"\"]) .text')]"
                ".map(e => e.textContent)")


def wait_message(b, text, timeout=10):
    b.wait(lambda: text in messages(b), f"message {text!r} in the open conversation", timeout)


def send(b, text):
    box = b.fill("#composer-text", text)
    box.send_keys("\n")  # Enter sends
    wait_message(b, text)
    b.wait(lambda: not b.css("#messages li.pending"), "no pending message left")


def open_conv(b, name):
    link = b.wait(lambda: next((e for e in b.css("#conv-list a.conv") if name in e.text), None),
                  f"conversation {name!r} in the list")
    link.click()
    b.wait(lambda: name in b.text_of("#pane-title"), f"conversation {name!r} open")


def stored_auth(b):
    return json.loads(b.js("return localStorage.getItem('chat.auth')") or "null")


def log_in(b, node, username):
    """Logs an existing account (password PASSWORD) in through the page."""
    b.d.get(node.base_url + "/")
    b.fill("#login-username", username)
    b.fill("#login-password", PASSWORD)
    b.click("#login-submit")
    b.one("#usernav")
    wait_online(b)
