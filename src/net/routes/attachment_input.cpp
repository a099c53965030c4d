#include "net/routes/attachment_input.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "net/http_framing.hpp"
#include "schema/validation.hpp"

namespace chat::net {
namespace {

constexpr std::string_view octet_stream = "application/octet-stream";
constexpr std::size_t media_part_max = 64;

bool token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view{"!#$&^_.+-"}.find(c)
                                                          != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() && s.size() <= media_part_max && std::all_of(s.begin(), s.end(), token_char);
}

/// A plain decimal u64 (no sign, no blanks); false on anything else.
bool parse_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19)
    return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size();
}

/// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
void cut_utf8(std::string& s, std::size_t max) {
  if (s.size() <= max)
    return;
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80)
    --end;
  s.resize(end);
}

} // namespace

std::string sanitize_file_name(std::string_view raw) {
  auto slash = raw.find_last_of("/\\");
  if (slash != std::string_view::npos)
    raw.remove_prefix(slash + 1);
  if (!validate::utf8(raw))
    return "file";
  std::string out;
  out.reserve(std::min(raw.size(), attachment_name_max));
  for (char c : raw) {
    auto u = static_cast<unsigned char>(c);
    bool bad = u < 0x20 || u == 0x7F || c == '"';
    if (out.empty() && (c == '.' || c == ' ' || bad))
      continue; // no hidden files, no leading blanks
    out += bad ? '_' : c;
  }
  cut_utf8(out, attachment_name_max);
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out.empty() ? std::string{"file"} : out;
}

std::string sanitize_content_type(std::string_view raw) {
  auto semi = raw.find(';');
  auto type = trim_ows(raw.substr(0, semi));
  auto slash = type.find('/');
  if (slash == std::string_view::npos || !is_token(type.substr(0, slash))
      || !is_token(type.substr(slash + 1)))
    return std::string{octet_stream};
  std::string out{type};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool inline_safe(std::string_view content_type) {
  return content_type == "image/png" || content_type == "image/jpeg"
         || content_type == "image/gif" || content_type == "image/webp";
}

std::string content_disposition(std::string_view name, bool as_inline) {
  std::string ascii;
  std::string encoded;
  constexpr char hex[] = "0123456789ABCDEF";
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    ascii += (u < 0x80 && c != '"' && c != '\\') ? c : '_';
    if (std::isalnum(u) || std::string_view{"!#$&+-.^_`|~"}.find(c) != std::string_view::npos) {
      encoded += c;
    } else {
      encoded += '%';
      encoded += hex[u >> 4];
      encoded += hex[u & 15];
    }
  }
  return std::string{as_inline ? "inline" : "attachment"} + "; filename=\"" + ascii
         + "\"; filename*=UTF-8''" + encoded;
}

byte_range parse_range(std::string_view header, std::uint64_t size) {
  byte_range whole;
  header = trim_ows(header);
  constexpr std::string_view unit = "bytes=";
  if (header.size() < unit.size())
    return whole;
  for (std::size_t i = 0; i < unit.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != unit[i])
      return whole;
  auto spec = trim_ows(header.substr(unit.size()));
  if (spec.find(',') != std::string_view::npos)
    return whole; // several ranges: the whole body instead of multipart
  auto dash = spec.find('-');
  if (dash == std::string_view::npos)
    return whole;
  auto from = spec.substr(0, dash);
  auto to = spec.substr(dash + 1);
  byte_range out;
  out.what = byte_range::kind::unsatisfiable;
  if (from.empty()) {
    // Suffix: the last n bytes.
    std::uint64_t n = 0;
    if (!parse_u64(to, n))
      return whole;
    if (n == 0 || size == 0)
      return out;
    out.what = byte_range::kind::partial;
    out.first = n >= size ? 0 : size - n;
    out.last = size - 1;
    return out;
  }
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  if (!parse_u64(from, first))
    return whole;
  if (to.empty())
    last = UINT64_MAX;
  else if (!parse_u64(to, last) || last < first)
    return whole;
  if (first >= size)
    return out;
  out.what = byte_range::kind::partial;
  out.first = first;
  out.last = std::min(last, size - 1);
  return out;
}

} // namespace chat::net
