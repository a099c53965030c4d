// The server's RFC 6455 framing without sockets: headers of outgoing
// frames, UTF-8 checks, and the reader's handling of masked client frames,
// fragments split anywhere, control frames and every violation's close code.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "net/ws_frame.hpp"

using namespace chat::net::ws;
namespace close_code = chat::close_code;

namespace {

/// A client frame as a browser would send it: masked with `key`.
std::string client_frame(opcode op, std::string_view payload, bool fin = true,
                         unsigned char first_extra = 0) {
  const unsigned char key[4] = {0x37, 0xfa, 0x21, 0x3d};
  std::string out;
  out.push_back(static_cast<char>((fin ? 0x80 : 0) | first_extra | static_cast<unsigned>(op)));
  if (payload.size() < 126) {
    out.push_back(static_cast<char>(0x80 | payload.size()));
  } else if (payload.size() <= 0xFFFF) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(payload.size() >> 8));
    out.push_back(static_cast<char>(payload.size() & 0xFF));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i)
      out.push_back(static_cast<char>((static_cast<std::uint64_t>(payload.size()) >> (8 * i)) & 0xFF));
  }
  out.append(reinterpret_cast<const char*>(key), 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    out.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
  return out;
}

struct recorder final : frame_handler {
  std::vector<std::string> texts;
  int binaries = 0;
  std::vector<std::string> pings;
  int pongs = 0;
  std::vector<std::uint16_t> closes;
  std::vector<std::uint16_t> violations;

  void on_text(std::string_view m) override { texts.emplace_back(m); }
  void on_binary() override { ++binaries; }
  void on_ping(std::string_view p) override { pings.emplace_back(p); }
  void on_pong() override { ++pongs; }
  void on_close(std::uint16_t code, std::string_view) override { closes.push_back(code); }
  void on_violation(std::uint16_t code, std::string_view) override {
    violations.push_back(code);
  }
};

/// Feeds `bytes` in pieces of `step` bytes the way a connection does:
/// unused bytes are kept and passed again with the next piece.
void feed(frame_reader& r, recorder& h, const std::string& bytes, std::size_t step) {
  std::string pending;
  for (std::size_t at = 0; at < bytes.size(); at += step) {
    pending.append(bytes, at, step);
    auto used = r.consume(pending.data(), pending.size(), h);
    pending.erase(0, used);
  }
  CHECK(pending.empty());
}

} // namespace

TEST_CASE("server frame headers use the shortest length form") {
  unsigned char h[max_header_bytes];
  REQUIRE(encode_header(opcode::text, 0, h) == 2);
  CHECK(h[0] == 0x81);
  CHECK(h[1] == 0);
  REQUIRE(encode_header(opcode::text, 125, h) == 2);
  CHECK(h[1] == 125);
  REQUIRE(encode_header(opcode::text, 126, h) == 4);
  CHECK(h[1] == 126);
  CHECK(h[2] == 0);
  CHECK(h[3] == 126);
  REQUIRE(encode_header(opcode::text, 65535, h) == 4);
  CHECK((h[2] == 0xFF && h[3] == 0xFF));
  REQUIRE(encode_header(opcode::text, 65536, h) == 10);
  CHECK(h[1] == 127);
  CHECK(h[7] == 1);
  CHECK(h[9] == 0);
  REQUIRE(encode_header(opcode::pong, 3, h) == 2);
  CHECK(h[0] == 0x8A);
}

TEST_CASE("a close frame carries the code and a reason cut on a character boundary") {
  auto f = encode_close(4008, "too slow");
  REQUIRE(f.size() == 2 + 2 + 8);
  CHECK(static_cast<unsigned char>(f[0]) == 0x88);
  CHECK(static_cast<unsigned char>(f[2]) == 4008 >> 8);
  CHECK(static_cast<unsigned char>(f[3]) == (4008 & 0xFF));
  CHECK(f.substr(4) == "too slow");
  std::string long_reason(121, 'a');
  long_reason += "\xC3\xA9\xC3\xA9"; // é é: 125 bytes, the cut falls inside the second
  auto cut = encode_close(1000, long_reason);
  CHECK(cut.size() == 2 + 2 + 123);
  CHECK(valid_utf8(cut.substr(4)));
}

TEST_CASE("UTF-8 is checked the way RFC 3629 defines it") {
  CHECK(valid_utf8(""));
  CHECK(valid_utf8("plain ascii that is longer than eight bytes"));
  CHECK(valid_utf8("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"));
  CHECK(valid_utf8("\xF4\x8F\xBF\xBF"));        // U+10FFFF
  CHECK_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(valid_utf8("\xE0\x80\xAF"));      // overlong
  CHECK_FALSE(valid_utf8("\xED\xA0\x80"));      // a surrogate
  CHECK_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(valid_utf8("\x80"));              // a lone continuation byte
  CHECK_FALSE(valid_utf8("abc\xE2\x82"));       // cut short
  CHECK_FALSE(valid_utf8("abcdefgh\xFF"));      // never valid
}

