#include <catch2/catch.hpp>

#include <set>

#include "hex.hpp"
#include "security/crypto.hpp"
#include "security/encoding.hpp"

using namespace chat::security;
using test::to_hex;

TEST_CASE("hmac_sha256 matches RFC 4231") {
  init();
  SECTION("test case 1") {
    CHECK(to_hex(hmac_sha256(std::string(20, '\x0b'), "Hi There"))
          == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  }
  SECTION("test case 2: key shorter than the block") {
    CHECK(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?"))
          == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
  SECTION("test case 6: key longer than the block is hashed first") {
    CHECK(to_hex(hmac_sha256(std::string(131, '\xaa'),
                             "Test Using Larger Than Block-Size Key - Hash Key First"))
          == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  }
}

TEST_CASE("constant_time_equal compares contents and sizes") {
  CHECK(constant_time_equal("", ""));
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "abcd"));
  CHECK_FALSE(constant_time_equal("", "a"));
}

TEST_CASE("derive_key gives distinct 32-byte keys per purpose") {
  init();
  auto jwt = derive_key("secret", "jwt");
  auto refresh = derive_key("secret", "refresh");
  CHECK(jwt.size() == 32);
  CHECK(jwt != refresh);
  CHECK(jwt == derive_key("secret", "jwt"));
  CHECK(jwt != derive_key("other secret", "jwt"));
  CHECK(jwt == hmac_sha256("secret", "chat:jwt"));
}

TEST_CASE("random bytes and tokens have the requested size and differ") {
  init();
  CHECK(random_bytes(0).empty());
  CHECK(random_bytes(32).size() == 32);
  std::set<std::string> tokens;
  for (int i = 0; i < 100; ++i) {
    auto token = random_token(32);
    CHECK(token.size() == 43);
    CHECK(base64url_decode(token));
    tokens.insert(token);
  }
  CHECK(tokens.size() == 100);
}

TEST_CASE("wipe zeroes the contents") {
  std::string secret = "hunter2";
  wipe(secret);
  CHECK(secret == std::string(7, '\0'));
}
