#include "schema/frames.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "schema/attachment_ids.hpp"
#include "schema/validation.hpp"
#include "schema/wire_json.hpp"

namespace chat {
namespace {

namespace json = boost::json;

struct frame_kind {
  std::string_view name;
  client_frame_type type;
};

constexpr frame_kind kinds[] = {
  {"send", client_frame_type::send},     {"sync", client_frame_type::sync},
  {"typing", client_frame_type::typing}, {"read", client_frame_type::read},
  {"ping", client_frame_type::ping},     {"edit", client_frame_type::edit},
  {"delete", client_frame_type::remove}, {"react", client_frame_type::react},
  {"unreact", client_frame_type::unreact},
};

frame_rejection reject(std::string id, std::string message) {
  return {std::move(id), errc::bad_request, std::move(message)};
}

const json::string* string_field(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? &it->value().get_string() : nullptr;
}

/// A non-negative integer field; JSON numbers that are whole are accepted.
std::optional<std::uint64_t> count_field(const json::value& v) {
  if (v.is_uint64())
    return v.get_uint64();
  if (v.is_int64() && v.get_int64() >= 0)
    return static_cast<std::uint64_t>(v.get_int64());
  return std::nullopt;
}

/// Adds `re` when the client's frame had an id.
void add_re(json::object& o, std::string_view re) {
  if (!re.empty())
    o["re"] = json::parse(re);
}

std::string text_of(const json::object& o) { return json::serialize(o); }

/// `{"type": type, …fields}`: the type first, for people reading frames.
json::object typed(std::string_view type, json::object fields) {
  json::object o{{"type", type}};
  for (auto& [key, value] : fields)
    o[key] = std::move(value);
  return o;
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// The code unit of a `\uXXXX` escape at `i`, or -1.
int escape_at(std::string_view s, std::size_t i) {
  if (i + 6 > s.size() || s[i] != '\\' || s[i + 1] != 'u')
    return -1;
  for (std::size_t k = i + 2; k < i + 6; ++k)
    if (!is_hex(s[k]))
      return -1;
  return std::stoi(std::string{s.substr(i + 2, 4)}, nullptr, 16);
}

/// The frame with every unpaired surrogate escape replaced by U+FFFD, or
/// nothing when it has none. The JSON parser refuses such escapes outright;
/// this only serves to find the frame's id for the error answer.
std::optional<std::string> without_lone_surrogates(std::string_view s) {
  std::string out;
  bool changed = false;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] != 'u') {
      out.append(s.substr(i, 2));
      i += 2;
      continue;
    }
    int unit = escape_at(s, i);
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      int next = escape_at(s, i + 6);
      if (next >= 0xDC00 && next <= 0xDFFF) {
        out.append(s.substr(i, 12));
        i += 12;
        continue;
      }
    }
    if (unit >= 0xD800 && unit <= 0xDFFF) {
      out += "\\ufffd";
      changed = true;
      i += 6;
      continue;
    }
    out.push_back(s[i++]);
  }
  if (!changed)
    return std::nullopt;
  return out;
}

} // namespace

std::variant<client_frame, frame_rejection> parse_client_frame(std::string_view text) {
  json::error_code ec;
  auto doc = json::parse(text, ec);
  if (ec) {
    // Text with a lone surrogate is invalid text, not an invalid frame: the
    // answer still carries the frame's id.
    if (auto repaired = without_lone_surrogates(text)) {
      auto again = json::parse(*repaired, ec);
      if (!ec && again.is_object()) {
        std::string id;
        if (auto it = again.get_object().find("id"); it != again.get_object().end())
          id = json::serialize(it->value());
        return reject(id, "text must be valid UTF-8 (no lone surrogates)");
      }
    }
    return reject({}, "a frame must be a JSON object");
  }
  if (!doc.is_object())
    return reject({}, "a frame must be a JSON object");
  const auto& o = doc.get_object();
  client_frame f;
  if (auto it = o.find("id"); it != o.end())
    f.id = json::serialize(it->value());
  const auto* type = string_field(o, "type");
  if (!type)
    return reject(f.id, "missing frame type");
  bool known = false;
  for (const auto& k : kinds)
    if (*type == k.name) {
      f.type = k.type;
      known = true;
    }
  if (!known)
    return reject(f.id, "unknown frame type");
  if (f.type == client_frame_type::ping)
    return f;
  const auto* conv = string_field(o, "conv");
  if (!conv)
    return reject(f.id, "missing string field: conv");
  f.conv = *conv;
  switch (f.type) {
    case client_frame_type::send: {
      std::string why;
      if (!read_attachment_ids(o, f.attachments, why))
        return reject(f.id, why);
      // With attachments the text may be empty (or absent): a file alone.
      const auto* body = string_field(o, "text");
      if (!body && f.attachments.empty())
        return reject(f.id, "missing string field: text");
      if (body && f.attachments.empty() && !validate::message_text(*body))
        return reject(f.id, "text must be 1-4096 bytes of valid UTF-8");
      if (body && !validate::attachment_caption(*body))
        return reject(f.id, "text must be at most 4096 bytes of valid UTF-8");
      f.text = body ? std::string{body->data(), body->size()} : std::string{};
      if (auto it = o.find("client_msg_id"); it != o.end() && !it->value().is_null()) {
        if (!it->value().is_string() || !validate::client_msg_id(it->value().get_string()))
          return reject(f.id, "client_msg_id must be a string of 1-64 bytes");
        f.client_msg_id = it->value().get_string();
      }
      if (auto it = o.find("reply_to"); it != o.end() && !it->value().is_null()) {
        auto to = count_field(it->value());
        if (!to || *to == 0)
          return reject(f.id, "reply_to must be a positive integer (a message's seq)");
        f.reply_to = *to;
      }
      break;
    }
    case client_frame_type::edit:
    case client_frame_type::remove:
    case client_frame_type::react:
    case client_frame_type::unreact: {
      auto it = o.find("seq");
      auto seq = it != o.end() ? count_field(it->value()) : std::nullopt;
      if (!seq || *seq == 0)
        return reject(f.id, "seq must be a positive integer (the message's seq)");
      f.seq = *seq;
      // The same idempotency key as a send: a retried change is applied once.
      if (auto it = o.find("client_msg_id"); it != o.end() && !it->value().is_null()) {
        if (!it->value().is_string() || !validate::client_msg_id(it->value().get_string()))
          return reject(f.id, "client_msg_id must be a string of 1-64 bytes");
        f.client_msg_id = it->value().get_string();
      }
      if (f.type == client_frame_type::edit) {
        const auto* body = string_field(o, "text");
        if (!body)
          return reject(f.id, "missing string field: text");
        if (!validate::message_text(*body))
          return reject(f.id, "text must be 1-4096 bytes of valid UTF-8");
        f.text = *body;
      } else if (f.type != client_frame_type::remove) {
        const auto* emoji = string_field(o, "emoji");
        if (!emoji)
          return reject(f.id, "missing string field: emoji");
        f.emoji = *emoji; // its rules are the conversation's (message_changes)
      }
      break;
    }
    case client_frame_type::sync: {
      auto it = o.find("after");
      auto after = it != o.end() ? count_field(it->value()) : std::nullopt;
      if (!after)
        return reject(f.id, "after must be a non-negative integer");
      f.after = *after;
      if (auto lim = o.find("limit"); lim != o.end() && !lim->value().is_null()) {
        auto n = count_field(lim->value());
        if (!n || *n < 1 || *n > 500)
          return reject(f.id, "limit must be an integer from 1 to 500");
        f.limit = static_cast<std::uint32_t>(*n);
      }
      break;
    }
    case client_frame_type::read: {
      auto it = o.find("seq");
      auto seq = it != o.end() ? count_field(it->value()) : std::nullopt;
      if (!seq)
        return reject(f.id, "seq must be a non-negative integer");
      f.seq = *seq;
      break;
    }
    default:
      break;
  }
  return f;
}

