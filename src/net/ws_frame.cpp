#include "net/ws_frame.hpp"

#include <algorithm>
#include <cstring>

namespace chat::net::ws {
namespace {

bool is_control(opcode op) noexcept { return (static_cast<unsigned>(op) & 0x8u) != 0; }

bool known(unsigned op) noexcept {
  return op <= 0x2 || (op >= 0x8 && op <= 0xA);
}

/// Codes a peer may send (RFC 6455 7.4 and the IANA registry); 1005, 1006
/// and 1015 only ever describe a close, they are never sent.
bool sendable_close_code(std::uint16_t code) noexcept {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014)
         || (code >= 3000 && code <= 4999);
}

std::uint64_t big_endian(const unsigned char* p, int bytes) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v = (v << 8) | p[i];
  return v;
}

void unmask(char* p, std::size_t n, const unsigned char key[4]) noexcept {
  // Word at a time: the key repeats every 4 bytes, so an 8-byte word of it
  // lines up as long as we start at offset 0.
  std::uint64_t wide;
  unsigned char k8[8] = {key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3]};
  std::memcpy(&wide, k8, 8);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    w ^= wide;
    std::memcpy(p + i, &w, 8);
  }
  for (; i < n; ++i)
    p[i] = static_cast<char>(p[i] ^ key[i % 4]);
}

/// `s` cut to at most `max` bytes without splitting a UTF-8 character.
std::string_view fit_utf8(std::string_view s, std::size_t max) noexcept {
  if (s.size() <= max)
    return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
    --n;
  return s.substr(0, n);
}

} // namespace

std::size_t encode_header(opcode op, std::size_t payload_bytes, unsigned char* out) noexcept {
  out[0] = static_cast<unsigned char>(0x80u | static_cast<unsigned>(op)); // FIN
  if (payload_bytes < 126) {
    out[1] = static_cast<unsigned char>(payload_bytes);
    return 2;
  }
  if (payload_bytes <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<unsigned char>(payload_bytes >> 8);
    out[3] = static_cast<unsigned char>(payload_bytes);
    return 4;
  }
  out[1] = 127;
  auto n = static_cast<std::uint64_t>(payload_bytes);
  for (int i = 0; i < 8; ++i)
    out[2 + i] = static_cast<unsigned char>(n >> (56 - 8 * i));
  return 10;
}

std::string encode_control(opcode op, std::string_view payload) {
  payload = payload.substr(0, std::min(payload.size(), max_control_payload));
  unsigned char header[max_header_bytes];
  auto h = encode_header(op, payload.size(), header);
  std::string out(reinterpret_cast<const char*>(header), h);
  out.append(payload);
  return out;
}

std::string encode_close(std::uint16_t code, std::string_view reason) {
  auto text = fit_utf8(reason, max_control_payload - 2);
  std::string payload;
  payload.reserve(2 + text.size());
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(text);
  return encode_control(opcode::close, payload);
}

bool valid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    // Chat text is mostly ASCII: skip it eight bytes at a time.
    if (i + 8 <= n) {
      std::uint64_t w;
      std::memcpy(&w, p + i, 8);
      if ((w & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t extra;
    unsigned char lo = 0x80, hi = 0xBF; // range of the first continuation byte
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      if (c == 0xE0)
        lo = 0xA0; // overlong
      else if (c == 0xED)
        hi = 0x9F; // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      if (c == 0xF0)
        lo = 0x90; // overlong
      else if (c == 0xF4)
        hi = 0x8F; // past U+10FFFF
    } else {
      return false; // a continuation byte, an overlong lead (C0, C1) or F5..FF
    }
    if (i + extra >= n)
      return false; // cut short
    if (p[i + 1] < lo || p[i + 1] > hi)
      return false;
    for (std::size_t k = 2; k <= extra; ++k)
      if ((p[i + k] & 0xC0) != 0x80)
        return false;
    i += extra + 1;
  }
  return true;
}

