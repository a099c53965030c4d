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
#include <set>
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

/// A block's key and the newest seq it may hold.
struct block_key {
  std::string key;
  std::uint64_t hi = 0;
};

/// The blocks of `terms` keyed below `below`, up to `max_per_term` each:
/// those hold only seqs below `below` (read on the pool before retention
/// decides how far it goes).
errc blocks_below(const storage::store& db, const std::string& conv,
                  const std::set<std::string>& terms, std::uint64_t below,
                  std::vector<block_key>* out, std::size_t max_per_term = 64);

/// The terms of `m` (none for events and deleted messages).
std::set<std::string> terms_set(const message_view& m);

/// Retention removed `gone` (all below `expired_before`): drops their
/// edited words, and those of `candidates` (blocks_below) keyed below
/// `expired_before`.
void unindex_expired(storage::write_batch& b, const std::string& conv,
                     const std::vector<message_view>& gone, std::uint64_t expired_before,
                     const std::vector<block_key>& candidates);

/// Evaluates `req` over the messages of `conv` with seq <= `acknowledged`;
/// the index holds every message up to `marked` (read_mark), later ones are
/// checked one by one.
errc run(const storage::store& db, const std::string& conv, const search_request& req,
         std::uint64_t acknowledged, std::uint64_t marked, search_page* out,
         const bounds& limits = {});

} // namespace chat::search