TEST_CASE("messages arrive whole however the bytes are split") {
  std::string big(70000, 'x'); // the 64-bit length form
  std::string stream = client_frame(opcode::text, "{\"type\":\"ping\"}")
                       + client_frame(opcode::binary, "\x01\x02")
                       + client_frame(opcode::text, "fir", false)
                       + client_frame(opcode::ping, "p1") // control frames may interleave
                       + client_frame(opcode::continuation, "st ", false)
                       + client_frame(opcode::continuation, "whole")
                       + client_frame(opcode::text, big)
                       + client_frame(opcode::pong, "")
                       + client_frame(opcode::text, std::string(300, 'm'));
  for (std::size_t step : {std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{4096},
                           stream.size()}) {
    frame_reader r{100000};
    recorder h;
    feed(r, h, stream, step);
    REQUIRE(h.texts.size() == 4);
    CHECK(h.texts[0] == "{\"type\":\"ping\"}");
    CHECK(h.texts[1] == "first whole");
    CHECK(h.texts[2] == big);
    CHECK(h.texts[3] == std::string(300, 'm'));
    CHECK(h.binaries == 1);
    CHECK(h.pings == std::vector<std::string>{"p1"});
    CHECK(h.pongs == 1);
    CHECK(h.violations.empty());
    CHECK_FALSE(r.finished());
  }
}

TEST_CASE("a close frame ends the parsing and reports its code") {
  frame_reader r{1024};
  recorder h;
  std::string payload = "\x0F\xA0going"; // 4000
  auto bytes = client_frame(opcode::close, payload) + client_frame(opcode::text, "after");
  CHECK(r.consume(bytes.data(), bytes.size(), h) == bytes.size());
  CHECK(h.closes == std::vector<std::uint16_t>{4000});
  CHECK(h.texts.empty());
  CHECK(r.finished());

  frame_reader bare{1024};
  recorder h2;
  auto empty = client_frame(opcode::close, "");
  bare.consume(empty.data(), empty.size(), h2);
  CHECK(h2.closes == std::vector<std::uint16_t>{close_code::no_status});
}

TEST_CASE("each violation gets its close code") {
  struct bad_case {
    const char* what;
    std::string bytes;
    std::uint16_t code;
  };
  std::string unmasked = "\x81\x02hi";
  std::vector<bad_case> cases{
    {"unmasked", unmasked, close_code::protocol_error},
    {"reserved bit", client_frame(opcode::text, "x", true, 0x40), close_code::protocol_error},
    {"unknown opcode", client_frame(static_cast<opcode>(3), "x"), close_code::protocol_error},
    {"fragmented ping", client_frame(opcode::ping, "x", false), close_code::protocol_error},
    {"long ping", client_frame(opcode::ping, std::string(126, 'p')),
     close_code::protocol_error},
    {"stray continuation", client_frame(opcode::continuation, "x"),
     close_code::protocol_error},
    {"message inside a message",
     client_frame(opcode::text, "a", false) + client_frame(opcode::text, "b"),
     close_code::protocol_error},
    {"too big", client_frame(opcode::text, std::string(1025, 'a')), close_code::too_big},
    {"too big in fragments",
     client_frame(opcode::text, std::string(600, 'a'), false)
       + client_frame(opcode::continuation, std::string(600, 'a')),
     close_code::too_big},
    {"bad UTF-8", client_frame(opcode::text, "\xC0\xAF"), close_code::invalid_payload},
    {"bad UTF-8 across fragments",
     client_frame(opcode::text, "ok\xE2", false) + client_frame(opcode::continuation, "x"),
     close_code::invalid_payload},
    {"one-byte close", client_frame(opcode::close, "\x03"), close_code::protocol_error},
    {"reserved close code", client_frame(opcode::close, std::string("\x03\xED", 2)),
     close_code::protocol_error}, // 1005
    {"close reason not UTF-8", client_frame(opcode::close, "\x03\xE8\xFF"),
     close_code::invalid_payload},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    frame_reader r{1024};
    recorder h;
    std::string bytes = c.bytes;
    CHECK(r.consume(bytes.data(), bytes.size(), h) == bytes.size());
    CHECK(h.violations == std::vector<std::uint16_t>{c.code});
    CHECK(h.texts.empty());
  }
}

TEST_CASE("after an oversized message the peer's close answer is still read") {
  frame_reader r{1024};
  recorder h;
  // The oversized frame is refused from its header; its payload is passed
  // over as it arrives, and the close frame after it is reported.
  auto bytes = client_frame(opcode::text, std::string(5000, 'a'))
               + client_frame(opcode::text, "ignored") + client_frame(opcode::ping, "ignored")
               + client_frame(opcode::close, "\x03\xF1"); // 1009
  feed(r, h, bytes, 333);
  CHECK(h.violations == std::vector<std::uint16_t>{close_code::too_big});
  CHECK(h.texts.empty());
  CHECK(h.pings.empty());
  CHECK(h.closes == std::vector<std::uint16_t>{1009});
}
