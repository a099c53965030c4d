#include "wsframe.hpp"

#include <cstring>

namespace chatbench {

ws_frame read_ws_frame(std::string_view data, std::uint64_t max_payload) noexcept {
  ws_frame f;
  if (data.size() < 2)
    return f;
  const auto b0 = static_cast<std::uint8_t>(data[0]);
  const auto b1 = static_cast<std::uint8_t>(data[1]);
  f.fin = (b0 & 0x80) != 0;
  const std::uint8_t op = b0 & 0x0F;
  f.opcode = static_cast<ws_opcode>(op);
  f.masked = (b1 & 0x80) != 0;
  auto fail = [&f] {
    f.state = ws_frame::status::error;
    return f;
  };
  if (b0 & 0x70)
    return fail();  // RSV1-3: no extension is negotiated
  const bool control = op >= 0x8;
  if ((op > 0x2 && op < 0x8) || op > 0xA)
    return fail();
  std::size_t pos = 2;
  std::uint64_t len = b1 & 0x7F;
  if (len == 126) {
    if (data.size() < 4)
      return f;
    len = (std::uint64_t{static_cast<std::uint8_t>(data[2])} << 8) | static_cast<std::uint8_t>(data[3]);
    if (len < 126)
      return fail();
    pos = 4;
  } else if (len == 127) {
    if (data.size() < 10)
      return f;
    len = 0;
    for (int i = 0; i < 8; ++i)
      len = (len << 8) | static_cast<std::uint8_t>(data[2 + static_cast<std::size_t>(i)]);
    if (len <= 0xFFFF || (len >> 63))
      return fail();
    pos = 10;
  }
  if (control && (len > 125 || !f.fin))
    return fail();
  if (len > max_payload)
    return fail();
  if (f.masked) {
    if (data.size() < pos + 4)
      return f;
    std::memcpy(&f.mask_key, data.data() + pos, 4);
    pos += 4;
  }
  f.header_size = pos;
  f.payload_size = len;
  if (data.size() - pos >= len)
    f.state = ws_frame::status::complete;
  return f;
}

void ws_unmask(char* data, std::size_t n, std::uint32_t mask_key, std::size_t offset) noexcept {
  unsigned char key[4];
  std::memcpy(key, &mask_key, 4);
  for (std::size_t i = 0; i < n; ++i)
    data[i] = static_cast<char>(static_cast<unsigned char>(data[i]) ^ key[(i + offset) & 3]);
}

void append_ws_frame(std::string& out, ws_opcode op, std::string_view payload, std::uint32_t mask_key) {
  const std::size_t n = payload.size();
  const std::size_t start = out.size();
  const std::size_t header = 2 + (n < 126 ? 0 : n <= 0xFFFF ? 2 : 8) + 4;
  out.resize(start + header + n);
  char* p = out.data() + start;
  *p++ = static_cast<char>(0x80 | static_cast<std::uint8_t>(op));
  if (n < 126) {
    *p++ = static_cast<char>(0x80 | n);
  } else if (n <= 0xFFFF) {
    *p++ = static_cast<char>(0x80 | 126);
    *p++ = static_cast<char>((n >> 8) & 0xFF);
    *p++ = static_cast<char>(n & 0xFF);
  } else {
    *p++ = static_cast<char>(0x80 | 127);
    for (int i = 7; i >= 0; --i)
      *p++ = static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xFF);
  }
  std::memcpy(p, &mask_key, 4);
  p += 4;
  std::memcpy(p, payload.data(), n);
  ws_unmask(p, n, mask_key);  // XOR: masking and unmasking are the same
}

std::uint16_t ws_close_code(std::string_view payload) noexcept {
  if (payload.size() < 2)
    return 1005;
  return static_cast<std::uint16_t>((static_cast<std::uint8_t>(payload[0]) << 8) | static_cast<std::uint8_t>(payload[1]));
}

} // namespace chatbench
