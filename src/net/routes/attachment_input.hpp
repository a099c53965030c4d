#pragma once
// What the attachment routes read from a request and write into headers
// (pure, unit-tested): the file name and media type a client gives, and a
// single `Range: bytes=…` request.
#include <cstdint>
#include <string>
#include <string_view>

namespace chat::net {

/// Longest stored file name, in bytes.
inline constexpr std::size_t attachment_name_max = 255;

/// A file name safe to store and to put in a header: the part after the last
/// `/` or `\`, control characters and `"` replaced by `_`, leading dots and
/// blanks dropped, cut to attachment_name_max bytes on a character
/// boundary; "file" when nothing is left or the bytes are not UTF-8.
std::string sanitize_file_name(std::string_view raw);

/// `type/subtype` in lowercase, parameters dropped; anything that is not a
/// well-formed media type (or empty) is `application/octet-stream`.
std::string sanitize_content_type(std::string_view raw);

/// True for the image types a browser may show inline (never SVG, which can
/// carry script).
bool inline_safe(std::string_view content_type);

/// `attachment` or `inline`, with an ASCII `filename` and the exact UTF-8
/// name as `filename*` (RFC 6266 / 8187).
std::string content_disposition(std::string_view name, bool as_inline);

/// A `Range` header against a body of `size` bytes. One `bytes=` range only:
/// a malformed header, another unit or several ranges are ignored (the whole
/// body is sent, as RFC 9110 allows); a well-formed range that starts at or
/// past the end is unsatisfiable (416).
struct byte_range {
  enum class kind { whole, partial, unsatisfiable };
  kind what = kind::whole;
  std::uint64_t first = 0; ///< partial: first byte sent
  std::uint64_t last = 0;  ///< partial: last byte sent (inclusive)
};
byte_range parse_range(std::string_view header, std::uint64_t size);

} // namespace chat::net
