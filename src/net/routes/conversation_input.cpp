#include "net/routes/conversation_input.hpp"

#include <charconv>

#include <boost/json/object.hpp>

#include "net/json_body.hpp"
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
  if (!parse_object(body, o, error) || !required_string(o, "text", out.text, error)
      || !optional_string(o, "client_msg_id", id, error))
    return false;
  if (!validate::message_text(out.text))
    return invalid(error, "field 'text' must be 1-4096 bytes of UTF-8");
  if (id) {
    // An empty string is not "no id": it is an invalid one.
    if (!validate::client_msg_id(*id))
      return invalid(error, "field 'client_msg_id' must be 1-64 bytes");
    out.client_msg_id = std::move(*id);
  } else {
    out.client_msg_id.clear();
  }
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

} // namespace chat::net
