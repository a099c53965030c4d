#pragma once
// The search index of a conversation's messages (column `search_terms`,
// laid out as search_blocks.hpp says): per word (and per author) blocks of
// the seqs of the messages that hold it, written a moment after the
// messages by the conversation (search_backlog.hpp) in replicated batches
// of their own; the mark says up to which seq that is done.
//
// A query walks the postings of its rarest part (a word, the author, or a
// prefix's words merged) from the newest seq down and checks each candidate
// on the message itself (its words, author, time and whether it is still
// there), so words an edit or a delete took away never show. Messages above
// the mark are checked one by one. Never a scan of the messages.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

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

/// Whether a record is indexed at all (ordinary messages not deleted).
bool indexed(const message_record& m);

/// The terms a message is indexed under: its words and its author.
std::vector<std::string> terms_of(const message_record& m);

/// After a change from `before` to `after` (same seq): the words the text
/// gained are indexed under the message's own seq, those it lost leave
/// that entry (an edit); a delete removes them all; nothing for reactions.
void reindex_message(storage::write_batch& b, const std::string& conv,
                     const message_record& before, const message_record& after);

/// Retention removed `gone` (all below `expired_before`): drops their edited
/// words and, per term they held, up to `max_blocks` blocks that hold only
/// seqs below `expired_before`.
errc unindex_expired(const storage::store& db, storage::write_batch& b, const std::string& conv,
                     const std::vector<message_record>& gone, std::uint64_t expired_before,
                     std::size_t max_blocks = 64);

/// Evaluates `req` over the messages of `conv` with seq <= `acknowledged`;
/// the index holds every message up to `marked` (read_mark), later ones are
/// checked one by one.
errc run(const storage::store& db, const std::string& conv, const search_request& req,
         std::uint64_t acknowledged, std::uint64_t marked, search_page* out,
         const bounds& limits = {});

} // namespace chat::search
