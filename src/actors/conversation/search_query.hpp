#pragma once
// The search query language (docs/protocol.md "Search"): words (all must
// match), `pre*` prefixes, `from:<username or user id>`, `after:`/`before:`
// ISO dates. Pure parsing; the caller resolves a username in `from`.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "schema/error_code.hpp"
#include "schema/search.hpp"

namespace chat::search {

/// Longest query accepted, in bytes.
constexpr std::size_t max_query_bytes = 256;
/// Words and prefixes in one query (each is a posting list to intersect).
constexpr std::size_t max_query_terms = 8;
/// Shortest prefix before `*`, in bytes: shorter ones match too much.
constexpr std::size_t min_prefix_bytes = 2;
/// Most results per page.
constexpr std::uint32_t max_limit = 100;

/// Parses `q` into `out` (words, prefixes, dates) and `from` (as written:
/// a username or a user id; empty when the query has none). errc::ok, or
/// bad_request with a message naming what is wrong.
api_error parse_query(std::string_view q, search_request& out, std::string& from);

/// Milliseconds since the epoch of `YYYY-MM-DD` (midnight UTC) or
/// `YYYY-MM-DDTHH:MM[:SS]Z`; nullopt when malformed.
std::optional<std::int64_t> parse_time(std::string_view s);

/// The cross-conversation cursor: "<ts>.<seq>.<conv>".
std::string encode_cursor(std::int64_t ts, std::uint64_t seq, const std::string& conv);
bool decode_cursor(std::string_view s, search_request& out);

} // namespace chat::search
