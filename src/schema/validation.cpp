#include "schema/validation.hpp"

namespace chat::validate {

bool utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    std::size_t len;
    char32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (static_cast<std::size_t>(end - p) < len)
      return false;
    for (std::size_t i = 1; i < len; ++i) {
      if ((p[i] & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    constexpr char32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    p += len;
  }
  return true;
}

bool username(std::string_view s) noexcept {
  if (s.size() < 3 || s.size() > 32)
    return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'
              || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

bool password(std::string_view s) noexcept { return s.size() >= 8 && s.size() <= 256; }

bool display_name(std::string_view s) noexcept {
  if (s.empty() || s.size() > 64 || !utf8(s))
    return false;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7F)
      return false;
  return true;
}

bool message_text(std::string_view s) noexcept {
  return !s.empty() && s.size() <= 4096 && utf8(s);
}

bool attachment_caption(std::string_view s) noexcept { return s.empty() || message_text(s); }

bool title(std::string_view s) noexcept { return !s.empty() && s.size() <= 128 && utf8(s); }

bool client_msg_id(std::string_view s) noexcept { return !s.empty() && s.size() <= 64; }

} // namespace chat::validate
