#include <catch2/catch.hpp>

#include "net/uri.hpp"

using namespace chat::net;

TEST_CASE("percent_decode decodes escapes and refuses malformed ones") {
  CHECK(percent_decode("a%20b") == "a b");
  CHECK(percent_decode("%2Fx%2f") == "/x/");
  CHECK(percent_decode("a+b") == "a+b");
  CHECK(percent_decode("a+b", true) == "a b");
  CHECK(percent_decode("") == "");
  CHECK_FALSE(percent_decode("%"));
  CHECK_FALSE(percent_decode("%2"));
  CHECK_FALSE(percent_decode("ab%"));
  CHECK_FALSE(percent_decode("%zz"));
  CHECK(percent_decode("%00") == std::string(1, '\0'));
}

TEST_CASE("split_target cuts at the first question mark") {
  auto p = split_target("/users?username=a?b");
  CHECK(p.path == "/users");
  CHECK(p.query == "username=a?b");
  auto q = split_target("/healthz");
  CHECK(q.path == "/healthz");
  CHECK(q.query.empty());
}

TEST_CASE("query_params parses, decodes and keeps the first value") {
  auto q = query_params::parse("username=bob%2E1&x=&flag&username=eve&sp=a+b&&");
  REQUIRE(q);
  REQUIRE(q->find("username"));
  CHECK(*q->find("username") == "bob.1");
  REQUIRE(q->find("x"));
  CHECK(q->find("x")->empty());
  REQUIRE(q->find("flag"));
  CHECK(q->find("flag")->empty());
  CHECK(*q->find("sp") == "a b");
  CHECK(q->find("missing") == nullptr);
  CHECK(query_params::parse("")->items().empty());
  CHECK_FALSE(query_params::parse("a=%G1"));
}
