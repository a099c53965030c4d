#pragma once
// The payload of a replicated command: a storage::write_batch as bytes. It
// is stored in every member's raft log and applied there, possibly by
// another version of the server, so it is versioned and decoded with every
// bound checked.
//
//   u8 version(1)  varint op count  { u8 kind(0 put, 1 del)  u8 column id
//                                     bytes key  [bytes value: put only] }*
//
// (bytes: varint length + data; column ids are storage::column's values.)
#include <string>
#include <string_view>

#include "storage/write_batch.hpp"

namespace chat::replication {

/// True when every op of `batch` may travel as a command: ops on the data
/// columns only, never column::raft (a group's own log). Check it before
/// proposing: a committed command that decode_batch refuses would stop
/// every member at the same entry.
bool replicable(const storage::write_batch& batch) noexcept;

/// `batch` as a command payload.
std::string encode_batch(const storage::write_batch& batch);

/// Decodes a payload of encode_batch() into `*out` (cleared first). False,
/// with `*out` unspecified, for anything else: unknown version, kind or
/// column, column::raft, a length beyond the input, trailing bytes.
bool decode_batch(std::string_view bytes, storage::write_batch* out);

} // namespace chat::replication
