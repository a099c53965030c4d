#include "actors/auth/refresh_token.hpp"

#include <charconv>

#include "security/crypto.hpp"
#include "security/encoding.hpp"

namespace chat {
namespace {

std::string mac_for(std::string_view key, const std::string& session_id, std::uint64_t generation,
                    const std::string& salt) {
  std::string message = session_id;
  message += '|';
  message += std::to_string(generation);
  message += '|';
  message += salt;
  return security::base64url_encode(security::hmac_sha256(key, message));
}

} // namespace

std::string make_refresh_token(std::string_view key, const session_record& s) {
  return s.id + '.' + std::to_string(s.refresh_generation) + '.'
         + mac_for(key, s.id, s.refresh_generation, s.refresh_salt);
}

std::optional<refresh_token_parts> parse_refresh_token(std::string_view token) {
  if (token.size() > 256)
    return std::nullopt;
  auto first = token.find('.');
  if (first == std::string_view::npos)
    return std::nullopt;
  auto second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
    return std::nullopt;
  refresh_token_parts parts;
  parts.session_id = token.substr(0, first);
  auto gen = token.substr(first + 1, second - first - 1);
  auto [ptr, ec] = std::from_chars(gen.data(), gen.data() + gen.size(), parts.generation);
  if (gen.empty() || ec != std::errc{} || ptr != gen.data() + gen.size())
    return std::nullopt;
  parts.mac = token.substr(second + 1);
  if (parts.mac.empty())
    return std::nullopt;
  return parts;
}

bool refresh_token_authentic(std::string_view key, const session_record& s,
                             const refresh_token_parts& parts) {
  return parts.session_id == s.id
         && security::constant_time_equal(parts.mac,
                                          mac_for(key, s.id, parts.generation, s.refresh_salt));
}

} // namespace chat