std::string hello_frame(std::string_view node, std::string_view session_id, const user_view& user,
                        const std::vector<conversation_cursor>& conversations,
                        const std::vector<std::optional<unread_counts>>& counts) {
  json::array convs;
  for (std::size_t i = 0; i < conversations.size(); ++i) {
    const auto& [id, last] = conversations[i];
    json::object c{{"id", id}};
    if (last)
      c["last_seq"] = *last;
    else
      c["last_seq"] = nullptr;
    if (i < counts.size()) {
      const auto& n = counts[i];
      c["unread"] = n ? json::value(n->unread) : json::value(nullptr);
      c["unread_capped"] = n ? json::value(n->unread_capped) : json::value(nullptr);
      c["mentions"] = n ? json::value(n->mentions) : json::value(nullptr);
    }
    convs.push_back(std::move(c));
  }
  return text_of({{"type", "hello"},
                  {"node", node},
                  {"session_id", session_id},
                  {"user", to_json(user)},
                  {"conversations", std::move(convs)}});
}

std::string sent_frame(std::string_view re, const send_receipt& r) {
  json::object o{{"type", "sent"}, {"re", nullptr}, {"conv", r.conv},
                 {"seq", r.seq},    {"msg_id", r.msg_id}, {"ts", r.ts}};
  add_re(o, re);
  return text_of(o);
}

std::string history_frame(std::string_view re, std::string_view conv, const message_page& page) {
  json::object o = typed("history", {{"re", nullptr}, {"conv", conv}});
  for (auto& [key, value] : to_json(page))
    o[key] = value;
  add_re(o, re);
  return text_of(o);
}

std::string pong_frame(std::string_view re) {
  json::object o{{"type", "pong"}, {"re", nullptr}};
  add_re(o, re);
  return text_of(o);
}

std::string error_frame(std::string_view re, errc code, std::string_view message) {
  json::object o{{"type", "error"}, {"re", nullptr}, {"code", code_name(code)},
                 {"message", message}};
  add_re(o, re);
  return text_of(o);
}

std::string message_frame(const message_view& m) {
  return text_of(typed("message", to_json(m)));
}

std::string change_frame(const message_view& event, const message_view& changed) {
  json::object o = typed("change", to_json(event));
  o["message"] = to_json(changed);
  return text_of(o);
}

std::string typing_frame(std::string_view conv, std::string_view user) {
  return text_of({{"type", "typing"}, {"conv", conv}, {"user", user}});
}

std::string read_frame(std::string_view conv, std::string_view user, std::uint64_t seq) {
  return text_of({{"type", "read"}, {"conv", conv}, {"user", user}, {"seq", seq}});
}

std::string invitation_frame(const invitation_view& inv) {
  return text_of({{"type", "invitation"}, {"invitation", to_json(inv)}});
}

std::string member_frame(bool joined, std::string_view conv, std::string_view user) {
  return text_of(
    {{"type", joined ? "member_joined" : "member_left"}, {"conv", conv}, {"user", user}});
}

std::string member_role_frame(std::string_view conv, std::string_view user,
                              std::string_view role) {
  return text_of({{"type", "member_role"}, {"conv", conv}, {"user", user}, {"role", role}});
}

std::string presence_frame(std::string_view user, bool online) {
  return text_of({{"type", "presence"}, {"user", user}, {"online", online}});
}

} // namespace chat
