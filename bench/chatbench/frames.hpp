#pragma once
// Classifying the server's WebSocket frames (PROTOCOL.md "WebSocket").
// The hot frames, `sent` and `message`, are read by a scan for the few keys
// the benchmark needs, without building a JSON tree; anything the scan is not
// sure about (another type, an escaped string, a missing key) goes through
// the full Boost.JSON parse, which gives the same result.
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chatbench {

enum class frame_type { hello, sent, message, error, pong, history, other, invalid };

std::string_view to_string(frame_type t) noexcept;

struct frame_info {
  frame_type type = frame_type::invalid;
  std::optional<std::uint64_t> re;    ///< the answered frame's id (sent, error, pong, history)
  std::optional<std::uint64_t> seq;   ///< sent, message
  std::string_view conv;              ///< sent, message
  std::string_view client_msg_id;     ///< message (empty when null)
  std::string_view code;              ///< error
  bool fast = false;                  ///< read by the scan, not the full parse
};

/// Reads a server frame. The views in the result point into `text` or into
/// `scratch` (used only by the full parse): keep both alive and unchanged
/// while using them.
frame_info parse_frame(std::string_view text, boost::json::value& scratch);

/// The full-parse path alone (the reference the scan is tested against).
frame_info parse_frame_full(std::string_view text, boost::json::value& scratch);

/// The scan alone: nullopt when it cannot decide (the caller then does the full parse).
std::optional<frame_info> parse_frame_fast(std::string_view text) noexcept;

/// Appends a JSON string literal (quotes and escapes) for `s` to `out`.
void append_json_string(std::string& out, std::string_view s);

/// The client `send` frame: {"type":"send","id":N,"conv":C,"text":T,"client_msg_id":K}.
std::string send_frame(std::uint64_t id, std::string_view conv, std::string_view text,
                       std::string_view client_msg_id);

} // namespace chatbench
