#pragma once
// The search index of a conversation's messages (column `search_terms`):
// one empty-valued key per (word, message), "<conv>/<word>/<seq BE>", and
// one per message for its author, "<conv>/@<user id>/<seq BE>". A word's
// postings are one prefix range; reversed, they come newest first. Entries
// are written in the batch that writes the message, so they replicate and
// commit with it; edits replace them and deletes remove them.
//
// A query walks the postings of its rarest part (a word, the author, or a
// prefix's words merged) from the newest seq down and checks each candidate
// against the rest on the message itself (its words, author and time).
// Never a scan of the messages.
#include <cstddef>
#include <cstdint>
#include <string>

#include "schema/error_code.hpp"
#include "schema/records.hpp"
#include "schema/search.hpp"
#include "storage/store.hpp"
#include "storage/write_batch.hpp"

namespace chat::search {

/// Work bounds of one query in one conversation.
struct bounds {
  std::size_t max_examined = 5000;  ///< candidates checked before answering partial
  std::size_t max_expansions = 50;  ///< words one prefix may stand for
};

/// Adds the entries of ordinary message `m` (events are not indexed).
void index_message(storage::write_batch& b, const std::string& conv, const message_record& m);

/// Removes the entries `m` (as it was stored) added.
void unindex_message(storage::write_batch& b, const std::string& conv, const message_record& m);

/// After a change from `before` to `after` (same seq): removes and adds what
/// differs (an edit), or removes all (a delete); nothing for reactions.
void reindex_message(storage::write_batch& b, const std::string& conv,
                     const message_record& before, const message_record& after);

/// Evaluates `req` over the messages of `conv` with seq <= `acknowledged`.
errc run(const storage::store& db, const std::string& conv, const search_request& req,
         std::uint64_t acknowledged, search_page* out, const bounds& limits = {});

} // namespace chat::search
