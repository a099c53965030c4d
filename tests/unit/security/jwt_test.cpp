#include <catch2/catch.hpp>

#include "security/crypto.hpp"
#include "security/encoding.hpp"
#include "security/jwt.hpp"

using namespace chat::security;

namespace {

const std::string key = derive_key("cluster secret", "jwt");
constexpr std::int64_t now = 1'700'000'000;

const jwt_claims sample{"u-1", "s-1", now, now + 900};

// Builds a token from raw header and payload JSON, signed with `k` unless a
// signature segment is given.
std::string make_token(std::string_view header, std::string_view payload, std::string_view k) {
  auto input = base64url_encode(header) + "." + base64url_encode(payload);
  return input + "." + base64url_encode(hmac_sha256(k, input));
}

const std::string hs256 = R"({"alg":"HS256","typ":"JWT"})";

jwt_error refusal(std::string_view token, std::string_view k = key, std::int64_t at = now) {
  jwt_error why{};
  auto claims = jwt_verify(token, k, at, &why);
  REQUIRE_FALSE(claims);
  return why;
}

std::vector<std::string> segments(const std::string& token) {
  auto a = token.find('.');
  auto b = token.find('.', a + 1);
  return {token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1)};
}

} // namespace

TEST_CASE("a signed token verifies and returns its claims") {
  auto token = jwt_sign(sample, key);
  auto parts = segments(token);
  CHECK(base64url_decode(parts[0]) == hs256);

  jwt_error why = jwt_error::malformed;
  auto claims = jwt_verify(token, key, now, &why);
  REQUIRE(claims);
  CHECK(claims->sub == "u-1");
  CHECK(claims->sid == "s-1");
  CHECK(claims->iat == now);
  CHECK(claims->exp == now + 900);
}

TEST_CASE("claims with awkward characters survive the round trip") {
  jwt_claims c{"\"quoted\" \\ ü \n", "", -5, now + 1};
  auto claims = jwt_verify(jwt_sign(c, key), key, now);
  REQUIRE(claims);
  CHECK(claims->sub == c.sub);
  CHECK(claims->sid == "");
  CHECK(claims->iat == -5);
}

TEST_CASE("header with typ omitted is accepted") {
  auto token = make_token(R"({"alg":"HS256"})",
                          R"({"sub":"u","sid":"s","iat":1,"exp":1700000900})", key);
  CHECK(jwt_verify(token, key, now));
}

