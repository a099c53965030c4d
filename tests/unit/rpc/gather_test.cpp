// rpc::gather: every answer in request order, `done` exactly once (also for
// late duplicates and for zero requests), and the two stated policies.
#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

#include <caf/sec.hpp>

#include "actors/rpc/errors.hpp"
#include "actors/rpc/gather.hpp"

using namespace chat;

namespace {

using replies = std::vector<rpc::reply_to<int>>;

/// Starts n requests whose replies the test sends by hand, in any order.
std::function<void(std::size_t, rpc::reply_to<int>)> capture(replies& out) {
  return [&out](std::size_t i, rpc::reply_to<int> reply) {
    if (out.size() <= i)
      out.resize(i + 1);
    out[i] = std::move(reply);
  };
}

} // namespace

TEST_CASE("gather answers in request order whatever the order of replies") {
  replies pending;
  int calls = 0;
  rpc::answers<int> got;
  rpc::gather<int>(3, capture(pending), [&](rpc::answers<int> all) {
    ++calls;
    got = std::move(all);
  });
  REQUIRE(pending.size() == 3);
  pending[2](30);
  pending[0](10);
  CHECK(calls == 0); // one still missing
  pending[1](make_chat_error(errc::not_found, "gone"));
  REQUIRE(calls == 1);
  REQUIRE(got.size() == 3);
  CHECK(*got[0] == 10);
  CHECK(!got[1]);
  CHECK(to_api_error(got[1].error()).code == errc::not_found);
  CHECK(*got[2] == 30);
}

TEST_CASE("a second reply to one request is ignored; done runs once") {
  replies pending;
  int calls = 0;
  rpc::gather<int>(2, capture(pending), [&](rpc::answers<int>) { ++calls; });
  pending[0](1);
  pending[0](2); // e.g. an answer racing its own deadline
  CHECK(calls == 0);
  pending[1](3);
  pending[1](4);
  CHECK(calls == 1);
}

TEST_CASE("zero requests answer at once with nothing") {
  int calls = 0;
  rpc::gather<int>(0, [](std::size_t, rpc::reply_to<int>) { FAIL("nothing to start"); },
                   [&](rpc::answers<int> all) {
                     ++calls;
                     CHECK(all.empty());
                   });
  CHECK(calls == 1);
}

TEST_CASE("policy successes keeps the values that arrived, in order") {
  rpc::answers<int> all;
  all.emplace_back(1);
  all.emplace_back(make_chat_error(errc::unavailable, "down"));
  all.emplace_back(3);
  CHECK(rpc::successes(std::move(all)) == std::vector<int>{1, 3});
}

TEST_CASE("policy first_error names the first failure, or none") {
  rpc::answers<int> fine;
  fine.emplace_back(1);
  fine.emplace_back(2);
  CHECK(!rpc::first_error(fine));

  rpc::answers<int> mixed;
  mixed.emplace_back(1);
  mixed.emplace_back(make_chat_error(errc::not_found, "first"));
  mixed.emplace_back(make_chat_error(errc::unavailable, "second"));
  auto err = rpc::first_error(mixed);
  REQUIRE(err);
  CHECK(to_api_error(*err).code == errc::not_found);
  CHECK(to_api_error(*err).message == "first");
}

TEST_CASE("an error that is not ours reads as unavailable") {
  auto api = to_api_error(caf::make_error(caf::sec::request_timeout));
  CHECK(api.code == errc::unavailable);
}
