#include <catch2/catch.hpp>

#include "security/encoding.hpp"

using chat::security::base64url_decode;
using chat::security::base64url_encode;

TEST_CASE("base64url matches the RFC 4648 vectors without padding") {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},         {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    CAPTURE(plain);
    CHECK(base64url_encode(plain) == encoded);
    auto decoded = base64url_decode(encoded);
    REQUIRE(decoded);
    CHECK(*decoded == plain);
  }
}

TEST_CASE("base64url uses - and _ where base64 uses + and /") {
  const std::string bytes{"\xfb\xff", 2};
  CHECK(base64url_encode(bytes) == "-_8");
  CHECK(base64url_decode("-_8") == bytes);
}

TEST_CASE("base64url round-trips every byte value") {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all.push_back(static_cast<char>(i));
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    auto part = all.substr(0, n);
    CHECK(base64url_decode(base64url_encode(part)) == part);
  }
}

TEST_CASE("base64url rejects padding, foreign characters and non-canonical text") {
  const char* invalid[] = {
      "Zg==", "Zm8=", // padding
      "Zm9v+", "Zm9v/A", "Zm 9v", "Zm9v\n", "Zm9v.", // not in the url alphabet
      "Z", "Zm9vY", // a lone final character cannot carry a byte
      "Zh", "Zm9", // non-zero trailing bits ("Zg" and "Zm8" are canonical)
  };
  for (auto text : invalid) {
    CAPTURE(text);
    CHECK_FALSE(base64url_decode(text));
  }
  CHECK_FALSE(base64url_decode(std::string_view{"Zm\0v", 4}));
}
