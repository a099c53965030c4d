// The HTTP edge's pure parts: strict framing, connection caps, log throttle.
#include <catch2/catch.hpp>

#include "net/beast.hpp"
#include "net/connection_limits.hpp"
#include "net/http_framing.hpp"
#include "net/log_throttle.hpp"

using namespace chat::net;

namespace {

http::fields headers(std::initializer_list<std::pair<http::field, const char*>> list) {
  http::fields f;
  for (auto [name, value] : list)
    f.insert(name, value);
  return f;
}

} // namespace

TEST_CASE("framing: only one plain chunked encoding, never with a length") {
  using F = http::field;
  CHECK(framing_problem(headers({})).empty());
  CHECK(framing_problem(headers({{F::content_length, "5"}})).empty());
  CHECK(framing_problem(headers({{F::content_length, "5"}, {F::content_length, "5"}})).empty());
  CHECK(framing_problem(headers({{F::content_length, "5, 5"}})).empty());
  CHECK(framing_problem(headers({{F::transfer_encoding, "chunked"}})).empty());
  CHECK(framing_problem(headers({{F::transfer_encoding, "Chunked"}})).empty());
  CHECK_FALSE(framing_problem(headers({{F::transfer_encoding, "xchunked"}})).empty());
  CHECK_FALSE(framing_problem(headers({{F::transfer_encoding, "chunked, identity"}})).empty());
  CHECK_FALSE(framing_problem(headers({{F::transfer_encoding, "gzip, chunked"}})).empty());
  CHECK_FALSE(framing_problem(headers({{F::transfer_encoding, "chunked"},
                                       {F::transfer_encoding, "chunked"}}))
                .empty());
  CHECK_FALSE(framing_problem(headers({{F::transfer_encoding, "chunked"},
                                       {F::content_length, "5"}}))
                .empty());
  CHECK_FALSE(framing_problem(headers({{F::content_length, "5"}, {F::content_length, "6"}}))
                .empty());
  CHECK_FALSE(framing_problem(headers({{F::content_length, "5, 6"}})).empty());
}

TEST_CASE("connection caps: per node, per address, loopback exempt, slots give back") {
  auto a = asio::ip::make_address("10.0.0.1");
  auto b = asio::ip::make_address("10.0.0.2");
  auto mapped_a = asio::ip::make_address("::ffff:10.0.0.1");
  auto lo = asio::ip::make_address("127.0.0.1");
  const char* which = "";
  connection_limits limits{4, 2, true};
  auto s1 = limits.admit(a, &which);
  auto s2 = limits.admit(mapped_a, &which);
  CHECK(s1);
  CHECK(s2);
  CHECK_FALSE(limits.admit(a, &which));
  CHECK(std::string{which} == "address");
  auto s3 = limits.admit(lo, &which);
  auto s4 = limits.admit(lo, &which);
  CHECK(s3);
  CHECK(s4);
  CHECK(limits.open() == 4);
  CHECK_FALSE(limits.admit(b, &which));
  CHECK(std::string{which} == "node");
  { auto gone = std::move(s1); }
  CHECK(limits.open() == 3);
  CHECK(limits.admit(a, &which));
  CHECK(limits.open() == 3); // that slot was a temporary
}

TEST_CASE("log throttle: a few lines per window, then a count of the rest") {
  log_throttle t{2, std::chrono::hours{1}};
  std::uint64_t suppressed = 99;
  CHECK(t.allow(&suppressed));
  CHECK(suppressed == 0);
  CHECK(t.allow(&suppressed));
  for (int i = 0; i < 100; ++i)
    CHECK_FALSE(t.allow(&suppressed));
  log_throttle quick{1, std::chrono::milliseconds{0}};
  CHECK(quick.allow(&suppressed));
  CHECK(quick.allow(&suppressed)); // a new window each time
}