std::size_t frame_reader::consume(char* data, std::size_t size, frame_handler& h) {
  std::size_t used = 0;
  while (!finished_) {
    if (skip_ > 0) { // the rest of a frame that is being dropped
      auto k = static_cast<std::size_t>(std::min<std::uint64_t>(skip_, size - used));
      used += k;
      skip_ -= k;
      if (skip_ > 0)
        break;
      continue;
    }
    const auto* p = reinterpret_cast<const unsigned char*>(data + used);
    const std::size_t left = size - used;
    if (left < 2)
      break;
    const bool fin = (p[0] & 0x80) != 0;
    const unsigned rsv = p[0] & 0x70;
    const unsigned op = p[0] & 0x0F;
    const bool masked = (p[1] & 0x80) != 0;
    std::uint64_t length = p[1] & 0x7F;
    std::size_t header = 2;
    if (length == 126) {
      if (left < 4)
        break;
      length = big_endian(p + 2, 2);
      header = 4;
      if (length < 126)
        return broken("length not minimally encoded", h), size;
    } else if (length == 127) {
      if (left < 10)
        break;
      length = big_endian(p + 2, 8);
      header = 10;
      if (length >> 63)
        return broken("length out of range", h), size;
      if (length <= 0xFFFF)
        return broken("length not minimally encoded", h), size;
    }
    // Everything the header says is checked before waiting for the payload.
    if (rsv != 0)
      return broken("reserved bits set", h), size;
    if (!known(op))
      return broken("unknown opcode", h), size;
    if (!masked)
      return broken("client frame not masked", h), size;
    header += 4; // the masking key
    const auto code = static_cast<opcode>(op);
    if (is_control(code)) {
      if (!fin)
        return broken("fragmented control frame", h), size;
      if (length > max_control_payload)
        return broken("control frame too long", h), size;
      if (draining_ && code != opcode::close) {
        skip_ = header + length;
        continue;
      }
    } else if (draining_) {
      skip_ = header + length;
      continue;
    } else {
      if (code == opcode::continuation && !in_message_)
        return broken("continuation without a message", h), size;
      if (code != opcode::continuation && in_message_)
        return broken("new message inside a fragmented one", h), size;
      const std::size_t before = code == opcode::continuation ? fragments_.size() : 0;
      if (length > max_message_ - before) {
        // The framing is intact: drop this frame unread and keep looking
        // for the peer's close frame.
        reject(close_code::too_big, "message too big", h);
        skip_ = header + length;
        continue;
      }
    }
    if (left < header || left - header < length)
      break; // the rest of this frame has not arrived yet
    char* payload = data + used + header;
    unmask(payload, static_cast<std::size_t>(length), p + header - 4);
    used += header + static_cast<std::size_t>(length);
    on_frame(fin, code, {payload, static_cast<std::size_t>(length)}, h);
  }
  return finished_ ? size : used;
}

void frame_reader::on_frame(bool fin, opcode op, std::string_view payload, frame_handler& h) {
  switch (op) {
  case opcode::ping:
    h.on_ping(payload);
    return;
  case opcode::pong:
    h.on_pong();
    return;
  case opcode::close: {
    if (payload.size() == 1)
      return broken("close frame of one byte", h);
    std::uint16_t code = close_code::no_status;
    std::string_view reason;
    if (payload.size() >= 2) {
      code = static_cast<std::uint16_t>(
        big_endian(reinterpret_cast<const unsigned char*>(payload.data()), 2));
      reason = payload.substr(2);
      if (!sendable_close_code(code))
        return broken("invalid close code", h);
      if (!valid_utf8(reason)) {
        reject(close_code::invalid_payload, "close reason not UTF-8", h);
        finished_ = true;
        return;
      }
    }
    finished_ = true;
    h.on_close(code, reason);
    return;
  }
  default:
    break;
  }
  // A data frame.
  std::string_view message;
  if (op != opcode::continuation) {
    message_op_ = op;
    if (!fin) {
      in_message_ = true;
      fragments_.assign(payload);
      return;
    }
    message = payload;
  } else {
    fragments_.append(payload);
    if (!fin)
      return;
    in_message_ = false;
    message = fragments_;
  }
  if (message_op_ == opcode::text) {
    if (!valid_utf8(message))
      reject(close_code::invalid_payload, "text is not UTF-8", h);
    else
      h.on_text(message);
  } else {
    h.on_binary();
  }
  if (!fragments_.empty()) {
    // A big reassembled message should not keep its buffer for the
    // connection's lifetime.
    if (fragments_.capacity() > 4096)
      std::string{}.swap(fragments_);
    else
      fragments_.clear();
  }
}

void frame_reader::reject(std::uint16_t code, std::string_view why, frame_handler& h) {
  if (draining_)
    return; // the first violation decided the close code
  draining_ = true;
  in_message_ = false;
  std::string{}.swap(fragments_);
  h.on_violation(code, why);
}

void frame_reader::broken(std::string_view why, frame_handler& h) {
  reject(close_code::protocol_error, why, h);
  finished_ = true;
}

} // namespace chat::net::ws
