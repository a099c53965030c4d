#include <catch2/catch.hpp>

#include <random>

#include "schema/records.hpp"
#include "storage/codec.hpp"
#include "storage/keys.hpp"

using namespace chat;
using namespace chat::storage;

TEST_CASE("user_record round-trips through the codec", "[storage][codec]") {
  user_record in{"u_0001abcdefghijklmnopqrst", "alice", "Alice \xc3\xa9", "$argon2id$v=19$...", 1700000000123};
  user_record out;
  REQUIRE(decode(encode(in), out));
  CHECK(out.id == in.id);
  CHECK(out.username == in.username);
  CHECK(out.display_name == in.display_name);
  CHECK(out.password_hash == in.password_hash);
  CHECK(out.created_at == in.created_at);
}

TEST_CASE("session_record round-trips through the codec", "[storage][codec]") {
  session_record in{"s_0001abcdefghijklmnopqrst", "u_0001abcdefghijklmnopqrst", 1, -2, "", std::string("\0\xff\x01", 3), ~0ull};
  session_record out;
  REQUIRE(decode(encode(in), out));
  CHECK(out.id == in.id);
  CHECK(out.user_id == in.user_id);
  CHECK(out.created_at == 1);
  CHECK(out.last_seen == -2);
  CHECK(out.user_agent.empty());
  CHECK(out.refresh_salt == in.refresh_salt);
  CHECK(out.refresh_generation == ~0ull);
}

TEST_CASE("decode rejects corrupt bytes without throwing", "[storage][codec]") {
  const std::string good = encode(user_record{"u", "bob", "Bob", "h", 42});
  user_record out{"keep", "keep", "keep", "keep", 7};

  SECTION("empty input") { CHECK_FALSE(decode("", out)); }
  SECTION("every truncation") {
    for (std::size_t n = 0; n < good.size(); ++n)
      CHECK_FALSE(decode(std::string_view(good).substr(0, n), out));
  }
  SECTION("trailing bytes") { CHECK_FALSE(decode(good + "x", out)); }
  SECTION("huge length field") {
    std::string bad = good;
    // After the endianness byte and the u32 class version comes the u64
    // length of the id: make it absurd.
    for (std::size_t i = 5; i < 13; ++i)
      bad[i] = '\xff';
    CHECK_FALSE(decode(bad, out));
  }
  SECTION("random garbage") {
    std::mt19937 rng(12345);
    std::uniform_int_distribution<int> byte(0, 255);
    for (int round = 0; round < 200; ++round) {
      std::string junk(static_cast<std::size_t>(round % 40), '\0');
      for (auto& ch : junk)
        ch = static_cast<char>(byte(rng));
      user_record tmp;
      (void)decode(junk, tmp); // must not throw or crash; usually false
    }
  }
  // A failed decode leaves the output untouched.
  CHECK(out.id == "keep");
}

TEST_CASE("u64 keys are big-endian and sort numerically", "[storage][keys]") {
  CHECK(key_u64(0x0102030405060708ull) == std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  for (std::uint64_t v : {0ull, 1ull, 255ull, 256ull, 0xfffffffffull, ~0ull})
    CHECK(parse_key_u64(key_u64(v)) == v);
  CHECK(key_u64(255) < key_u64(256));
  CHECK(key_u64(1) < key_u64(1ull << 56));
  CHECK(parse_key_u64("short") == 0);
  const auto k = key_with_u64("c_conv", 77);
  CHECK(k.size() == 6 + 8);
  CHECK(k.substr(0, 6) == "c_conv");
  CHECK(parse_key_u64_suffix(k) == 77);
}
