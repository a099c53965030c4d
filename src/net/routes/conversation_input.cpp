#include "net/routes/conversation_input.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

#include <boost/json/object.hpp>

#include "net/json_body.hpp"
#include "schema/attachment_ids.hpp"
#include "schema/validation.hpp"

namespace chat::net {
namespace {

constexpr std::uint32_t max_page = 500;

bool invalid(api_error& error, std::string message) {
  error = {errc::bad_request, std::move(message)};
  return false;
}

bool read_count(const query_params& query, std::string_view name,
                std::optional<std::uint64_t>& out, api_error& error) {
  out.reset();
  const auto* v = query.find(name);
  if (!v)
    return true;
  out = parse_count(*v);
  if (!out)
    return invalid(error, "query parameter '" + std::string{name}
                            + "' must be a non-negative integer");
  return true;
}

} // namespace

std::optional<std::uint64_t> parse_count(std::string_view s) noexcept {
  if (s.empty())
    return std::nullopt;
  for (char c : s)
    if (c < '0' || c > '9')
      return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size())
    return std::nullopt; // out of range
  return v;
}

bool read_new_conversation(std::string_view body, new_conversation& out, api_error& error) {
  boost::json::object o;
  if (!parse_object(body, o, error) || !required_string(o, "title", out.title, error)
      || !optional_string_array(o, "invite", out.invite, error))
    return false;
  if (!validate::title(out.title))
    return invalid(error, "field 'title' must be 1-128 bytes of UTF-8");
  return true;
}

bool read_user_ref(std::string_view body, std::string& user_id, api_error& error) {
  boost::json::object o;
  return parse_object(body, o, error) && required_string(o, "user_id", user_id, error);
}

bool read_new_message(std::string_view body, new_message& out, api_error& error) {
  boost::json::object o;
  std::optional<std::string> id;
  std::optional<std::string> text;
  std::string why;
  if (!parse_object(body, o, error))
    return false;
  if (!read_attachment_ids(o, out.attachments, why))
    return invalid(error, why);
  // With attachments the text may be empty or absent: a file alone.
  if (out.attachments.empty() ? !required_string(o, "text", out.text, error)
                              : !optional_string(o, "text", text, error))
    return false;
  if (text)
    out.text = std::move(*text);
  else if (!out.attachments.empty())
    out.text.clear();
  if (!optional_string(o, "client_msg_id", id, error))
    return false;
  if (out.attachments.empty() ? !validate::message_text(out.text)
                              : !validate::attachment_caption(out.text))
    return invalid(error, out.attachments.empty()
                            ? "field 'text' must be 1-4096 bytes of UTF-8"
                            : "field 'text' must be at most 4096 bytes of UTF-8");
  if (id) {
    // An empty string is not "no id": it is an invalid one.
    if (!validate::client_msg_id(*id))
      return invalid(error, "field 'client_msg_id' must be 1-64 bytes");
    out.client_msg_id = std::move(*id);
  } else {
    out.client_msg_id.clear();
  }
  out.reply_to = 0;
  if (auto it = o.find("reply_to"); it != o.end() && !it->value().is_null()) {
    const auto& v = it->value();
    if (v.is_uint64() && v.get_uint64() > 0)
      out.reply_to = v.get_uint64();
    else if (v.is_int64() && v.get_int64() > 0)
      out.reply_to = static_cast<std::uint64_t>(v.get_int64());
    else
      return invalid(error, "field 'reply_to' must be a positive integer (a message's seq)");
  }
  return true;
}

bool read_retention(std::string_view body, std::int64_t& seconds, api_error& error) {
  boost::json::object o;
  if (!parse_object(body, o, error))
    return false;
  auto it = o.find("retention_seconds");
  if (it == o.end())
    return invalid(error, "missing field 'retention_seconds'");
  const auto& v = it->value();
  if (v.is_null())
    seconds = 0;
  else if (v.is_int64() && v.get_int64() >= 0)
    seconds = v.get_int64();
  else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    seconds = static_cast<std::int64_t>(v.get_uint64());
  else
    return invalid(error, "field 'retention_seconds' must be a non-negative integer or null");
  return true;
}

bool read_edit(std::string_view body, std::string& text, api_error& error) {
  boost::json::object o;
  if (!parse_object(body, o, error) || !required_string(o, "text", text, error))
    return false;
  if (!validate::message_text(text))
    return invalid(error, "field 'text' must be 1-4096 bytes of UTF-8");
  return true;
}

bool read_emoji(std::string_view body, std::string& emoji, api_error& error) {
  boost::json::object o;
  return parse_object(body, o, error) && required_string(o, "emoji", emoji, error);
}

bool read_change_key(std::string_view body, std::string& client_msg_id, api_error& error) {
  boost::json::object o;
  std::optional<std::string> id;
  if (!parse_object(body, o, error) || !optional_string(o, "client_msg_id", id, error))
    return false;
  if (id && !validate::client_msg_id(*id))
    return invalid(error, "field 'client_msg_id' must be 1-64 bytes");
  client_msg_id = id ? std::move(*id) : std::string{};
  return true;
}

bool read_page(const query_params& query, page_request& out, api_error& error) {
  std::optional<std::uint64_t> limit;
  if (!read_count(query, "after", out.after, error)
      || !read_count(query, "before", out.before, error)
      || !read_count(query, "limit", limit, error))
    return false;
  if (limit && (*limit < 1 || *limit > max_page))
    return invalid(error, "query parameter 'limit' must be between 1 and "
                            + std::to_string(max_page));
  out.limit = limit ? static_cast<std::uint32_t>(*limit) : 100;
  return true;
}

bool read_invitation_page(const query_params& query, invitation_page_request& out,
                          api_error& error) {
  constexpr std::uint64_t max_invitation_page = 1000;
  std::optional<std::uint64_t> limit;
  if (!read_count(query, "limit", limit, error))
    return false;
  if (limit && (*limit < 1 || *limit > max_invitation_page))
    return invalid(error, "query parameter 'limit' must be between 1 and "
                            + std::to_string(max_invitation_page));
  out.limit = limit ? static_cast<std::size_t>(*limit) : 0;
  if (const auto* after = query.find("after")) {
    // "<created_at>.<invitation id>", as a previous page's `next` gave it.
    auto dot = after->find('.');
    auto ts = dot == std::string::npos ? std::nullopt : parse_count(after->substr(0, dot));
    if (!ts || dot + 1 >= after->size())
      return invalid(error, "query parameter 'after' must be a previous page's 'next'");
    out.after = std::make_pair(static_cast<std::int64_t>(*ts), after->substr(dot + 1));
  }
  return true;
}

invitation_page page_of(const invitation_list& sorted, const invitation_page_request& request) {
  invitation_page page;
  auto it = sorted.begin();
  if (request.after)
    it = std::find_if(sorted.begin(), sorted.end(), [&](const invitation_view& inv) {
      return std::make_pair(inv.created_at, inv.id) > *request.after;
    });
  for (; it != sorted.end(); ++it) {
    if (request.limit && page.invitations.size() == request.limit) {
      page.has_more = true;
      const auto& last = page.invitations.back();
      page.next = std::to_string(last.created_at) + '.' + last.id;
      break;
    }
    page.invitations.push_back(*it);
  }
  return page;
}

} // namespace chat::net
