#include "net/request.hpp"

#include <cctype>

#include "schema/validation.hpp"

namespace chat::net {
namespace {

bool is_space(char c) noexcept { return c == ' ' || c == '\t'; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto x = static_cast<unsigned char>(a[i]);
    auto y = static_cast<unsigned char>(b[i]);
    if (std::tolower(x) != std::tolower(y))
      return false;
  }
  return true;
}

} // namespace

const std::string& incoming::param(std::string_view name) const {
  static const std::string none;
  for (const auto& [k, v] : params)
    if (k == name)
      return v;
  return none;
}

std::optional<std::string_view> bearer_token(std::string_view h) noexcept {
  // RFC 6750: the scheme is case-insensitive, then one or more spaces, then
  // a token without whitespace.
  constexpr std::string_view scheme = "Bearer";
  if (h.size() <= scheme.size() || !iequals(h.substr(0, scheme.size()), scheme)
      || !is_space(h[scheme.size()]))
    return std::nullopt;
  h.remove_prefix(scheme.size());
  while (!h.empty() && is_space(h.front()))
    h.remove_prefix(1);
  while (!h.empty() && is_space(h.back()))
    h.remove_suffix(1);
  if (h.empty())
    return std::nullopt;
  for (char c : h)
    if (is_space(c))
      return std::nullopt;
  return h;
}

std::string session_user_agent(std::string_view header, std::size_t max_bytes) {
  if (header.size() > max_bytes) {
    header = header.substr(0, max_bytes);
    // Drop a multi-byte character cut in half: back up over continuation
    // bytes, then drop its lead byte.
    std::size_t n = header.size();
    while (n > 0 && (static_cast<unsigned char>(header[n - 1]) & 0xC0) == 0x80)
      --n;
    if (n > 0 && static_cast<unsigned char>(header[n - 1]) >= 0xC0)
      --n;
    if (!validate::utf8(header))
      header = header.substr(0, n);
  }
  if (!validate::utf8(header))
    return {};
  return std::string{header};
}

} // namespace chat::net
