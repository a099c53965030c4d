#include "security/jwt.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "security/crypto.hpp"
#include "security/encoding.hpp"

namespace chat::security {
namespace {

namespace json = boost::json;

constexpr std::string_view header_json = R"({"alg":"HS256","typ":"JWT"})";

std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object())
    return std::nullopt;
  return std::move(v.as_object());
}

bool header_acceptable(const json::object& header) {
  auto alg = header.if_contains("alg");
  if (!alg || !alg->is_string() || alg->get_string() != "HS256")
    return false;
  if (auto typ = header.if_contains("typ"); typ && (!typ->is_string() || typ->get_string() != "JWT"))
    return false;
  return true;
}

std::optional<std::string> string_claim(const json::object& payload, std::string_view name) {
  auto v = payload.if_contains(name);
  if (!v || !v->is_string())
    return std::nullopt;
  return std::string(v->get_string());
}

// Doubles such as 1e9 are refused: a claim is either an exact integer or wrong.
std::optional<std::int64_t> integer_claim(const json::object& payload, std::string_view name) {
  auto v = payload.if_contains(name);
  if (!v || !v->is_int64())
    return std::nullopt;
  return v->get_int64();
}

std::optional<jwt_claims> fail(jwt_error* why, jwt_error e) {
  if (why)
    *why = e;
  return std::nullopt;
}

} // namespace

std::string jwt_sign(const jwt_claims& claims, std::string_view key) {
  json::object payload;
  payload["sub"] = claims.sub;
  payload["sid"] = claims.sid;
  payload["iat"] = claims.iat;
  payload["exp"] = claims.exp;
  auto token = base64url_encode(header_json);
  token += '.';
  token += base64url_encode(json::serialize(payload));
  auto signature = hmac_sha256(key, token);
  token += '.';
  token += base64url_encode(signature);
  return token;
}

std::optional<jwt_claims> jwt_verify(std::string_view token, std::string_view key,
                                     std::int64_t now_seconds, jwt_error* why) {
  if (token.size() > jwt_max_size)
    return fail(why, jwt_error::malformed);
  auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos)
    return fail(why, jwt_error::malformed);
  auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return fail(why, jwt_error::malformed);

  auto signing_input = token.substr(0, dot2);
  auto header_text = base64url_decode(token.substr(0, dot1));
  auto payload_text = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = base64url_decode(token.substr(dot2 + 1));
  if (!header_text || !payload_text || !signature)
    return fail(why, jwt_error::malformed);

  auto header = parse_object(*header_text);
  if (!header)
    return fail(why, jwt_error::malformed);
  if (!header_acceptable(*header))
    return fail(why, jwt_error::bad_algorithm);

  // Nothing in the payload is looked at until the MAC matches.
  if (!constant_time_equal(*signature, hmac_sha256(key, signing_input)))
    return fail(why, jwt_error::bad_signature);

  auto payload = parse_object(*payload_text);
  if (!payload)
    return fail(why, jwt_error::malformed);
  auto sub = string_claim(*payload, "sub");
  auto sid = string_claim(*payload, "sid");
  auto iat = integer_claim(*payload, "iat");
  auto exp = integer_claim(*payload, "exp");
  if (!sub || !sid || !iat || !exp)
    return fail(why, jwt_error::bad_claims);
  // nbf is optional (we never set it), but when present it must be an integer.
  std::optional<std::int64_t> nbf;
  if (payload->contains("nbf") && !(nbf = integer_claim(*payload, "nbf")))
    return fail(why, jwt_error::bad_claims);
  if (*exp <= now_seconds)
    return fail(why, jwt_error::expired);
  const auto latest_start = now_seconds + jwt_clock_skew_seconds;
  if (*iat > latest_start || (nbf && *nbf > latest_start))
    return fail(why, jwt_error::not_yet_valid);
  return jwt_claims{std::move(*sub), std::move(*sid), *iat, *exp};
}

std::string_view to_string(jwt_error e) {
  switch (e) {
    case jwt_error::malformed: return "malformed";
    case jwt_error::bad_algorithm: return "bad_algorithm";
    case jwt_error::bad_signature: return "bad_signature";
    case jwt_error::expired: return "expired";
    case jwt_error::not_yet_valid: return "not_yet_valid";
    case jwt_error::bad_claims: return "bad_claims";
  }
  return "unknown";
}

} // namespace chat::security
