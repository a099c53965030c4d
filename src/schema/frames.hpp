#pragma once
// WebSocket frames (PROTOCOL.md "WebSocket"): parsing and validating what a
// client sends, and encoding what the server sends. Each server frame is
// encoded once to text; the same bytes go to every recipient.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "schema/error_code.hpp"
#include "schema/wire.hpp"

namespace chat {

enum class client_frame_type { send, sync, typing, read, ping, edit, remove, react, unreact };

/// A client frame that parsed and passed validation.
struct client_frame {
  client_frame_type type = client_frame_type::ping;
  std::string id;             ///< the client's `id`, as JSON text; empty when absent
  std::string conv;
  std::string text;           ///< send
  std::string client_msg_id;  ///< send and the changes; empty when absent
  std::uint64_t after = 0;    ///< sync
  std::uint32_t limit = 100;  ///< sync, 1..500
  std::uint64_t seq = 0;      ///< read; edit/delete/react/unreact: the message changed
  std::uint64_t reply_to = 0; ///< send; 0 when absent
  std::string emoji;          ///< react/unreact
  std::vector<std::string> attachments; ///< send: attachment ids, none when absent
};

/// A client frame that did not: answered with an error frame carrying `re`.
struct frame_rejection {
  std::string id; ///< JSON text of the client's id, when the frame had one
  errc code = errc::bad_request;
  std::string message;
};

std::variant<client_frame, frame_rejection> parse_client_frame(std::string_view text);

/// `{"id","last_seq"}` of hello; no last_seq (null) when the owner is unreachable.
using conversation_cursor = std::pair<std::string, std::optional<std::uint64_t>>;

/// `counts`, when given, holds each conversation's unread and mention
/// counts (null when unknown) in the order of `conversations`.
std::string hello_frame(std::string_view node, std::string_view session_id, const user_view& user,
                        const std::vector<conversation_cursor>& conversations,
                        const std::vector<std::optional<unread_counts>>& counts = {});
std::string sent_frame(std::string_view re, const send_receipt& receipt);
std::string history_frame(std::string_view re, std::string_view conv, const message_page& page);
std::string pong_frame(std::string_view re);
std::string error_frame(std::string_view re, errc code, std::string_view message);
std::string message_frame(const message_view& m);
/// A stored change (`event`, its own seq) and the changed message as it now is.
std::string change_frame(const message_view& event, const message_view& changed);
std::string typing_frame(std::string_view conv, std::string_view user);
std::string read_frame(std::string_view conv, std::string_view user, std::uint64_t seq);
std::string invitation_frame(const invitation_view& inv);
std::string member_frame(bool joined, std::string_view conv, std::string_view user);
/// A member's role changed (owner, admin, member): every member hears it.
std::string member_role_frame(std::string_view conv, std::string_view user,
                              std::string_view role);
std::string presence_frame(std::string_view user, bool online);

} // namespace chat
