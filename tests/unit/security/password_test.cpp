#include <catch2/catch.hpp>

#include "security/crypto.hpp"
#include "security/password.hpp"

using namespace chat::security;

TEST_CASE("password cost names parse") {
  CHECK(parse_password_cost("min") == password_cost::min);
  CHECK(parse_password_cost("interactive") == password_cost::interactive);
  CHECK(parse_password_cost("moderate") == password_cost::moderate);
  CHECK(parse_password_cost("sensitive") == password_cost::sensitive);
  CHECK_FALSE(parse_password_cost("Interactive"));
  CHECK_FALSE(parse_password_cost(""));
  for (auto c : {password_cost::min, password_cost::interactive, password_cost::moderate,
                 password_cost::sensitive})
    CHECK(parse_password_cost(to_string(c)) == c);
}

TEST_CASE("argon2id hashes verify the right password only") {
  init();
  auto hash = hash_password("correct horse", password_cost::min);
  CHECK(hash.rfind("$argon2id$", 0) == 0);
  CHECK(verify_password(hash, "correct horse"));
  CHECK_FALSE(verify_password(hash, "correct horsf"));
  CHECK_FALSE(verify_password(hash, ""));
  CHECK_FALSE(verify_password(hash, std::string_view{"correct horse\0", 14}));

  SECTION("hashes are salted") {
    CHECK(hash_password("correct horse", password_cost::min) != hash);
  }
  SECTION("an empty password still hashes") {
    auto empty = hash_password("", password_cost::min);
    CHECK(verify_password(empty, ""));
    CHECK_FALSE(verify_password(empty, "x"));
  }
  SECTION("malformed hashes never match") {
    CHECK_FALSE(verify_password("", "correct horse"));
    CHECK_FALSE(verify_password("correct horse", "correct horse"));
    CHECK_FALSE(verify_password(hash.substr(0, hash.size() - 5), "correct horse"));
    CHECK_FALSE(verify_password(hash + std::string(200, 'A'), "correct horse"));
    CHECK_FALSE(verify_password(hash.substr(0, 20) + std::string(1, '\0') + hash.substr(21),
                                "correct horse"));
    auto tampered = hash;
    tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
    CHECK_FALSE(verify_password(tampered, "correct horse"));
  }
}
