#include "frames.hpp"

#include <boost/json/parse.hpp>

#include <charconv>

namespace chatbench {
namespace json = boost::json;

std::string_view to_string(frame_type t) noexcept {
  switch (t) {
    case frame_type::hello: return "hello";
    case frame_type::sent: return "sent";
    case frame_type::message: return "message";
    case frame_type::error: return "error";
    case frame_type::pong: return "pong";
    case frame_type::history: return "history";
    case frame_type::other: return "other";
    case frame_type::invalid: return "invalid";
  }
  return "invalid";
}

namespace {

frame_type type_of(std::string_view t) noexcept {
  if (t == "sent") return frame_type::sent;
  if (t == "message") return frame_type::message;
  if (t == "error") return frame_type::error;
  if (t == "hello") return frame_type::hello;
  if (t == "pong") return frame_type::pong;
  if (t == "history") return frame_type::history;
  return frame_type::other;
}

// In valid JSON an unescaped `"` always delimits a string, so `"key":` found
// anywhere is a key, never a piece of a string value. Server frames put each
// key once and `sent`/`message` are flat, so the first match is the one.
std::size_t value_pos(std::string_view text, std::string_view quoted_key_colon) noexcept {
  const auto at = text.find(quoted_key_colon);
  return at == std::string_view::npos ? at : at + quoted_key_colon.size();
}

enum class scan { ok, null, fail };

scan scan_uint(std::string_view text, std::string_view key, std::optional<std::uint64_t>& out) noexcept {
  auto pos = value_pos(text, key);
  if (pos == std::string_view::npos)
    return scan::fail;
  if (text.substr(pos, 4) == "null")
    return scan::null;
  std::uint64_t v = 0;
  const char* first = text.data() + pos;
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, v);
  if (ec != std::errc{} || ptr == first || (ptr != last && (*ptr == '.' || *ptr == 'e' || *ptr == 'E')))
    return scan::fail;
  out = v;
  return scan::ok;
}

// A string value without escapes (ids never have any); fail otherwise.
scan scan_string(std::string_view text, std::string_view key, std::string_view& out) noexcept {
  auto pos = value_pos(text, key);
  if (pos == std::string_view::npos || pos >= text.size())
    return scan::fail;
  if (text[pos] != '"')
    return text.substr(pos, 4) == "null" ? scan::null : scan::fail;
  const auto end = text.find('"', pos + 1);
  if (end == std::string_view::npos)
    return scan::fail;
  auto v = text.substr(pos + 1, end - pos - 1);
  if (v.find('\\') != std::string_view::npos)
    return scan::fail;
  out = v;
  return scan::ok;
}

std::optional<std::uint64_t> uint_of(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end())
    return std::nullopt;
  if (it->value().is_uint64())
    return it->value().get_uint64();
  if (it->value().is_int64() && it->value().get_int64() >= 0)
    return static_cast<std::uint64_t>(it->value().get_int64());
  return std::nullopt;
}

std::string_view string_of(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string())
    return {};
  const auto& s = it->value().get_string();
  return {s.data(), s.size()};
}

} // namespace

std::optional<frame_info> parse_frame_fast(std::string_view text) noexcept {
  std::string_view type;
  if (scan_string(text, "\"type\":", type) != scan::ok)
    return std::nullopt;
  frame_info f;
  f.fast = true;
  f.type = type_of(type);
  if (f.type == frame_type::sent) {
    if (scan_uint(text, "\"re\":", f.re) != scan::ok || scan_uint(text, "\"seq\":", f.seq) != scan::ok ||
        scan_string(text, "\"conv\":", f.conv) != scan::ok)
      return std::nullopt;
    return f;
  }
  if (f.type == frame_type::message) {
    if (scan_uint(text, "\"seq\":", f.seq) != scan::ok || scan_string(text, "\"conv\":", f.conv) != scan::ok)
      return std::nullopt;
    if (scan_string(text, "\"client_msg_id\":", f.client_msg_id) == scan::fail)
      return std::nullopt;
    return f;
  }
  return std::nullopt;  // rarer frames: the full parse
}

frame_info parse_frame_full(std::string_view text, json::value& scratch) {
  frame_info f;
  boost::system::error_code ec;
  scratch = json::parse(text, ec);
  if (ec || !scratch.is_object())
    return f;  // invalid
  const auto& o = scratch.get_object();
  auto t = o.find("type");
  if (t == o.end() || !t->value().is_string())
    return f;
  const auto& ts = t->value().get_string();
  f.type = type_of({ts.data(), ts.size()});
  f.re = uint_of(o, "re");
  f.seq = uint_of(o, "seq");
  f.conv = string_of(o, "conv");
  f.client_msg_id = string_of(o, "client_msg_id");
  f.code = string_of(o, "code");
  return f;
}

frame_info parse_frame(std::string_view text, json::value& scratch) {
  if (auto f = parse_frame_fast(text))
    return *f;
  return parse_frame_full(text, scratch);
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

std::string send_frame(std::uint64_t id, std::string_view conv, std::string_view text,
                       std::string_view client_msg_id) {
  std::string out;
  out.reserve(64 + conv.size() + text.size() + client_msg_id.size());
  out += "{\"type\":\"send\",\"id\":";
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, id);
  out.append(digits, end);
  out += ",\"conv\":";
  append_json_string(out, conv);
  out += ",\"text\":";
  append_json_string(out, text);
  out += ",\"client_msg_id\":";
  append_json_string(out, client_msg_id);
  out.push_back('}');
  return out;
}

} // namespace chatbench
