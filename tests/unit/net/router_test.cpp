#include <catch2/catch.hpp>

#include "net/router.hpp"

using namespace chat::net;

namespace {

handler tagged(int* hit, int tag) {
  return [hit, tag](request_ptr, responder) { *hit = tag; };
}

struct fixture {
  int hit = 0;
  router r;
  fixture() {
    r.add(http::verb::get, "/users/me", tagged(&hit, 1));
    r.add(http::verb::patch, "/users/me", tagged(&hit, 2));
    r.add(http::verb::delete_, "/users/me", tagged(&hit, 3));
    r.add(http::verb::get, "/users/{id}", tagged(&hit, 4));
    r.add(http::verb::get, "/users", tagged(&hit, 5));
    r.add(http::verb::delete_, "/auth/sessions/{id}", tagged(&hit, 6));
    r.add(http::verb::get, "/a/{x}/b/{y}", tagged(&hit, 7));
    r.add(http::verb::get, "/a/{x}/b/c", tagged(&hit, 8));
  }
  int call(const router::match& m) {
    REQUIRE(m.kind == router::result::found);
    (*m.target)(nullptr, responder{nullptr});
    return hit;
  }
};

} // namespace

TEST_CASE_METHOD(fixture, "a literal segment beats a parameter") {
  CHECK(call(r.find(http::verb::get, "/users/me")) == 1);
  CHECK(call(r.find(http::verb::patch, "/users/me")) == 2);
  auto m = r.find(http::verb::get, "/users/u_123");
  CHECK(call(m) == 4);
  CHECK(m.route == "/users/{id}");
  REQUIRE(m.params.size() == 1);
  CHECK(m.params[0].first == "id");
  CHECK(m.params[0].second == "u_123");
  CHECK(call(r.find(http::verb::get, "/a/1/b/c")) == 8);
  CHECK(call(r.find(http::verb::get, "/a/1/b/d")) == 7);
}

TEST_CASE_METHOD(fixture, "parameters are percent-decoded after splitting") {
  auto m = r.find(http::verb::delete_, "/auth/sessions/s_a%2Fb%20c");
  CHECK(call(m) == 6);
  REQUIRE(m.params.size() == 1);
  CHECK(m.params[0].second == "s_a/b c");
  CHECK(r.find(http::verb::get, "/users/%6De").kind == router::result::found);
  CHECK(call(r.find(http::verb::get, "/users/%6De")) == 1);
  CHECK(r.find(http::verb::get, "/users/%zz").kind == router::result::bad_path);
}

TEST_CASE_METHOD(fixture, "unknown paths are not found") {
  CHECK(r.find(http::verb::get, "/nope").kind == router::result::not_found);
  CHECK(r.find(http::verb::get, "/users/me/x").kind == router::result::not_found);
  CHECK(r.find(http::verb::get, "/users/").kind == router::result::not_found);
  CHECK(r.find(http::verb::get, "/users//").kind == router::result::not_found);
  CHECK(r.find(http::verb::get, "").kind == router::result::not_found);
  CHECK(r.find(http::verb::get, "users").kind == router::result::not_found);
  std::string deep;
  for (int i = 0; i < 100; ++i)
    deep += "/x";
  CHECK(r.find(http::verb::get, deep).kind == router::result::not_found);
}

TEST_CASE_METHOD(fixture, "a known path with another method lists the allowed ones") {
  auto m = r.find(http::verb::post, "/users/me");
  CHECK(m.kind == router::result::method_not_allowed);
  CHECK(m.allow == "GET, PATCH, DELETE");
  CHECK(m.route == "/users/me");
  auto n = r.find(http::verb::delete_, "/users/u_1");
  CHECK(n.kind == router::result::method_not_allowed);
  CHECK(n.allow == "GET");
}

TEST_CASE("registering a route twice is a programming error") {
  router r;
  r.add(http::verb::get, "/x", [](request_ptr, responder) {});
  CHECK_THROWS(r.add(http::verb::get, "/x", [](request_ptr, responder) {}));
  CHECK_NOTHROW(r.add(http::verb::post, "/x", [](request_ptr, responder) {}));
  CHECK_THROWS(r.add(http::verb::get, "x", [](request_ptr, responder) {}));
}

TEST_CASE_METHOD(fixture, "routes() lists every method of every pattern, in registration order") {
  using entry = std::pair<http::verb, std::string>;
  std::vector<entry> expected{
    {http::verb::get, "/users/me"},     {http::verb::patch, "/users/me"},
    {http::verb::delete_, "/users/me"}, {http::verb::get, "/users/{id}"},
    {http::verb::get, "/users"},        {http::verb::delete_, "/auth/sessions/{id}"},
    {http::verb::get, "/a/{x}/b/{y}"},  {http::verb::get, "/a/{x}/b/c"},
  };
  CHECK(r.routes() == expected);
  // A method added later to an existing pattern is listed with that pattern.
  r.add(http::verb::post, "/users", tagged(&hit, 9));
  auto listed = r.routes();
  REQUIRE(listed.size() == expected.size() + 1);
  CHECK(listed[5] == entry{http::verb::post, "/users"});
  // Every listed pair is one the router finds (with the pattern as its route).
  for (const auto& [method, pattern] : listed) {
    auto m = r.find(method, pattern);
    CHECK(m.kind == router::result::found);
    CHECK(m.route == pattern);
  }
}

TEST_CASE("an empty router lists no routes") {
  CHECK(router{}.routes().empty());
}

TEST_CASE("a malformed escape still names the token-first route it would reach") {
  router r;
  int hit = 0;
  r.add(http::verb::get, "/users/{id}", token_first_handler{tagged(&hit, 1)});
  r.add(http::verb::get, "/users/me", tagged(&hit, 2));
  r.add(http::verb::get, "/public/{x}", tagged(&hit, 3));
  auto m = r.find(http::verb::get, "/users/%zz");
  CHECK(m.kind == router::result::bad_path);
  REQUIRE(m.target != nullptr);
  CHECK(m.token_first);
  CHECK(m.route == "/users/{id}");
  auto p = r.find(http::verb::get, "/public/%zz");
  CHECK(p.kind == router::result::bad_path);
  CHECK_FALSE(p.token_first);
  CHECK(r.find(http::verb::get, "/%zz/me").kind == router::result::bad_path);
  CHECK(r.find(http::verb::get, "/users/%zz").target != nullptr);
  CHECK(r.find(http::verb::get, "/users/me").token_first == false);
}

TEST_CASE("a body limit belongs to one method of one route") {
  int hit = 0;
  router r;
  r.add(http::verb::post, "/c/{id}/files", tagged(&hit, 1));
  r.add(http::verb::get, "/c/{id}/files", tagged(&hit, 2));
  r.add(http::verb::post, "/c/{id}/other", tagged(&hit, 3));
  CHECK(r.largest_body_limit() == 0);
  r.set_body_limit(http::verb::post, "/c/{id}/files", 10 << 20);
  CHECK(r.largest_body_limit() == std::size_t{10 << 20});
  CHECK(r.find(http::verb::post, "/c/x/files").body_limit == std::size_t{10 << 20});
  CHECK(r.find(http::verb::get, "/c/x/files").body_limit == 0);
  CHECK(r.find(http::verb::post, "/c/x/other").body_limit == 0);
  CHECK_THROWS(r.set_body_limit(http::verb::put, "/c/{id}/files", 1));
  CHECK_THROWS(r.set_body_limit(http::verb::post, "/nowhere", 1));
}