TEST_CASE("forged or damaged tokens are refused with the right reason") {
  const std::string payload = R"({"sub":"u-1","sid":"s-1","iat":1700000000,"exp":1700000900})";

  SECTION("alg none with an empty signature") {
    auto token = base64url_encode(R"({"alg":"none","typ":"JWT"})") + "."
                 + base64url_encode(payload) + ".";
    CHECK(refusal(token) == jwt_error::bad_algorithm);
  }
  SECTION("alg none even when an HMAC is attached") {
    CHECK(refusal(make_token(R"({"alg":"none"})", payload, key)) == jwt_error::bad_algorithm);
  }
  SECTION("alg HS512") {
    CHECK(refusal(make_token(R"({"alg":"HS512","typ":"JWT"})", payload, key))
          == jwt_error::bad_algorithm);
  }
  SECTION("alg RS256") {
    CHECK(refusal(make_token(R"({"alg":"RS256","typ":"JWT"})", payload, key))
          == jwt_error::bad_algorithm);
  }
  SECTION("alg missing or not a string, or lower case") {
    CHECK(refusal(make_token(R"({"typ":"JWT"})", payload, key)) == jwt_error::bad_algorithm);
    CHECK(refusal(make_token(R"({"alg":256})", payload, key)) == jwt_error::bad_algorithm);
    CHECK(refusal(make_token(R"({"alg":"hs256"})", payload, key)) == jwt_error::bad_algorithm);
  }
  SECTION("typ other than JWT") {
    CHECK(refusal(make_token(R"({"alg":"HS256","typ":"JWE"})", payload, key))
          == jwt_error::bad_algorithm);
  }
  SECTION("wrong key") {
    CHECK(refusal(jwt_sign(sample, derive_key("other secret", "jwt")))
          == jwt_error::bad_signature);
    CHECK(refusal(jwt_sign(sample, derive_key("cluster secret", "refresh")))
          == jwt_error::bad_signature);
  }
  SECTION("truncated signature") {
    auto token = jwt_sign(sample, key);
    auto p = segments(token);
    auto sig = *base64url_decode(p[2]);
    CHECK(refusal(p[0] + "." + p[1] + "." + base64url_encode(sig.substr(0, 16)))
          == jwt_error::bad_signature);
  }
  SECTION("expired, including exactly at exp") {
    auto token = jwt_sign(sample, key);
    CHECK(refusal(token, key, now + 900) == jwt_error::expired);
    CHECK(refusal(token, key, now + 5000) == jwt_error::expired);
    CHECK(jwt_verify(token, key, now + 899));
  }
  SECTION("tampered payload keeps the old signature") {
    auto p = segments(jwt_sign(sample, key));
    auto forged_payload =
        base64url_encode(R"({"sub":"admin","sid":"s-1","iat":1700000000,"exp":1700000900})");
    CHECK(refusal(p[0] + "." + forged_payload + "." + p[2]) == jwt_error::bad_signature);
  }
  SECTION("missing signature segment") {
    auto p = segments(jwt_sign(sample, key));
    CHECK(refusal(p[0] + "." + p[1]) == jwt_error::malformed);
  }
  SECTION("extra segment") {
    auto token = jwt_sign(sample, key);
    CHECK(refusal(token + ".AAAA") == jwt_error::malformed);
    CHECK(refusal(token + ".") == jwt_error::malformed);
  }
  SECTION("garbage base64") {
    auto p = segments(jwt_sign(sample, key));
    CHECK(refusal("!!!." + p[1] + "." + p[2]) == jwt_error::malformed);
    CHECK(refusal(p[0] + ".e30=." + p[2]) == jwt_error::malformed);
    CHECK(refusal(p[0] + "." + p[1] + "." + p[2] + "+") == jwt_error::malformed);
    CHECK(refusal("") == jwt_error::malformed);
    CHECK(refusal("..") == jwt_error::malformed);
    CHECK(refusal("not a token") == jwt_error::malformed);
  }
  SECTION("header that is not a JSON object") {
    CHECK(refusal(make_token(R"(["HS256"])", payload, key)) == jwt_error::malformed);
    CHECK(refusal(make_token("{alg:HS256", payload, key)) == jwt_error::malformed);
  }
  SECTION("validly signed payload that is not a JSON object") {
    CHECK(refusal(make_token(hs256, R"(["u-1","s-1"])", key)) == jwt_error::malformed);
    CHECK(refusal(make_token(hs256, R"("u-1")", key)) == jwt_error::malformed);
    CHECK(refusal(make_token(hs256, R"({"sub":"u-1",)", key)) == jwt_error::malformed);
  }
  SECTION("missing or mistyped claims") {
    const char* bad[] = {
        R"({"sid":"s","iat":1,"exp":1700000900})",
        R"({"sub":"u","iat":1,"exp":1700000900})",
        R"({"sub":"u","sid":"s","exp":1700000900})",
        R"({"sub":"u","sid":"s","iat":1})",
        R"({"sub":7,"sid":"s","iat":1,"exp":1700000900})",
        R"({"sub":"u","sid":null,"iat":1,"exp":1700000900})",
        R"({"sub":"u","sid":"s","iat":"1","exp":1700000900})",
        R"({"sub":"u","sid":"s","iat":1,"exp":1.7e9})",
        R"({"sub":"u","sid":"s","iat":1,"exp":18446744073709551615})",
        R"({})",
    };
    for (auto p : bad) {
      CAPTURE(p);
      CHECK(refusal(make_token(hs256, p, key)) == jwt_error::bad_claims);
    }
  }
  SECTION("tokens over 4 KiB") {
    jwt_claims big = sample;
    big.sub = std::string(4000, 'x');
    CHECK(refusal(jwt_sign(big, key)) == jwt_error::malformed);
  }
}

TEST_CASE("why may be omitted") {
  CHECK_FALSE(jwt_verify("a.b.c", key, now));
}

TEST_CASE("tokens issued or valid only in the future are refused beyond the clock skew") {
  const auto skew = jwt_clock_skew_seconds;
  SECTION("iat in the future") {
    jwt_claims future = sample;
    future.iat = now + skew + 1;
    future.exp = now + 10 * 900;
    CHECK(refusal(jwt_sign(future, key)) == jwt_error::not_yet_valid);
    future.iat = now + skew; // within the skew: another node's clock runs ahead
    CHECK(jwt_verify(jwt_sign(future, key), key, now));
  }
  SECTION("nbf in the future") {
    auto payload = [](std::int64_t nbf) {
      return R"({"sub":"u","sid":"s","iat":)" + std::to_string(now) + R"(,"exp":)"
             + std::to_string(now + 900) + R"(,"nbf":)" + std::to_string(nbf) + "}";
    };
    CHECK(refusal(make_token(hs256, payload(now + skew + 1), key)) == jwt_error::not_yet_valid);
    CHECK(jwt_verify(make_token(hs256, payload(now), key), key, now));
    CHECK(jwt_verify(make_token(hs256, payload(now - 100), key), key, now));
  }
  SECTION("nbf that is not an integer") {
    auto p = R"({"sub":"u","sid":"s","iat":1700000000,"exp":1700000900,"nbf":"soon"})";
    CHECK(refusal(make_token(hs256, p, key)) == jwt_error::bad_claims);
  }
}
