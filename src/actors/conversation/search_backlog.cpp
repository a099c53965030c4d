#include "actors/conversation/search_backlog.hpp"

#include <algorithm>

#include "actors/conversation/search_blocks.hpp"
#include "actors/conversation/search_index.hpp"
#include "storage/keys.hpp"

namespace chat::search {

bool index_backlog::fits(std::uint64_t seq) const {
  return messages_ == 0 || seq - oldest_ < max_block_span;
}

void index_backlog::add(const message_record& m) {
  if (!indexed(m))
    return;
  if (messages_ == 0)
    oldest_ = m.seq;
  newest_ = m.seq;
  ++messages_;
  for (auto& t : terms_of(m))
    seqs_[std::move(t)].push_back(m.seq);
}

void index_backlog::write(storage::write_batch& b, std::string_view conv) {
  if (messages_ == 0)
    return;
  // Every block of this write is keyed by the newest message: a seq that
  // no other write uses, so blocks are never overwritten.
  const auto suffix = storage::key_u64(newest_);
  for (auto& [term, seqs] : seqs_) {
    std::reverse(seqs.begin(), seqs.end());
    // The block's first gap is from the key: 0 when the newest message has the term.
    b.put(storage::column::search_terms, block_prefix(conv, term) + suffix,
          encode_block(newest_, seqs));
  }
  seqs_.clear();
  messages_ = 0;
}

} // namespace chat::search
