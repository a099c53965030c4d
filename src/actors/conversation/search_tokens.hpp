#pragma once
// Words of a message for the search index (docs/protocol.md "Search"): the
// text split on ASCII characters that are not letters or digits, ASCII
// letters folded to lower case, other UTF-8 (letters of other scripts,
// emoji) kept as-is inside words. Indexing and queries use the same rules,
// so a query word finds what the index holds.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace chat::search {

/// Longest word kept, in bytes; longer ones are cut (on a UTF-8 boundary),
/// so a long word still finds itself through its first bytes.
constexpr std::size_t max_term_bytes = 32;
/// Distinct words indexed per message (a 4096-byte text has at most 2048).
constexpr std::size_t max_terms_per_message = 256;

/// The distinct words of `text` in order of first appearance, at most `max_terms`.
std::vector<std::string> tokenize(std::string_view text,
                                  std::size_t max_terms = max_terms_per_message);

} // namespace chat::search
