#include <catch2/catch.hpp>

#include <set>

#include "schema/error_code.hpp"
#include "schema/ids.hpp"

using namespace chat;

TEST_CASE("ids carry their kind and shard and are unique") {
  std::set<std::string> seen;
  for (std::uint32_t shard : {0u, 1u, 200u, 255u}) {
    auto id = make_id(id_kind::user, shard);
    CHECK(id.size() == id_length);
    CHECK(id.rfind("u_", 0) == 0);
    CHECK(shard_of_id(id, id_kind::user, 256) == shard);
    CHECK_FALSE(shard_of_id(id, id_kind::session, 256));
    seen.insert(id);
  }
  CHECK(seen.size() == 4);
}

TEST_CASE("malformed ids name nothing") {
  auto id = make_id(id_kind::conversation, 7);
  CHECK_FALSE(shard_of_id(id.substr(1), id_kind::conversation, 256));
  CHECK_FALSE(shard_of_id(id + "a", id_kind::conversation, 256));
  auto upper = id;
  upper[10] = 'A';
  CHECK_FALSE(shard_of_id(upper, id_kind::conversation, 256));
  CHECK_FALSE(shard_of_id("c_ffff" + std::string(20, 'a'), id_kind::conversation, 256));
  CHECK_FALSE(shard_of_id("", id_kind::conversation, 256));
}

TEST_CASE("shard of a key is stable and in range") {
  CHECK(shard_of_key("alice", 256) == shard_of_key("alice", 256));
  for (auto name : {"a", "bob", "carol", "someone.else"})
    CHECK(shard_of_key(name, 16) < 16);
}

TEST_CASE("every error code has one status and name") {
  CHECK(http_status(errc::unauthorized) == 401);
  CHECK(http_status(errc::payload_too_large) == 413);
  CHECK(http_status(errc::unavailable) == 503);
  CHECK(code_name(errc::rate_limited) == "rate_limited");
  CHECK(errc_from_name("not_found") == errc::not_found);
}

TEST_CASE("direct conversation ids are keyed, symmetric and valid") {
  const std::string a = make_id(id_kind::user, 1), b = make_id(id_kind::user, 2);
  const std::string key1(32, 'k'), key2(32, 'q');
  auto id = direct_conversation_id(a, b, 256, key1);
  CHECK(id == direct_conversation_id(b, a, 256, key1));
  CHECK(shard_of_id(id, id_kind::conversation, 256));
  CHECK(id != direct_conversation_id(a, b, 256, key2));
  CHECK(id != legacy_direct_conversation_id(a, b, 256));
  auto legacy = legacy_direct_conversation_id(a, b, 256);
  CHECK(legacy == legacy_direct_conversation_id(b, a, 256));
  CHECK(shard_of_id(legacy, id_kind::conversation, 256) == shard_of_key(std::min(a, b) + '|' + std::max(a, b), 256));
}
