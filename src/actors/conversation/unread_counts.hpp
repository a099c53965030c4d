#pragma once
// A member's unread and mention counts (docs/protocol.md "Unread and
// mention counts"). Mentions are indexed in the `mentions` column under
// "<conv>/<user>/" + big-endian seq, written in the batch that stores or
// changes the message, so they replicate with it and a count is one
// bounded range scan past the member's read marker. Unread is counted
// over the messages past the marker, at most count_scan_limit items.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "schema/error_code.hpp"
#include "schema/wire.hpp"
#include "storage/store.hpp"
#include "storage/write_batch.hpp"

namespace chat::unread {

/// Items (messages and change events) one count examines past the read
/// marker, and mentions it counts at most: a member far behind costs a
/// bounded read; the answer then says `unread_capped`.
constexpr std::size_t count_scan_limit = 1000;

/// Adds to `b` the index changes of message `seq` by `author` whose
/// mentions go from `before` to `after` (the author is never indexed:
/// mentioning yourself is no news to you).
void index(storage::write_batch& b, const std::string& conv, std::uint64_t seq,
           const std::string& author, const std::vector<std::string>& before,
           const std::vector<std::string>& after);

/// The counts of `user` over seqs up to `upto` (the acknowledged end).
errc count(const storage::store& db, const std::string& conv, const std::string& user,
           std::uint64_t upto, unread_counts* out);

} // namespace chat::unread
