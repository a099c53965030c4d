// The requester behind ask_within (src/actors/rpc/requester.hpp): answers
// reach the callback once, a silent receiver fails with `unavailable` after
// the timeout (swept, not on CAF's clock), and an idle requester leaves the
// registry so the actor system can shut down (a requester that stayed would
// hang this test's teardown).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/rpc/ask.hpp"

using namespace chat;
using namespace std::chrono_literals;

namespace {

using echo_atom = caf::atom_constant<caf::atom("echo")>;

caf::behavior echo() {
  return {[](echo_atom, int x) { return x + 1; }};
}

struct silent_state {
  std::vector<caf::response_promise> held; // never delivered
};

caf::behavior silent(caf::stateful_actor<silent_state>* self) {
  return {[self](echo_atom, int) -> caf::result<int> {
    self->state.held.push_back(self->make_response_promise());
    return caf::delegated<int>();
  }};
}

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds within = 3000ms) {
  const auto end = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < end) {
    if (pred())
      return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

bool has_requester(caf::actor_system& sys) {
  return static_cast<bool>(sys.registry().get<caf::actor>(caf::atom("requester")));
}

} // namespace

TEST_CASE("ask_within hands every answer to its callback exactly once") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto dest = sys.spawn(echo);
  constexpr int n = 1000;
  std::vector<std::atomic<int>> calls(n);
  std::vector<std::atomic<int>> values(n);
  std::atomic<int> failures{0};
  for (int i = 0; i < n; ++i)
    ask_within<int>(sys, caf::timespan{5s}, dest,
                    std::function<void(outcome<int>)>{[&, i](outcome<int> r) {
                      if (!r.ok())
                        ++failures;
                      values[i] = r.value;
                      ++calls[i];
                    }},
                    echo_atom::value, i);
  REQUIRE(eventually([&] {
    for (auto& c : calls)
      if (c.load() == 0)
        return false;
    return true;
  }));
  std::this_thread::sleep_for(50ms); // a second call would come now
  CHECK(failures == 0);
  for (int i = 0; i < n; ++i) {
    CHECK(calls[i] == 1);
    CHECK(values[i] == i + 1);
  }
  // idle: it leaves the registry and quits (else the system's teardown hangs)
  CHECK(eventually([&] { return !has_requester(sys); }));
  caf::anon_send_exit(dest, caf::exit_reason::user_shutdown);
}

TEST_CASE("ask_within fails with unavailable once the timeout passes, not before") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto dest = sys.spawn(silent);
  std::atomic<int> calls{0};
  std::atomic<int> code{-1};
  const auto start = std::chrono::steady_clock::now();
  std::atomic<long long> after_ms{0};
  ask_within<int>(sys, caf::timespan{300ms}, dest,
                  std::function<void(outcome<int>)>{[&](outcome<int> r) {
                    after_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - start)
                                 .count();
                    code = static_cast<int>(r.error.code);
                    ++calls;
                  }},
                  echo_atom::value, 1);
  REQUIRE(eventually([&] { return calls.load() > 0; }));
  CHECK(code == static_cast<int>(errc::unavailable));
  CHECK(after_ms >= 300);
  CHECK(after_ms < 300 + 1000); // swept every 100 ms; generous for a loaded machine
  std::this_thread::sleep_for(100ms);
  CHECK(calls == 1);
  CHECK(eventually([&] { return !has_requester(sys); }));
  caf::anon_send_exit(dest, caf::exit_reason::user_shutdown);
}

TEST_CASE("an ask after the requester retired gets a new one") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto dest = sys.spawn(echo);
  for (int round = 0; round < 3; ++round) {
    std::atomic<int> got{0};
    ask_within<int>(sys, caf::timespan{5s}, dest,
                    std::function<void(outcome<int>)>{[&](outcome<int> r) { got = r.value; }},
                    echo_atom::value, round);
    REQUIRE(eventually([&] { return got.load() == round + 1; }));
    REQUIRE(eventually([&] { return !has_requester(sys); }));
  }
  caf::anon_send_exit(dest, caf::exit_reason::user_shutdown);
}
