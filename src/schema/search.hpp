#pragma once
// Search (docs/protocol.md "Search"): a parsed query as a conversation
// evaluates it, and the page it answers. Words are already tokenised
// (actors/conversation/search_tokens.hpp) and `from` is a user id.
#include <cstdint>
#include <string>
#include <vector>

#include "schema/wire.hpp"

namespace chat {

struct search_request {
  std::vector<std::string> words;    ///< every one must be a word of the message
  std::vector<std::string> prefixes; ///< every one must start a word of the message
  std::string from;                  ///< author's user id; empty: anyone
  std::int64_t after_ms = 0;         ///< created at or after; 0: no bound
  std::int64_t before_ms = 0;        ///< created before; 0: no bound
  std::uint64_t before_seq = 0;      ///< seqs below this; 0: from the newest
  std::uint32_t limit = 20;          ///< 1..100
  /// Cross-conversation paging: only messages older than (ts, conv, seq)
  /// in the merged order (newest ts first, then conv id, then seq, all descending).
  bool has_cursor = false;
  std::int64_t cursor_ts = 0;
  std::string cursor_conv;
  std::uint64_t cursor_seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, search_request& x) {
  return f(x.words, x.prefixes, x.from, x.after_ms, x.before_ms, x.before_seq, x.limit,
           x.has_cursor, x.cursor_ts, x.cursor_conv, x.cursor_seq);
}

/// Matches, newest first. `next_before`: where the next page starts (the
/// `before` to send), 0 when there is no more. `partial`: the work bound was
/// reached before `limit` matches were found; paging on continues the search.
struct search_page {
  std::vector<message_view> messages;
  std::uint64_t next_before = 0;
  bool partial = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, search_page& x) {
  return f(x.messages, x.next_before, x.partial);
}

/// GET /search: matches from the caller's conversations, newest first;
/// `next` is the opaque cursor of the next page ("" when none).
struct search_results {
  std::vector<message_view> messages;
  std::string next;
  bool partial = false;
};

} // namespace chat
