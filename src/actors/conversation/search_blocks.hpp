#pragma once
// How the search index lies in column `search_terms` (search_index.hpp says
// how it is used). Three kinds of key, all "<conv>/<term>/<u64 BE>":
//
// - A posting block, "<conv>/<word>/<hi>" (or "<conv>/@<author>/<hi>"):
//   the seqs of the messages indexed together in one flush that hold the
//   term, newest first, as varint gaps from `hi` (the newest message of
//   that flush). A block never spans more than `max_block_span` seqs, so a
//   walk below a seq knows how far above it a block can start. An empty
//   value stands for the single seq `hi` (how entries were first written).
// - An edited word, "<conv>/~<word>/<seq>", empty: a word an edit gave
//   message `seq` (blocks are written once and never rewritten; words an
//   edit takes away stay in them and the query checks every candidate on
//   the message itself).
// - The mark, "<conv>/!": every message up to this seq is in a block.
//   Messages above it are checked one by one by a query (there are few:
//   the conversation flushes within moments), and indexed by the next flush.
//
// Words hold neither '/', '~', '!' nor '@' (they split words), so the kinds
// never share a prefix.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "schema/error_code.hpp"
#include "storage/store.hpp"
#include "storage/write_batch.hpp"

namespace chat::search {

/// Most seqs between a block's oldest and newest message.
constexpr std::uint64_t max_block_span = 1024;

/// "<conv>/<term>/": the keys of one term's blocks.
std::string block_prefix(std::string_view conv, std::string_view term);

/// "<conv>/~<word>/": the keys of the messages an edit gave `word`.
std::string edited_prefix(std::string_view conv, std::string_view word);

/// The term an author is indexed under.
std::string author_term(std::string_view user);

/// The value of a block of `seqs` (newest first, all <= hi).
std::string encode_block(std::uint64_t hi, const std::vector<std::uint64_t>& seqs);

/// Appends the seqs of the block with key suffix `hi` and value `value` to
/// `out`, newest first; false when the value is malformed.
bool decode_block(std::uint64_t hi, std::string_view value, std::vector<std::uint64_t>* out);

/// Writes the mark: every message up to `upto` is in a block.
void put_mark(storage::write_batch& b, std::string_view conv, std::uint64_t upto);

/// Reads the mark (0 when the conversation has none yet).
errc read_mark(const storage::store& db, std::string_view conv, std::uint64_t* upto);

} // namespace chat::search
