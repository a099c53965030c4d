#include <catch2/catch.hpp>

#include "wsframe.hpp"

using namespace chatbench;

namespace {
// a server frame: FIN + opcode, unmasked
std::string server_frame(ws_opcode op, std::string_view payload, bool fin = true) {
  std::string out;
  out.push_back(static_cast<char>((fin ? 0x80 : 0) | static_cast<int>(op)));
  const auto n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(n));
  } else if (n <= 0xFFFF) {
    out.push_back(126);
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(127);
    for (int i = 7; i >= 0; --i)
      out.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xFF));
  }
  out.append(payload);
  return out;
}
} // namespace

TEST_CASE("wsframe: server frames of every length form are read") {
  for (std::size_t n : {0u, 1u, 125u, 126u, 200u, 65535u, 65536u, 70000u}) {
    const std::string payload(n, 'x');
    const auto wire = server_frame(ws_opcode::text, payload);
    auto f = read_ws_frame(wire, 1u << 20);
    REQUIRE(f.state == ws_frame::status::complete);
    CHECK(f.fin);
    CHECK(f.opcode == ws_opcode::text);
    CHECK_FALSE(f.masked);
    CHECK(f.header_size == (n < 126 ? 2u : n <= 0xFFFF ? 4u : 10u));
    CHECK(f.payload_size == n);
    CHECK(f.size() == wire.size());
    // every proper prefix is incomplete
    for (std::size_t cut : {std::size_t{0}, std::size_t{1}, f.header_size - 1, wire.size() - 1})
      if (cut < wire.size())
        CHECK(read_ws_frame(std::string_view(wire).substr(0, cut), 1u << 20).state == ws_frame::status::incomplete);
  }
}

TEST_CASE("wsframe: several frames back to back are read one by one") {
  const auto wire = server_frame(ws_opcode::text, R"({"type":"pong","re":1})") +
                    server_frame(ws_opcode::ping, "p") + server_frame(ws_opcode::text, "{}").substr(0, 3);
  std::string_view rest = wire;
  auto a = read_ws_frame(rest, 1024);
  REQUIRE(a.state == ws_frame::status::complete);
  CHECK(rest.substr(a.header_size, a.payload_size) == R"({"type":"pong","re":1})");
  rest.remove_prefix(a.size());
  auto b = read_ws_frame(rest, 1024);
  REQUIRE(b.state == ws_frame::status::complete);
  CHECK(b.opcode == ws_opcode::ping);
  rest.remove_prefix(b.size());
  CHECK(read_ws_frame(rest, 1024).state == ws_frame::status::incomplete);
}

TEST_CASE("wsframe: protocol errors") {
  auto err = [](std::string wire, std::uint64_t max = 1u << 20) {
    return read_ws_frame(wire, max).state == ws_frame::status::error;
  };
  std::string rsv = server_frame(ws_opcode::text, "a");
  rsv[0] = static_cast<char>(rsv[0] | 0x40);
  CHECK(err(rsv));
  std::string op = server_frame(ws_opcode::text, "a");
  op[0] = static_cast<char>(0x83);  // reserved data opcode
  CHECK(err(op));
  CHECK(err(server_frame(ws_opcode::ping, std::string(126, 'p'))));   // control over 125
  CHECK(err(server_frame(ws_opcode::close, "", false)));              // fragmented control
  CHECK(err(server_frame(ws_opcode::text, std::string(2000, 'x')), 1000));  // over the limit
  CHECK(err(std::string("\x81\x7e\x00\x05" "abcde", 9)));  // 16-bit length for 5 bytes: not minimal
  CHECK(err(std::string("\x81\x7f\x00\x00\x00\x00\x00\x00\x00\x05", 10)));  // 64-bit length for 5
  CHECK(err(std::string("\x81\x7f\x80\x00\x00\x00\x00\x00\x00\x00", 10)));  // top bit set
}

TEST_CASE("wsframe: a client frame is masked and reads back") {
  for (std::size_t n : {0u, 5u, 125u, 126u, 65535u, 65536u}) {
    std::string payload(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
      payload[i] = static_cast<char>('a' + i % 26);
    std::string wire = "prefix";
    append_ws_frame(wire, ws_opcode::text, payload, 0xA1B2C3D4u);
    std::string_view frame = std::string_view(wire).substr(6);
    auto f = read_ws_frame(frame, 1u << 20);
    REQUIRE(f.state == ws_frame::status::complete);
    CHECK(f.fin);
    CHECK(f.masked);
    CHECK(f.opcode == ws_opcode::text);
    CHECK(f.mask_key == 0xA1B2C3D4u);
    CHECK(f.payload_size == n);
    CHECK(f.size() == frame.size());
    std::string body(frame.substr(f.header_size));
    if (n >= 4)
      CHECK(body != payload);  // really masked
    ws_unmask(body.data(), body.size(), f.mask_key);
    CHECK(body == payload);
  }
}

TEST_CASE("wsframe: unmasking in pieces with an offset") {
  std::string data = "hello websocket";
  std::string masked = data;
  ws_unmask(masked.data(), masked.size(), 0x01020304u);
  ws_unmask(masked.data(), 5, 0x01020304u, 0);
  ws_unmask(masked.data() + 5, masked.size() - 5, 0x01020304u, 5);
  CHECK(masked == data);
}

TEST_CASE("wsframe: close codes") {
  CHECK(ws_close_code("") == 1005);
  CHECK(ws_close_code(std::string("\x0f\xa8", 2)) == 4008);
  CHECK(ws_close_code(std::string("\x03\xe8" "bye", 5)) == 1000);
}
