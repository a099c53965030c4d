#pragma once
// Where a conversation's attachments are stored, in its group's scope (so
// they are replicated with the conversation): the header under
// `<conv>/<attachment id>` in `attachments`, the bytes under
// `<conv>/<attachment id>` + chunk index (u64 big-endian) in
// `attachment_chunks`. Keys start with the conversation id, so an
// attachment read through another conversation is simply not found.
#include <cstdint>
#include <string>
#include <string_view>

#include "schema/attachment.hpp"
#include "schema/error_code.hpp"
#include "storage/store.hpp"
#include "storage/write_batch.hpp"

namespace chat {

/// Key of an attachment's header.
std::string attachment_key(std::string_view conv, std::string_view id);

/// Key of chunk `index` (0-based) of an attachment.
std::string attachment_chunk_key(std::string_view conv, std::string_view id, std::uint64_t index);

class attachment_store {
public:
  explicit attachment_store(storage::store db) : db_(db) {}

  /// Adds the header and every chunk of `bytes` to `b` (one atomic batch:
  /// a header is never visible without all its bytes).
  static void put(storage::write_batch& b, const attachment_record& header,
                  std::string_view bytes);

  /// The header; not_found when `conv` holds no attachment `id`.
  errc header(const std::string& conv, const std::string& id, attachment_record* out) const;

  /// Chunk `index`; not_found when absent.
  errc chunk(const std::string& conv, const std::string& id, std::uint64_t index,
             std::string* out) const;

private:
  storage::store db_;
};

} // namespace chat
