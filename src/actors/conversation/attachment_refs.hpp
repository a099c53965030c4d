#pragma once
// Which messages refer to a conversation's attachments (column
// `attachment_refs`: `<conv>/<attachment id>` → count, u64 big-endian), and
// removing the attachments nothing refers to any more: when the last
// message naming one is deleted (or expires), and an upload no message
// took up within the grace period (docs/protocol.md "Attachments").
//
// One per conversation actor, which alone writes these keys: its cache of
// counts is current as soon as a batch is built, so a second message in
// the same moment counts on the first. A failed write restarts the actor,
// and the next one reads storage afresh.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "schema/attachment.hpp"
#include "schema/error_code.hpp"
#include "storage/store.hpp"
#include "storage/write_batch.hpp"

namespace chat {

class attachment_refs {
public:
  attachment_refs(storage::store db, std::string conv) : db_(db), conv_(std::move(conv)) {}

  /// The attachments a new message names, as the message carries them.
  /// not_found for an id that is not (or no longer) an attachment of this
  /// conversation; `cutoff`: uploads made before it with no reference are gone.
  api_error resolve(const std::vector<std::string>& ids, std::int64_t cutoff,
                    std::vector<attachment_ref>* out);

  /// Whether header `a` (read from storage) is still served: not removed,
  /// and referenced or uploaded at or after `cutoff`.
  errc live(const attachment_record& a, std::int64_t cutoff);

  /// True once removal of `id` is in a batch (its header may still read).
  bool removed(const std::string& id) const { return removed_.count(id) > 0; }

  /// A message naming `refs` is written in `b`: one more reference each.
  void add(storage::write_batch& b, const std::vector<attachment_ref>& refs);

  /// A message naming `refs` is deleted in `b`: one reference less each,
  /// and the header and chunks of those left unreferenced go in `b` too.
  errc release(storage::write_batch& b, const std::vector<attachment_ref>& refs);

  /// Adds to `b` the removal of at most `max` unreferenced uploads made
  /// before `cutoff`; answers how many.
  std::size_t sweep(storage::write_batch& b, std::int64_t cutoff, std::size_t max);

private:
  errc count(const std::string& id, std::uint64_t* out);
  void set_count(storage::write_batch& b, const std::string& id, std::uint64_t n);
  void remove(storage::write_batch& b, const std::string& id, std::uint64_t size);

  storage::store db_;
  std::string conv_;
  std::unordered_map<std::string, std::uint64_t> counts_; ///< as of the batches built
  std::unordered_set<std::string> removed_;
  std::string sweep_from_; ///< where the next sweep starts; empty: the beginning
};

} // namespace chat
