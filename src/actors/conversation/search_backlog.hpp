#pragma once
// Stored messages whose words are not in the search index yet. A
// conversation collects them for a moment (or a few dozen messages) and
// writes one posting block per word for all of them (search_blocks.hpp):
// an index entry per word per message, written on the acknowledgement path,
// cost more CPU than storing the message itself.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "schema/records.hpp"
#include "storage/write_batch.hpp"

namespace chat::search {

class index_backlog {
public:
  /// True when a message with `seq` can join the blocks being collected
  /// (else write them first: a block spans at most max_block_span seqs).
  bool fits(std::uint64_t seq) const;

  /// Collects the words and author of an ordinary message (events and
  /// deleted messages have none). Seqs must grow.
  void add(const message_record& m);

  /// Messages collected.
  std::size_t messages() const { return messages_; }
  bool empty() const { return messages_ == 0; }

  /// Writes one block per term into `b` and empties the backlog.
  void write(storage::write_batch& b, std::string_view conv);

private:
  std::unordered_map<std::string, std::vector<std::uint64_t>> seqs_; ///< term → seqs, oldest first
  std::uint64_t oldest_ = 0;
  std::uint64_t newest_ = 0;
  std::size_t messages_ = 0;
};

} // namespace chat::search
