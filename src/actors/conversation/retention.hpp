#pragma once
// Retention (docs/protocol.md "Retention"): a group's owner sets how long
// messages are kept; the conversation removes older ones (with the
// attachments nothing else names) in replicated batches of bounded size,
// and records in its header the first seq still kept, so history and sync
// tell a client that the seqs below it were removed, not lost.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "actors/conversation/attachment_refs.hpp"
#include "actors/conversation/conversation_store.hpp"
#include "schema/error_code.hpp"
#include "storage/write_batch.hpp"

namespace chat::retention {

/// Messages and events removed in one batch at most.
inline constexpr std::size_t max_per_batch = 200;
/// The longest period: ten years (in seconds).
inline constexpr std::int64_t max_seconds = 10LL * 365 * 86400;

/// Whether `seconds` may be set: 0 (keep forever) or `min`..max_seconds.
api_error check_period(std::int64_t seconds, std::int64_t min);

/// The oldest time (ms) a message may have under `seconds`; 0 when kept forever.
std::int64_t cutoff(std::int64_t seconds, std::int64_t now_ms);

struct expiry {
  std::uint64_t expired_before = 0; ///< the first seq kept after this batch
  std::size_t removed = 0;
  bool more = false;                ///< stopped at the batch bound, not at a kept message
};

/// Adds to `b` the removal of `conv`'s messages and events older than
/// `cutoff`, from seq `from` up to `upto` (acknowledged), in seq order, at
/// most max_per_batch; a removed message lets go of its attachments. Stops
/// at the first one not old enough or `busy` (a change to it in flight).
/// `unindex` adds the removal of what indexes a removed message (search
/// words, mentions) to the same batch.
errc expire(const conversation_store& store, attachment_refs& files, const std::string& conv,
            std::uint64_t from, std::uint64_t upto, std::int64_t cutoff,
            const std::function<bool(std::uint64_t)>& busy,
            const std::function<void(const message_view&)>& unindex, storage::write_batch& b,
            expiry* out);

/// The page expire() works on: the oldest items from `from` on (read on
/// the pool, then handed to expire_page on the actor).
errc read_page(const conversation_store& store, const std::string& conv, std::uint64_t from,
               message_page* out);

/// expire() over a page read before.
errc expire_page(const message_page& page, attachment_refs& files, const conversation_store& store,
                 std::uint64_t from, std::uint64_t upto, std::int64_t cutoff,
                 const std::function<bool(std::uint64_t)>& busy,
                 const std::function<void(const message_view&)>& unindex, storage::write_batch& b,
                 expiry* out);

/// Drops from `page` what is older than `cutoff` (it may still be stored
/// until the next expiry batch) and sets its `expired_before`.
void hide_expired(message_page& page, std::int64_t cutoff, std::uint64_t expired_before);

} // namespace chat::retention
