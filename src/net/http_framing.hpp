#pragma once
// Strict request framing (PROTOCOL.md "Precise rules"): a request whose
// length could be read two ways is refused, since a proxy in front of the
// node might frame it differently (request smuggling). Beast already
// refuses two different Content-Lengths and a chunked body with a
// Content-Length; it lets through a Transfer-Encoding that merely is not
// chunked (`xchunked`, `chunked, identity`), with or without a length.
#include <string_view>

#include <boost/beast/http/fields.hpp>

namespace chat::net {

/// Why the framing headers of a request are refused, or empty when they are
/// unambiguous: a Transfer-Encoding other than one field saying exactly
/// `chunked`, both Transfer-Encoding and Content-Length, or Content-Length
/// values that differ.
std::string_view framing_problem(const boost::beast::http::fields& headers);

/// A header value without HTTP's optional whitespace (blanks and tabs) at
/// either end.
inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

} // namespace chat::net
