#include <catch2/catch.hpp>

#include "net/request.hpp"
#include "net/response.hpp"

using namespace chat;
using namespace chat::net;

TEST_CASE("bearer_token accepts only a well-formed bearer credential") {
  CHECK(bearer_token("Bearer abc.def") == std::optional<std::string_view>{"abc.def"});
  CHECK(bearer_token("bearer  abc ") == std::optional<std::string_view>{"abc"});
  CHECK_FALSE(bearer_token(""));
  CHECK_FALSE(bearer_token("Bearer"));
  CHECK_FALSE(bearer_token("Bearer "));
  CHECK_FALSE(bearer_token("Bearerabc"));
  CHECK_FALSE(bearer_token("Basic abc"));
  CHECK_FALSE(bearer_token("Bearer a b"));
}

TEST_CASE("session_user_agent keeps at most 256 bytes of valid UTF-8") {
  CHECK(session_user_agent("curl/8.0") == "curl/8.0");
  CHECK(session_user_agent(std::string(300, 'a')) == std::string(256, 'a'));
  // 255 ASCII bytes then a 2-byte character: cut before the character.
  std::string ua = std::string(255, 'a') + "\xc3\xa9" + "zz";
  CHECK(session_user_agent(ua) == std::string(255, 'a'));
  std::string exact = std::string(254, 'a') + "\xc3\xa9" + "zz";
  CHECK(session_user_agent(exact) == std::string(254, 'a') + "\xc3\xa9");
  CHECK(session_user_agent("bad\xff") == "");
}

TEST_CASE("responses carry the error vocabulary") {
  auto r = error_response({errc::conflict, "taken"});
  CHECK(r.result_int() == 409);
  CHECK(r[http::field::content_type] == "application/json");
  CHECK(r.body() == R"({"error":{"code":"conflict","message":"taken"}})");

  auto limited = error_response({errc::rate_limited, "slow down"});
  CHECK(limited.result_int() == 429);
  CHECK(limited[http::field::retry_after] == "1");
  auto later = error_response({errc::rate_limited, "slow down"}, std::chrono::seconds{7});
  CHECK(later[http::field::retry_after] == "7");

  auto empty = no_content();
  finalize(empty, 11, true);
  CHECK(empty.result_int() == 204);
  CHECK(empty.find(http::field::content_length) == empty.end());
  CHECK(empty.keep_alive());

  auto ok = json_response(http::status::ok, boost::json::object{{"a", 1}});
  finalize(ok, 10, false);
  CHECK(ok[http::field::content_length] == "7");
  CHECK_FALSE(ok.keep_alive());
}
