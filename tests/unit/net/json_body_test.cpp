#include <catch2/catch.hpp>

#include "net/json_body.hpp"

using namespace chat;
using namespace chat::net;

namespace {

bool parses(std::string_view body) {
  boost::json::object o;
  api_error e;
  bool ok = parse_object(body, o, e);
  if (!ok)
    CHECK(e.code == errc::bad_request);
  return ok;
}

} // namespace

TEST_CASE("only a JSON object is a body") {
  CHECK(parses(R"({"a":1})"));
  CHECK(parses(" {} "));
  CHECK_FALSE(parses(""));
  CHECK_FALSE(parses("[]"));
  CHECK_FALSE(parses("1"));
  CHECK_FALSE(parses("\"x\""));
  CHECK_FALSE(parses("null"));
  CHECK_FALSE(parses("{"));
  CHECK_FALSE(parses(R"({"a":1} x)"));
  CHECK_FALSE(parses("{\"a\":\"\xff\"}"));          // invalid UTF-8
  CHECK_FALSE(parses("{\"a\":\"\xed\xa0\x80\"}"));  // encoded surrogate
  CHECK_FALSE(parses(R"({"a":"\ud800"})"));         // lone escaped surrogate
  CHECK_FALSE(parses(R"({"a":"\udc00x"})"));
  CHECK(parses(R"({"a":"\ud83d\ude00"})"));         // a valid pair
}

TEST_CASE("required and optional fields name themselves when wrong") {
  boost::json::object o;
  api_error e;
  REQUIRE(parse_object(R"({"username":"bob","n":3,"dn":null,"pw":{"old":"x"},"extra":[1]})", o, e));

  std::string s;
  CHECK(required_string(o, "username", s, e));
  CHECK(s == "bob");
  CHECK_FALSE(required_string(o, "password", s, e));
  CHECK(e.code == errc::bad_request);
  CHECK(e.message.find("'password'") != std::string::npos);
  CHECK_FALSE(required_string(o, "n", s, e));
  CHECK(e.message.find("'n'") != std::string::npos);

  std::optional<std::string> opt{"stale"};
  CHECK(optional_string(o, "dn", opt, e));
  CHECK_FALSE(opt);
  CHECK(optional_string(o, "absent", opt, e));
  CHECK_FALSE(opt);
  CHECK_FALSE(optional_string(o, "n", opt, e));

  const boost::json::object* pw = nullptr;
  CHECK(optional_object(o, "pw", pw, e));
  REQUIRE(pw);
  CHECK_FALSE(required_string(*pw, "new", s, e, "password."));
  CHECK(e.message.find("'password.new'") != std::string::npos);
  CHECK_FALSE(optional_object(o, "username", pw, e));
  CHECK(optional_object(o, "absent", pw, e));
  CHECK(pw == nullptr);
}
