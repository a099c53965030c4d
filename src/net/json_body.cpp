#include "net/json_body.hpp"

#include <boost/json/parse.hpp>

namespace chat::net {
namespace {

bool wrong_field(api_error& error, std::string_view where, std::string_view key,
                 std::string_view what) {
  error = {errc::bad_request,
           "field '" + std::string{where} + std::string{key} + "' " + std::string{what}};
  return false;
}

} // namespace

bool parse_object(std::string_view body, boost::json::object& out, api_error& error) {
  boost::system::error_code ec;
  // Boost.JSON refuses invalid UTF-8 and lone surrogate escapes by default,
  // which is exactly the protocol's rule for text.
  auto v = boost::json::parse(body, ec);
  if (ec) {
    error = {errc::bad_request, "the body is not valid JSON"};
    return false;
  }
  if (!v.is_object()) {
    error = {errc::bad_request, "the body must be a JSON object"};
    return false;
  }
  out = std::move(v.get_object());
  return true;
}

bool required_string(const boost::json::object& o, std::string_view key, std::string& out,
                     api_error& error, std::string_view where) {
  const auto* v = o.if_contains(key);
  if (!v)
    return wrong_field(error, where, key, "is required");
  if (!v->is_string())
    return wrong_field(error, where, key, "must be a string");
  out = v->get_string();
  return true;
}

bool optional_string(const boost::json::object& o, std::string_view key,
                     std::optional<std::string>& out, api_error& error,
                     std::string_view where) {
  out.reset();
  const auto* v = o.if_contains(key);
  if (!v || v->is_null())
    return true;
  if (!v->is_string())
    return wrong_field(error, where, key, "must be a string");
  out.emplace(v->get_string());
  return true;
}

bool optional_object(const boost::json::object& o, std::string_view key,
                     const boost::json::object*& out, api_error& error,
                     std::string_view where) {
  out = nullptr;
  const auto* v = o.if_contains(key);
  if (!v || v->is_null())
    return true;
  if (!v->is_object())
    return wrong_field(error, where, key, "must be an object");
  out = &v->get_object();
  return true;
}

bool optional_string_array(const boost::json::object& o, std::string_view key,
                           std::vector<std::string>& out, api_error& error,
                           std::string_view where) {
  out.clear();
  const auto* v = o.if_contains(key);
  if (!v || v->is_null())
    return true;
  if (!v->is_array())
    return wrong_field(error, where, key, "must be an array of strings");
  const auto& a = v->get_array();
  out.reserve(a.size());
  for (const auto& e : a) {
    if (!e.is_string()) {
      out.clear();
      return wrong_field(error, where, key, "must be an array of strings");
    }
    out.emplace_back(e.get_string());
  }
  return true;
}

} // namespace chat::net
